using System.Diagnostics;
using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;

namespace WganCourse.Training;

/// <summary>
/// The WGAN-GP training loop notebook 08 shows in a cell (Gulrajani et al. 2017, Algorithm 1: interpolates,
/// <c>torch.autograd.grad</c> with <c>create_graph</c>, the penalty, the step), kept here line for line between the
/// markers below. It trains several seeds at once as <see cref="SeedBatchMlp"/> copies, as notebook 08's comparison does.
/// Tests (tests/…/Training/WganGpLoopTests.cs) hold the notebook to it: the cell's text is <see cref="TrainWganGp"/>; with
/// one seed it gives the losses of <see cref="Trainer.Run"/> with <see cref="Objectives.WganGp"/>; with several seeds it
/// trains exactly what <see cref="SeedBatchTrainer.Toy"/> with <see cref="Objectives.WganGp"/> trains (same weights,
/// same samples), so the notebook's claims keep their values.
/// </summary>
public static class WganGpLoop
{
#nullable disable
    // ---- WGAN-GP (notebook 08) ----
    // Algorithm 1 of Gulrajani et al. 2017, all seeds at once: copy k of g and f is seed k's network,
    // batches are [nSeeds, m, 2]. Data, z and ε are drawn as SeedBatchTrainer (and Trainer.Run) do.
    public static (List<double> Critic, List<double> Generator) TrainWganGp(SeedBatchMlp g, SeedBatchMlp f,
        IReadOnlyList<IBatchSource> data, IReadOnlyList<int> seeds, int steps, int m = 64,
        double lambda = 10, double alpha = 1e-4, double beta1 = 0, double beta2 = 0.9,
        int nCritic = 5, Action<int> afterStep = null)
    {
        int nSeeds = seeds.Count; var dev = Devices.Current;
        Seeds.Set(seeds[0]); g.to(dev); f.to(dev);         // ε comes from the global stream
        for (int k = 0; k < nSeeds; k++) data[k].Reset(seeds[k]);
        var zStreams = seeds.Select(s => Seeds.Generator(Trainer.LatentSeed(s))).ToArray();
        torch.Tensor Z() => torch.stack(zStreams.Select(s => torch.randn(m, g.InDim, generator: s))
            .ToArray()).to(dev);                           // z of every copy, [nSeeds, m, latent]
        using var optF = torch.optim.Adam(f.parameters(), alpha, beta1, beta2);
        using var optG = torch.optim.Adam(g.parameters(), alpha, beta1, beta2);
        var (criticLoss, generatorLoss) = (new List<double>(), new List<double>());
        for (int step = 0; step < steps; step++)
        {
            double sum = 0;
            for (int t = 0; t < nCritic; t++)
            {
                using var scope = torch.NewDisposeScope();
                var x = torch.stack(data.Select(d => d.Next(m).X).ToArray()).to(dev);
                torch.Tensor fake;
                using (torch.no_grad()) fake = g.call(Z());
                var wgan = f.call(fake).mean() - f.call(x).mean();        // mean D(fake) − mean D(x)
                var eps = torch.rand(nSeeds, m, 1, device: dev);           // ε ~ U[0, 1] per sample
                var xhat = (eps * x + (1 - eps) * fake).requires_grad_();  // on the segment x–fake
                var grad = torch.autograd.grad(new[] { f.call(xhat).sum() }, new[] { xhat },
                    retain_graph: true, create_graph: true)[0];           // differentiable in w
                var norm = grad.norm(dim: 2);   // L2 norm of each sample's gradient (dim 2, not p = 2)
                var loss = wgan + lambda * (norm - 1).square().mean();
                optF.zero_grad(); (loss * nSeeds).backward(); optF.step(); // × nSeeds: sum over copies
                sum += loss.item<float>();
            }
            using (var scope = torch.NewDisposeScope())
            {
                var loss = -f.call(g.call(Z())).mean();                    // −mean D(g(z))
                optG.zero_grad(); (loss * nSeeds).backward(); optG.step(); // × nSeeds: sum over copies
                criticLoss.Add(sum / nCritic); generatorLoss.Add(loss.item<float>());
            }
            afterStep?.Invoke(step + 1);
            Stop.ThrowIfRequested("WGAN-GP", step + 1, steps);            // the stop button
        }
        return (criticLoss, generatorLoss);
    }
    // ---- end of WGAN-GP ----
#nullable restore

    /// <summary>A training loop over K seed copies, such as <see cref="TrainWganGp"/> (notebook 08's cell).</summary>
    public delegate void SeedBatchLoop(SeedBatchMlp g, SeedBatchMlp f, IReadOnlyList<IBatchSource> data,
        Action<int> afterStep);

    /// <summary>
    /// What <see cref="SeedBatchTrainer.Toy"/> returns, trained by <paramref name="loop"/> instead of
    /// <see cref="SeedBatchTrainer.Run"/>: the same networks (copy k of G from seed k, of D from seed k + 1), data
    /// sources and snapshots. <paramref name="objective"/> only labels the result.
    /// </summary>
    public static SeedBatchResult Toy(Objective objective, IToyDistribution target, IReadOnlyList<int> seeds,
        SeedBatchOptions options, SeedBatchLoop loop, int hidden = 128, int layers = 3, int latentDim = 2)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loop);
        var g = SeedBatchMlp.Generators(seeds, latentDim, target.Dim, hidden, layers);
        var d = SeedBatchMlp.Critics(seeds.Select(s => s + 1).ToList(), target.Dim, hidden, layers);
        var data = seeds.Select(s => (IBatchSource)new ToyBatches(target, s)).ToList();
        var device = options.Device ?? Devices.Current;
        var at = new HashSet<int>(options.SnapshotAt);
        var snapshots = new List<SeedBatchSnapshot>();
        var clock = Stopwatch.StartNew();
        g.to(device);
        d.to(device);
        if (at.Contains(0)) snapshots.Add(SeedBatchTrainer.Snapshot(g, 0, options, device));
        SeedBatchTrainer.CheckFreezeAt(options);
        var freezeAt = new HashSet<int>(options.FreezeAt);
        var frozen = new List<FrozenCopy>();
        loop(g, d, data, done =>
        {
            if (at.Contains(done)) snapshots.Add(SeedBatchTrainer.Snapshot(g, done, options, device));
            if (freezeAt.Contains(done)) SeedBatchTrainer.FreezeEvery(g, done, frozen);
            options.AfterStep?.Invoke(done);
        });
        clock.Stop();
        return new SeedBatchResult(objective, seeds.ToList(), g, d, snapshots, options.Steps, clock.Elapsed) { Frozen = frozen };
    }
}
