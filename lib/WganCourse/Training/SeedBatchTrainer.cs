using System.Diagnostics;
using TorchSharp;
using WganCourse.Data;
using WganCourse.Metrics;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using static TorchSharp.torch;

namespace WganCourse.Training;

/// <summary>Settings of one <see cref="SeedBatchTrainer.Run"/>. Only <see cref="Steps"/> has no default.</summary>
public sealed record SeedBatchOptions
{
    /// <summary>Generator steps (each preceded by objective.CriticIterations(step) critic steps), for every copy.</summary>
    public required int Steps { get; init; }
    /// <summary>Real and fake samples per copy and critic step, and fake samples per copy and generator step.</summary>
    public int BatchSize { get; init; } = 256;
    /// <summary>Generator steps completed at which every copy's samples are stored (0 = before training).</summary>
    public IReadOnlyCollection<int> SnapshotAt { get; init; } = Array.Empty<int>();
    /// <summary>Samples per copy and snapshot; every copy maps the same z (seeded with <see cref="SnapshotSeed"/>), as
    /// <see cref="Trainer"/>'s snapshots do.</summary>
    public int SnapshotSamples { get; init; } = 2500;
    public int SnapshotSeed { get; init; } = 1;
    /// <summary>Where the models and batches live; null means <see cref="Devices.Current"/>.</summary>
    public Device? Device { get; init; }
    /// <summary>Called after every generator step with the number of steps completed (no host read happens for it).</summary>
    public Action<int>? AfterStep { get; init; }
    /// <summary>Generator steps completed at which a frozen copy of every copy's generator is kept
    /// (<see cref="SeedBatchResult.Frozen"/>; notebook 07 reads §2's GAN runs again in §3).</summary>
    public IReadOnlyCollection<int> FreezeAt { get; init; } = Array.Empty<int>();
}

/// <summary>A frozen copy of copy <paramref name="Copy"/>'s generator after <paramref name="Step"/> generator steps
/// (<see cref="FreezeProbe.Freeze(SeedBatchMlp, int, int, int)"/>): it no longer moves when the run goes on.</summary>
public sealed record FrozenCopy(int Step, int Copy, Sampler G);

/// <summary>Every copy's samples after <paramref name="Step"/> generator steps, [K, n, d] on the CPU.</summary>
public sealed record SeedBatchSnapshot(int Step, Tensor Samples)
{
    /// <summary>Copy k's samples, [n, d].</summary>
    public Tensor Copy(int k) => Samples[k];
}

/// <summary>The outcome of <see cref="SeedBatchTrainer.Run"/>.</summary>
public sealed record SeedBatchResult(Objective Objective, IReadOnlyList<int> Seeds, SeedBatchMlp Generator, SeedBatchMlp Critic,
                                     IReadOnlyList<SeedBatchSnapshot> Snapshots, int Steps, TimeSpan WallTime)
{
    /// <summary>The frozen generators of <see cref="SeedBatchOptions.FreezeAt"/>, by step and then copy.</summary>
    public IReadOnlyList<FrozenCopy> Frozen { get; init; } = Array.Empty<FrozenCopy>();

    /// <summary>Wall-clock milliseconds per generator step of the whole batch (all K copies, critic steps included).</summary>
    public double MsPerStep => Steps <= 0 ? 0 : WallTime.TotalMilliseconds / Steps;

    /// <summary>The mode report of every copy's samples at the last snapshot (see <see cref="ToyMetrics.Evaluate"/>).</summary>
    public IReadOnlyList<ToyReport> FinalReports(GaussianMixture target, int minSamples = 1)
    {
        if (Snapshots.Count == 0) throw new InvalidOperationException("no snapshot was taken: set SeedBatchOptions.SnapshotAt (e.g. new[] { Steps })");
        return Enumerable.Range(0, Seeds.Count).Select(k => ToyMetrics.Evaluate(Snapshots[^1].Copy(k), target, minSamples: minSamples)).ToList();
    }

    /// <summary>Mean ± spread over the seeds of the last snapshot's mode metrics (see <see cref="ToyMetrics.Summarise"/>).</summary>
    public SeedSummary Summary(GaussianMixture target, double minFraction = 0.01) => ToyMetrics.Summarise(FinalReports(target), minFraction);
}

/// <summary>
/// The course's training loop (the same algorithm as <see cref="Trainer.Run"/>) for K copies of a toy MLP pair held as
/// one <see cref="SeedBatchMlp"/> each: every critic step draws a fresh real batch and fresh z for every copy from the
/// copy's own streams (copy k's data and z are those a <see cref="Trainer.Run"/> with seed <c>seeds[k]</c> draws),
/// computes the objective's loss for all copies at once, takes ONE optimizer step over the stacked weights and calls
/// objective.AfterCriticStep (clipping acts element-wise, so per copy); then one generator step the same way.
/// <para>
/// The losses are the objective's own (<see cref="Objective.CriticLoss"/>, <see cref="Objective.GeneratorLoss"/>) applied
/// to the K·n samples of all copies flattened, times K: each is a mean over samples, so K · (mean over K·n) is the sum of
/// the K per-copy means, and copy k's weights get exactly the gradient of copy k's own loss. The gradient penalty stays
/// per copy and per sample because each score depends only on its own sample. Adam and RMSProp act element-wise, so one
/// optimizer over the stack is K independent optimizers. Not bit-identical to K single runs (batched matrix products
/// sum in another order), but the same algorithm: tests compare a copy with a single run step by step.
/// </para>
/// </summary>
public static class SeedBatchTrainer
{
    /// <summary>Trains G and D copies with the objective. <paramref name="data"/>: one batch source per copy (reset to the
    /// copy's seed).</summary>
    public static SeedBatchResult Run(Objective objective, SeedBatchMlp g, SeedBatchMlp d, IReadOnlyList<IBatchSource> data,
                                      IReadOnlyList<int> seeds, SeedBatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(options);
        int K = seeds.Count;
        if (g.Copies != K || d.Copies != K || data.Count != K)
            throw new ArgumentException($"copies must agree: {K} seeds, G has {g.Copies}, D has {d.Copies}, {data.Count} batch sources");
        if (g.OutDim != d.InDim) throw new ArgumentException($"G makes {g.OutDim}-D samples but D reads {d.InDim}-D inputs");
        if (d.OutDim != 1) throw new ArgumentException($"the critic must output one score per sample, got {d.OutDim}");
        if (options.Steps < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Steps, "Steps must be ≥ 0");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be ≥ 1");
        if (options.SnapshotSamples < 1) throw new ArgumentOutOfRangeException(nameof(options), options.SnapshotSamples, "SnapshotSamples must be ≥ 1");
        if (options.SnapshotAt.Any(s => s < 0 || s > options.Steps))
            throw new ArgumentException($"SnapshotAt must lie in [0, {options.Steps}], got [{string.Join(", ", options.SnapshotAt)}]");
        CheckFreezeAt(options);
        bool sn = objective is WganSn;
        if (sn && !d.IsSpectrallyNormalised)
            throw new ArgumentException("WGAN-SN needs a spectrally normalised critic batch: SeedBatchMlp.Critics(seeds, spectralNorm: true)");

        var clock = Stopwatch.StartNew();
        var device = options.Device ?? Devices.Current;
        g.to(device);
        d.to(device);
        g.train();
        d.train();
        Seeds.Set(seeds[0]); // objectives that draw from the global generator (WGAN-GP without its own) are reproducible
        for (int k = 0; k < K; k++) data[k].Reset(seeds[k]);
        var zGens = seeds.Select(s => Seeds.Generator(Trainer.LatentSeed(s))).ToArray();
        var toy = data.All(src => src is ToyBatches) ? data.Cast<ToyBatches>().ToList() : null;
        using var dOpt = objective.CriticOptimizer.Create(d.parameters());
        using var gOpt = objective.GeneratorOptimizer.Create(g.parameters());
        string context = $"{objective.Name}, {K} seeds trained together; critic {objective.CriticOptimizer}, generator {objective.GeneratorOptimizer}";
        var snapshots = new List<SeedBatchSnapshot>();
        var snapshotAt = new HashSet<int>(options.SnapshotAt);
        var freezeAt = new HashSet<int>(options.FreezeAt);
        var frozen = new List<FrozenCopy>();
        int B = options.BatchSize, dim = d.InDim;
        using var criticLosses = zeros(Math.Max(options.Steps, 1), device: device);
        using var generatorLosses = zeros(Math.Max(options.Steps, 1), device: device);
        try
        {
            if (snapshotAt.Contains(0)) snapshots.Add(Snapshot(g, 0, options, device));
            for (int s = 0; s < options.Steps; s++)
            {
                Stop.ThrowIfRequested($"{objective.Name} ({g.Copies} seeds)", s, options.Steps); // the stop button
                int nCritic = objective.CriticIterations(s);
                if (nCritic < 1) throw new InvalidOperationException($"{objective.Name}.CriticIterations({s}) returned {nCritic}; it must be ≥ 1.");
                for (int i = 0; i < nCritic; i++)
                {
                    using var scope = NewDisposeScope();
                    var x = (toy is null ? null : ToyBatches.NextEach(toy, B)) // [K, B, dim]
                            ?? stack(data.Select(src => src.Next(B).X).ToArray());
                    x = x.to(device);
                    Tensor fake;
                    using (no_grad()) fake = g.call(Latent(zGens, B, g.InDim, device));
                    var loss = CriticLoss(objective, d, x, fake);
                    dOpt.zero_grad();
                    loss.backward();
                    dOpt.step();
                    if (!sn) objective.AfterCriticStep(d); // clipping: element-wise, so per copy; WGAN-SN's check is done above
                    criticLosses[s].add_(loss.detach() / nCritic);
                }
                using (var scope = NewDisposeScope())
                {
                    var fake = g.call(Latent(zGens, B, g.InDim, device));
                    var loss = GeneratorLoss(objective, d, fake);
                    gOpt.zero_grad();
                    loss.backward();
                    gOpt.step();
                    generatorLosses[s].copy_(loss.detach());
                }
                int done = s + 1;
                if (snapshotAt.Contains(done)) snapshots.Add(Snapshot(g, done, options, device));
                if (freezeAt.Contains(done)) FreezeEvery(g, done, frozen);
                options.AfterStep?.Invoke(done);
            }
        }
        finally
        {
            foreach (var z in zGens) z.Dispose();
        }
        CheckFinite(criticLosses, "critic loss", options.Steps, context);
        CheckFinite(generatorLosses, "generator loss", options.Steps, context);
        clock.Stop();
        return new SeedBatchResult(objective, seeds.ToList(), g, d, snapshots, options.Steps, clock.Elapsed) { Frozen = frozen };
    }

    /// <summary>
    /// The sum over copies of each copy's critic loss, for real and fake batches [K, n, d]: the objective's own
    /// <see cref="Objective.CriticLoss"/> on all K·n samples flattened (copy k's critic scoring rows k·n … (k+1)·n − 1),
    /// times K. Every loss of the course is a mean over samples, so this is Σ_k loss_k, and copy k's weights receive the
    /// gradient of loss_k only.
    /// </summary>
    public static Tensor CriticLoss(Objective objective, SeedBatchMlp critic, Tensor real, Tensor fake)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(critic);
        CheckBatch(real, critic, nameof(real));
        CheckBatch(fake, critic, nameof(fake));
        if (!real.shape.SequenceEqual(fake.shape))
            throw new ArgumentException($"real and fake batches must have the same shape, got [{string.Join(", ", real.shape)}] and [{string.Join(", ", fake.shape)}]");
        int K = critic.Copies, dim = critic.InDim;
        long n = real.shape[0] * real.shape[1];
        Tensor Flat(Tensor x, Tensor? _) => critic.call(x.reshape(K, -1, dim)).reshape(-1, 1);
        using var scope = NewDisposeScope();
        return (objective.CriticLoss(Flat, real.reshape(n, dim), fake.reshape(n, dim), null) * K).MoveToOuterDisposeScope();
    }

    /// <summary>The sum over copies of each copy's generator loss, from fakes [K, n, d] (see <see cref="CriticLoss"/>).</summary>
    public static Tensor GeneratorLoss(Objective objective, SeedBatchMlp critic, Tensor fake)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(critic);
        CheckBatch(fake, critic, nameof(fake));
        using var scope = NewDisposeScope();
        return (objective.GeneratorLoss(critic.call(fake).reshape(-1, 1)) * critic.Copies).MoveToOuterDisposeScope();
    }

    static void CheckBatch(Tensor x, SeedBatchMlp critic, string name)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        if (x.dim() != 3 || x.shape[0] != critic.Copies || x.shape[2] != critic.InDim)
            throw new ArgumentException($"{name}: expected one batch per copy, [{critic.Copies}, n, {critic.InDim}], got [{string.Join(", ", x.shape)}]", name);
    }

    /// <summary>
    /// The usual toy set-up for K seeds: copy k's G is <c>Mlp.Generator(seed: seeds[k])</c>, its critic
    /// <c>Mlp.Critic(seed: seeds[k] + 1)</c> (spectrally normalised for WGAN-SN), its data <c>new ToyBatches(target)</c>
    /// reset to seeds[k] — what notebook 03's single runs use — trained with <see cref="Run"/>.
    /// </summary>
    public static SeedBatchResult Toy(Objective objective, IToyDistribution target, IReadOnlyList<int> seeds, SeedBatchOptions options,
                                      int hidden = 128, int layers = 3, int latentDim = 2)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(seeds);
        var g = SeedBatchMlp.Generators(seeds, latentDim, target.Dim, hidden, layers);
        var d = SeedBatchMlp.Critics(seeds.Select(s => s + 1).ToList(), target.Dim, hidden, layers, spectralNorm: objective is WganSn);
        var data = seeds.Select(s => (IBatchSource)new ToyBatches(target, s)).ToList();
        return Run(objective, g, d, data, seeds, options);
    }

    /// <summary>z ~ N(0, I) for every copy from its own stream, [K, n, latent] (copy k draws exactly what
    /// <see cref="Models.GeneratorNet.Latent"/> draws with that generator).</summary>
    internal static Tensor Latent(IReadOnlyList<Generator> zGens, int n, int latentDim, Device device)
    {
        using var scope = NewDisposeScope();
        var z = stack(zGens.Select(gen => randn(new long[] { n, latentDim }, generator: gen)).ToArray());
        return z.to(device).MoveToOuterDisposeScope();
    }

    internal static void CheckFreezeAt(SeedBatchOptions o)
    {
        if (o.FreezeAt.Any(s => s < 1 || s > o.Steps))
            throw new ArgumentException($"FreezeAt must lie in [1, {o.Steps}], got [{string.Join(", ", o.FreezeAt)}]");
    }

    /// <summary>A frozen copy of every copy's generator after <paramref name="step"/> steps, added to <paramref name="into"/>.</summary>
    internal static void FreezeEvery(SeedBatchMlp g, int step, List<FrozenCopy> into)
    {
        for (int k = 0; k < g.Copies; k++) into.Add(new FrozenCopy(step, k, FreezeProbe.Freeze(g, k, g.Hidden, g.Layers - 1)));
    }

    internal static SeedBatchSnapshot Snapshot(SeedBatchMlp g, int step, SeedBatchOptions o, Device device)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var gen = Seeds.Generator(o.SnapshotSeed);
        var z = randn(new long[] { o.SnapshotSamples, g.InDim }, generator: gen).to(device);
        var samples = g.call(z.unsqueeze(0).expand(g.Copies, -1, -1).contiguous()).cpu().detach();
        return new SeedBatchSnapshot(step, samples.MoveToOuterDisposeScope());
    }

    static void CheckFinite(Tensor losses, string which, int steps, string context)
    {
        if (steps == 0) return;
        var values = losses[..steps].cpu().data<float>().ToArray();
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) throw new TrainingDivergedException(i + 1, which + " (summed over the copies)", values[i], context);
    }
}
