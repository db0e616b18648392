using WganCourse.Models;
using WganCourse.Runtime;
using TorchSharp;
using F = TorchSharp.torch.nn.functional;

namespace WganCourse.Training;

/// <summary>
/// The GAN training step notebook 01 shows in a cell (Goodfellow et al. 2014, Algorithm 1 with k = 1 and loss B), kept
/// here line for line so that a test can prove what the notebook says: <see cref="Trainer.Run"/> with
/// <see cref="Objectives.GanNonSaturating"/> is this loop plus logging, guards, snapshots and checkpoints — the same
/// losses for the same seed (tests/…/Training/GanLoopTests.cs; another test checks that the cell's lines equal the
/// lines between the markers below).
/// </summary>
public static class GanLoop
{
    /// <summary>The stream of z that <see cref="Trainer.Run"/> draws from when <see cref="TrainOptions.Seed"/> is
    /// <paramref name="seed"/> (a private generator, separate from the data's).</summary>
    public static torch.Generator LatentStream(int seed = Seeds.Default) => Seeds.Generator(Trainer.LatentSeed(seed));

    /// <summary>Trains <paramref name="G1"/> and <paramref name="D1"/> for <paramref name="steps"/> steps (one D step, then
    /// one G step with the non-saturating loss B; Adam 2e-4, β = (0.5, 0.999) for both) on batches of
    /// <paramref name="batch"/> real samples from <paramref name="data"/> and z from <paramref name="z"/>.
    /// <paramref name="afterStep"/> gets (step, D loss, G loss) after every step. Returns the per-step losses.</summary>
    public static (List<float> LossesD, List<float> LossesG) Train(GeneratorNet G1, CriticNet D1, IBatchSource data,
        torch.Generator z, int steps, int batch, Action<int, float, float> afterStep)
    {
        ArgumentNullException.ThrowIfNull(G1);
        ArgumentNullException.ThrowIfNull(D1);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(afterStep);
        // BEGIN notebook 01 GAN step
        var optD = torch.optim.Adam(D1.parameters(), lr: 2e-4, beta1: 0.5, beta2: 0.999);
        var optG = torch.optim.Adam(G1.parameters(), lr: 2e-4, beta1: 0.5, beta2: 0.999);
        var lossesD = new List<float>();
        var lossesG = new List<float>();
        for (int step = 1; step <= steps; step++)
        {
            using var scope = torch.NewDisposeScope();
            // D step: minimise −E[log D(x)] − E[log(1 − D(G(z)))], G frozen (no graph through it)
            var real = data.Next(batch).X;
            torch.Tensor fake;
            using (torch.no_grad()) fake = G1.forward(G1.Latent(batch, z));
            var lossD = F.softplus(-D1.forward(real)).mean() + F.softplus(D1.forward(fake)).mean();
            optD.zero_grad();
            lossD.backward();
            optD.step();
            // G step, loss B (non-saturating): minimise −E[log D(G(z))] on fresh z
            var lossG = F.softplus(-D1.forward(G1.forward(G1.Latent(batch, z)))).mean();
            optG.zero_grad();
            lossG.backward();
            optG.step();
            lossesD.Add(lossD.item<float>());
            lossesG.Add(lossG.item<float>());
            afterStep(step, lossesD[^1], lossesG[^1]);
            Stop.ThrowIfRequested("the GAN loop", step, steps); // the stop button
        }
        // END notebook 01 GAN step
        optD.Dispose();
        optG.Dispose();
        return (lossesD, lossesG);
    }
}
