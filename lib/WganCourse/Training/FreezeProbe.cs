using TorchSharp;
using WganCourse.Metrics;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using static TorchSharp.torch;

namespace WganCourse.Training;

/// <summary>n samples drawn with a private generator: the data, a frozen generator, or a degraded one.</summary>
public delegate Tensor Sampler(int n, Generator generator);

/// <summary>How <see cref="FreezeProbe.Probe"/> trains its fresh network.</summary>
public enum ProbeKind
{
    /// <summary>A critic with the gradient penalty (Gulrajani et al. 2017) of weight
    /// <see cref="Budgets.ProbeGpLambda"/>, Adam(<see cref="Budgets.ProbeGpLearningRate"/>, β = (0.5, 0.9)): close to
    /// 1-Lipschitz, so E f(x) − E f(G(z)) estimates W₁ itself (Kantorovich–Rubinstein).</summary>
    Gp,
    /// <summary>Algorithm 1's critic: RMSProp(<see cref="Budgets.ProbeLearningRate"/>), weights clamped to ±0.01; it
    /// reads K·W₁ for a small unknown K of the clipped family.</summary>
    Clipped,
    /// <summary>A GAN discriminator (log loss, Adam 1e-3), read as the JS estimate (log 4 − L_D) / 2.</summary>
    Gan,
}

/// <summary>One frozen generator of notebook 07 §3 and what was read on it.</summary>
/// <param name="Run">The run it was frozen from (the bootstrap resamples runs, not checkpoints).</param>
/// <param name="Family">"WGAN", "GAN", "failed" …: how the run was trained.</param>
/// <param name="Step">The generator step it was frozen at.</param>
/// <param name="W1">Exact W₁ of its samples to the ring (Hungarian): the quality, lower is better.</param>
/// <param name="Estimate">The fresh critic's E f(x) − E f(G(z)) on held-out samples (the notebook's probe kind).</param>
/// <param name="Js">The fresh GAN discriminator's (log 4 − L_D) / 2 on held-out samples (the control).</param>
public sealed record ProbeRow(string Run, string Family, int Step, double W1, double Estimate, double Js);

/// <summary>A Spearman ρ over frozen generators with a bootstrap over runs.</summary>
/// <param name="Rho">ρ over all generators.</param>
/// <param name="Lower">The <paramref name="Quantile"/> quantile of ρ over the resamples (a resample where ρ is
/// undefined, because a series is constant, counts as −1: no ordering is the worst case).</param>
/// <param name="Median">The median of the resamples.</param>
/// <param name="Runs">Independent runs resampled.</param>
/// <param name="Resamples">Bootstrap resamples.</param>
/// <param name="Quantile">The lower quantile read.</param>
public sealed record BootstrapRho(double Rho, double Lower, double Median, int Runs, int Resamples, double Quantile);

/// <summary>
/// Notebook 07 §3, "does the critic's estimate track quality?", with time removed (WGAN paper, Figure 3; REVIEW §D):
/// generators are frozen from several runs and checkpoints, and each is read by a <i>fresh</i> critic trained from one
/// fixed initialisation on one fixed stream of batches for a fixed budget (<see cref="Probe"/>, shown in the notebook
/// line for line). The estimate is then compared with the exact W₁ of each generator. This class holds the probe's
/// reference copy and the plumbing (freezing, the loop over generators, the bootstrap over runs).
/// </summary>
public static class FreezeProbe
{
    /// <summary>Claim 07.probe-orders-by-w1: the lower bootstrap quantile of ρ(estimate, W₁) must reach this.</summary>
    public const double OrderThreshold = 0.5;
    /// <summary>The lower quantile of the bootstrap over runs that the ordering claims read.</summary>
    public const double BootstrapQuantile = 0.05;
    /// <summary>Bootstrap resamples (each a draw of runs with replacement).</summary>
    public const int BootstrapResamples = 2000;

    // ---- freeze and probe (notebook 07) ----
    // One fresh critic per frozen generator in `fakes`, all from ONE initialisation and trained on the
    // SAME batches: copy k of a SeedBatchMlp reads generator k, and the copies train side by side, each
    // on its own loss. Then E f(x) − E f(G(z)) is read on held-out samples: one value per generator.
    // Gp: + λ·(‖∇f(x̂)‖ − 1)² on interpolates x̂, Adam: a near 1-Lipschitz f, so Ŵ ≈ W₁ itself.
    // Clipped: Algorithm 1's step (RMSProp, then every weight clamped to ±0.01): Ŵ ≈ K·W₁, K small.
    // Gan: a GAN discriminator (log loss, Adam, no clip), read as the JS estimate (log 4 − L_D) / 2.
    public static double[] Probe(Sampler real, IReadOnlyList<Sampler> fakes, int steps, ProbeKind kind,
        int m = 256)
    {
        int n = fakes.Count;
        using var f = SeedBatchMlp.CriticReplicas(73, n, hidden: Budgets.ToyHidden); // one init
        using var data = Seeds.Generator(74);                    // real batches and ε, the same for all
        var z = fakes.Select(_ => Seeds.Generator(78)).ToList();  // and the same z for every generator
        using torch.optim.Optimizer opt = kind switch {
            ProbeKind.Gp => torch.optim.Adam(f.parameters(), Budgets.ProbeGpLearningRate, 0.5, 0.9),
            ProbeKind.Clipped => torch.optim.RMSProp(f.parameters(), Budgets.ProbeLearningRate),
            _ => torch.optim.Adam(f.parameters(), 1e-3) };
        torch.Tensor Fakes(int size, List<torch.Generator> zs) =>  // [n, size, 2]: row k from G_k
            torch.stack(fakes.Select((g, k) => g(size, zs[k])).ToArray());
        torch.Tensor Losses(torch.Tensor x, torch.Tensor y)         // each copy's own loss, [n]
        {
            var (fx, fy) = (f.call(x).squeeze(2), f.call(y).squeeze(2));        // scores, [n, size]
            return kind == ProbeKind.Gan
                ? torch.nn.functional.softplus(-fx).mean(new long[] { 1 })    // L_D
                  + torch.nn.functional.softplus(fy).mean(new long[] { 1 })
                : fy.mean(new long[] { 1 }) - fx.mean(new long[] { 1 });      // −(E f(x) − E f(G(z)))
        }
        for (int t = 0; t < steps; t++)
        {
            using var scope = torch.NewDisposeScope();
            var (x, y) = (real(m, data).expand(n, -1, -1), Fakes(m, z)); // the same x for every copy
            var loss = Losses(x, y);
            if (kind == ProbeKind.Gp)
            {
                var eps = torch.rand(1, m, 1, generator: data);           // ε ~ U[0, 1] per sample
                var xhat = (eps * x + (1 - eps) * y).requires_grad_();
                var grad = torch.autograd.grad(new[] { f.call(xhat).sum() }, new[] { xhat },
                    retain_graph: true, create_graph: true)[0];               // differentiable in w
                loss = loss + Budgets.ProbeGpLambda * (grad.norm(dim: 2) - 1).square()
                    .mean(new long[] { 1 });
            }
            opt.zero_grad(); loss.sum().backward(); opt.step();  // the sum: each copy its own gradient
            if (kind == ProbeKind.Clipped)
                using (torch.no_grad()) foreach (var w in f.parameters()) w.clamp_(-0.01, 0.01);
            Stop.ThrowIfRequested("freeze and probe", t + 1, steps); // the stop button
        }
        using var heldOut = Seeds.Generator(75);                   // samples it never saw
        var zHeld = fakes.Select(_ => Seeds.Generator(79)).ToList();
        using var evalScope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var l = Losses(real(4096, heldOut).expand(n, -1, -1), Fakes(4096, zHeld)).data<float>()
            .ToArray();
        foreach (var g in z.Concat(zHeld)) g.Dispose();
        return l.Select(v => kind == ProbeKind.Gan ? (Math.Log(4) - v) / 2 : -v).ToArray();
    }
    // ---- end of the probe ----

    /// <summary>Copies <paramref name="g"/>'s weights into <paramref name="blank"/> (the same architecture) and returns
    /// a sampler of the copy: a generator frozen at this point of its run, however the run goes on.</summary>
    public static Sampler Freeze(GeneratorNet g, GeneratorNet blank)
    {
        var (from, to) = (g.parameters().ToList(), blank.parameters().ToList());
        if (from.Count != to.Count || from.Zip(to).Any(p => !p.First.shape.SequenceEqual(p.Second.shape)))
            throw new ArgumentException("the blank generator must have the frozen generator's architecture", nameof(blank));
        using (no_grad())
            foreach (var (source, target) in from.Zip(to)) target.copy_(source);
        return SamplerOf(blank);
    }

    /// <summary>Copy <paramref name="k"/> of a seed batch, frozen: <see cref="SeedBatchMlp.CopyAsGenerator"/> already
    /// makes an independent network, so it is sampled as is (no second copy).</summary>
    public static Sampler Freeze(SeedBatchMlp g, int k, int hidden, int layers = 3)
    {
        ArgumentNullException.ThrowIfNull(g);
        return SamplerOf(g.CopyAsGenerator(k, hidden, layers));
    }

    static Sampler SamplerOf(GeneratorNet frozen)
    {
        frozen.eval();
        return (n, gen) =>
        {
            using var _ = no_grad();
            return frozen.forward(frozen.Latent(n, gen));
        };
    }

    /// <summary>The generator's samples plus N(0, σ²I) output noise: a graded degradation.</summary>
    public static Sampler WithNoise(Sampler g, double sigma)
    {
        if (!(sigma >= 0)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be ≥ 0");
        return (n, gen) =>
        {
            var x = g(n, gen);
            return sigma == 0 ? x : x + sigma * randn(x.shape, generator: gen);
        };
    }

    /// <summary>Reads every frozen generator: W₁ by <paramref name="quality"/>, the critic's estimates and the
    /// discriminator's JS estimates by <paramref name="probe"/>, one call each for all the generators (the notebook
    /// passes its visible copy of <see cref="Probe"/>, which trains one critic per generator side by side).</summary>
    public static List<ProbeRow> Measure(IReadOnlyList<(string Run, string Family, int Step, Sampler G)> frozen,
        Func<Sampler, double> quality, Func<IReadOnlyList<Sampler>, bool, double[]> probe)
    {
        ArgumentNullException.ThrowIfNull(frozen);
        if (frozen.Count == 0) throw new ArgumentException("no frozen generator to read", nameof(frozen));
        var gs = frozen.Select(r => r.G).ToList();
        var (estimates, js) = (probe(gs, false), probe(gs, true));
        if (estimates.Length != gs.Count || js.Length != gs.Count)
            throw new InvalidOperationException($"the probe returned {estimates.Length} and {js.Length} readings for {gs.Count} generators");
        return frozen.Select((r, i) => new ProbeRow(r.Run, r.Family, r.Step, quality(r.G), estimates[i], js[i]))
            .ToList();
    }

    /// <summary>Spearman ρ between <paramref name="x"/> and <paramref name="y"/> over all items, and its bootstrap over
    /// runs: each resample draws the runs with replacement and keeps all checkpoints of every drawn run (checkpoints of
    /// one run are not independent; runs are).</summary>
    public static BootstrapRho SpearmanOverRuns(IReadOnlyList<string> runs, IReadOnlyList<double> x,
        IReadOnlyList<double> y, int seed, int resamples = BootstrapResamples, double quantile = BootstrapQuantile) =>
        Bootstrap(runs, seed, resamples, quantile, idx =>
            Rank.Spearman(idx.Select(i => x[i]).ToList(), idx.Select(i => y[i]).ToList()));

    /// <summary>The paired bootstrap of ρ(a, y) − ρ(b, y) over runs: does estimate a order the items by y better
    /// than estimate b? (NaN in either ρ of a resample counts as −1, as in <see cref="SpearmanOverRuns"/>.)</summary>
    public static BootstrapRho SpearmanDifferenceOverRuns(IReadOnlyList<string> runs, IReadOnlyList<double> a,
        IReadOnlyList<double> b, IReadOnlyList<double> y, int seed, int resamples = BootstrapResamples,
        double quantile = BootstrapQuantile) =>
        Bootstrap(runs, seed, resamples, quantile, idx =>
        {
            var ys = idx.Select(i => y[i]).ToList();
            double ra = Rank.Spearman(idx.Select(i => a[i]).ToList(), ys);
            double rb = Rank.Spearman(idx.Select(i => b[i]).ToList(), ys);
            return (double.IsNaN(ra) ? -1 : ra) - (double.IsNaN(rb) ? -1 : rb);
        });

    static BootstrapRho Bootstrap(IReadOnlyList<string> runs, int seed, int resamples, double quantile,
        Func<IReadOnlyList<int>, double> statistic)
    {
        if (resamples < 10) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "need ≥ 10 resamples");
        if (!(quantile > 0 && quantile < 0.5)) throw new ArgumentOutOfRangeException(nameof(quantile));
        var byRun = Enumerable.Range(0, runs.Count).GroupBy(i => runs[i]).Select(g => g.ToArray()).ToArray();
        if (byRun.Length < 3) throw new ArgumentException($"a bootstrap over runs needs ≥ 3 runs, got {byRun.Length}");
        double Safe(double v) => double.IsNaN(v) ? -1 : v;
        var all = Enumerable.Range(0, runs.Count).ToList();
        var rng = new Random(unchecked((int)Seeds.Effective(seed)));
        var values = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            var idx = new List<int>();
            for (int k = 0; k < byRun.Length; k++) idx.AddRange(byRun[rng.Next(byRun.Length)]);
            values[r] = Safe(statistic(idx));
        }
        Array.Sort(values);
        double Q(double q) => values[Math.Clamp((int)Math.Floor(q * resamples), 0, resamples - 1)];
        return new BootstrapRho(statistic(all), Q(quantile), Q(0.5), byRun.Length, resamples, quantile);
    }

    /// <summary>True when every value is larger than the one before (a NaN breaks it).</summary>
    public static bool StrictlyIncreasing(IReadOnlyList<double> v) =>
        v.Count >= 2 && v.Zip(v.Skip(1)).All(p => p.Second > p.First);

    /// <summary>Claim (d)'s reading: the failed run's smallest estimate over its checkpoints minus the largest estimate
    /// of the other runs' last checkpoints of <paramref name="family"/>: positive when the probe puts every checkpoint
    /// of the failed run above every trained generator of that family.</summary>
    public static (double FailedMin, double FamilyMax) FailedAboveTrained(IReadOnlyList<ProbeRow> rows,
        string failedFamily, string family, Func<ProbeRow, double> estimate)
    {
        var failed = rows.Where(r => r.Family == failedFamily).ToList();
        var last = rows.Where(r => r.Family == family).GroupBy(r => r.Run).Select(g => g.MaxBy(r => r.Step)!).ToList();
        if (failed.Count == 0 || last.Count == 0)
            throw new ArgumentException($"need rows of family '{failedFamily}' and of '{family}'");
        return (failed.Min(estimate), last.Max(estimate));
    }
}
