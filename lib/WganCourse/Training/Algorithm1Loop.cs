using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Runtime;

namespace WganCourse.Training;

/// <summary>
/// The WGAN paper's Algorithm 1 (Arjovsky et al. 2017) as notebook 07 shows it in a cell, kept here line for line
/// between the markers below: n_critic critic steps (RMSProp, then every critic parameter clamped to [−c, c]), then one
/// generator step. It trains several seeds at once as <see cref="SeedBatchMlp"/> copies, as notebook 08's WGAN-GP
/// step (<see cref="WganGpLoop"/>) does, and returns every copy's own losses. Tests
/// (tests/…/Training/Algorithm1Tests.cs) hold the notebook to it: the cell's text is <see cref="Algorithm1"/>; with one
/// seed it gives the losses of <see cref="Trainer.Run"/> with <see cref="Objectives.WganClip"/>; with several seeds it
/// trains exactly what <see cref="SeedBatchTrainer.Toy"/> with <see cref="Objectives.WganClip"/> trains.
/// </summary>
public static class Algorithm1Loop
{
#nullable disable
    // ---- Algorithm 1 (notebook 07) ----
    // Algorithm 1 of the WGAN paper: n_critic critic steps (RMSProp, then clip every parameter to
    // [−c, c]), then one generator step. All seeds at once: copy k of g and f is seed k's network,
    // batches are [nSeeds, m, 2]. Data and z are drawn as SeedBatchTrainer (and Trainer.Run) do.
    public static (List<double[]> Critic, List<double[]> Generator) Algorithm1(SeedBatchMlp g,
        SeedBatchMlp f, IReadOnlyList<IBatchSource> data, IReadOnlyList<int> seeds, int steps,
        int m = 64, double alpha = 5e-5, double c = 0.01, int nCritic = 5,
        bool originalSchedule = false, bool adam = false, Action<int> afterStep = null)
    {
        int nSeeds = seeds.Count; var dev = Devices.Current;
        Seeds.Set(seeds[0]); g.to(dev); f.to(dev);
        for (int k = 0; k < nSeeds; k++) data[k].Reset(seeds[k]);
        var zStreams = seeds.Select(s => Seeds.Generator(Trainer.LatentSeed(s))).ToArray();
        torch.Tensor Z() => torch.stack(zStreams.Select(s => torch.randn(m, g.InDim, generator: s))
            .ToArray()).to(dev);                           // z of every copy, [nSeeds, m, latent]
        double[] PerCopy(torch.Tensor terms) =>            // [nSeeds, m, 1] → each copy's own mean
            terms.detach().mean(new long[] { 1, 2 }).cpu().data<float>().Select(v => (double)v)
                .ToArray();
        using torch.optim.Optimizer optF = adam            // §4: Adam (β₁ = 0.5) in place of RMSProp
            ? torch.optim.Adam(f.parameters(), alpha, 0.5, 0.999)
            : torch.optim.RMSProp(f.parameters(), alpha);
        using var optG = torch.optim.RMSProp(g.parameters(), alpha);
        var (criticLoss, generatorLoss) = (new List<double[]>(), new List<double[]>());
        for (int step = 0; step < steps; step++)
        {
            var sum = new double[nSeeds];
            int critics = originalSchedule && (step < 25 || step % 500 == 0)
                ? 100 : nCritic;               // the authors' code: 100 at first and every 500th step
            for (int t = 0; t < critics; t++)
            {
                using var scope = torch.NewDisposeScope();
                var x = torch.stack(data.Select(d => d.Next(m).X).ToArray()).to(dev);
                torch.Tensor fake;
                using (torch.no_grad()) fake = g.call(Z());
                var (fFake, fReal) = (f.call(fake), f.call(x));       // scores, [nSeeds, m, 1]
                var loss = fFake.mean() - fReal.mean();              // −(E f(x) − E f(g(z)))
                optF.zero_grad(); (loss * nSeeds).backward(); optF.step(); // × nSeeds: sum over copies
                using (torch.no_grad()) foreach (var w in f.parameters()) w.clamp_(-c, c);
                var own = PerCopy(fFake - fReal);                    // copy k's own critic loss
                for (int k = 0; k < nSeeds; k++) sum[k] += own[k] / critics;
            }
            using (var scope = torch.NewDisposeScope())
            {
                var fFake = f.call(g.call(Z()));
                var loss = -fFake.mean();                            // −E f(g(z))
                optG.zero_grad(); (loss * nSeeds).backward(); optG.step(); // × nSeeds: sum over copies
                criticLoss.Add(sum); generatorLoss.Add(PerCopy(-fFake));
            }
            afterStep?.Invoke(step + 1);
            Stop.ThrowIfRequested("Algorithm 1", step + 1, steps); // the stop button
        }
        return (criticLoss, generatorLoss);
    }
    // ---- end of Algorithm 1 ----
#nullable restore
}
