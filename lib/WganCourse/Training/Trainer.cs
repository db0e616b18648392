using System.Diagnostics;
using TorchSharp;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using static TorchSharp.torch;

namespace WganCourse.Training;

/// <summary>Settings of one <see cref="Trainer.Run"/>. Only <see cref="Steps"/> has no default.</summary>
public sealed record TrainOptions
{
    /// <summary>Generator steps (each preceded by objective.CriticIterations(step) critic steps).</summary>
    public required int Steps { get; init; }
    /// <summary>Real and fake samples per critic step, and fake samples per generator step.</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Losses are recorded (as means over the window) and progress is reported every this many generator steps.</summary>
    public int LogEvery { get; init; } = 100;
    /// <summary>Reproducibility: when set, the batch source is reset to this seed, z is drawn from a private generator
    /// derived from it, and libtorch's global generator is seeded with it too (for objectives that draw their own random
    /// numbers, e.g. WGAN-GP's interpolation weights). The same seed, the same initial models (build them with a seed)
    /// and the same thread count give bit-identical losses. Null: z comes from the global generator, nothing is reset.</summary>
    public int? Seed { get; init; } = Seeds.Default;
    /// <summary>Where the models and batches live; null means <see cref="Devices.Current"/>.</summary>
    public Device? Device { get; init; }
    /// <summary>Overrides the objective's (paper's) critic optimizer.</summary>
    public OptimizerSpec? CriticOptimizer { get; init; }
    /// <summary>Overrides the objective's (paper's) generator optimizer.</summary>
    public OptimizerSpec? GeneratorOptimizer { get; init; }
    /// <summary>Generator steps completed at which G's samples are stored (0 = before training).</summary>
    public IReadOnlyCollection<int> SnapshotAt { get; init; } = Array.Empty<int>();
    /// <summary>Samples per snapshot. Every snapshot uses the same z (drawn from a generator seeded with
    /// <see cref="SnapshotSeed"/>), so snapshots show how G's map of one fixed cloud of z evolves.</summary>
    public int SnapshotSamples { get; init; } = 1000;
    public int SnapshotSeed { get; init; } = 1;
    /// <summary>Labels for snapshots of a conditional G; null means label i mod 10 for sample i (the digits).</summary>
    public Tensor? SnapshotLabels { get; init; }
    /// <summary>Called after every generator step with the number of steps completed (after logging, snapshots and
    /// checkpoints of that step). No host read happens for it: timers (the bench verb) and interruptions use it.</summary>
    public Action<int>? AfterStep { get; init; }
    /// <summary>Where <see cref="CheckpointEvery"/> writes its checkpoint (one file, overwritten each time; written to a
    /// temporary file and renamed, so a crash while saving leaves the previous checkpoint intact).</summary>
    public string? CheckpointPath { get; init; }
    /// <summary>Save a checkpoint (<see cref="Checkpoint"/>) to <see cref="CheckpointPath"/> every this many generator
    /// steps; 0 = never. Needs a batch source that implements <see cref="IResumableBatchSource"/>.</summary>
    public int CheckpointEvery { get; init; }
    /// <summary>A checkpoint to continue from: G, D, both optimizers, the step counter, the global RNG, the batch
    /// source's position, the loss history and the snapshots are restored, and training continues up to
    /// <see cref="Steps"/> (the total, not the remainder). <see cref="Seed"/> is then ignored: the RNG state comes from
    /// the checkpoint. On the CPU a resumed run ends bit-identical to an uninterrupted one with the same thread count.</summary>
    public string? ResumeFrom { get; init; }
}

/// <summary>What the progress callback receives every <see cref="TrainOptions.LogEvery"/> generator steps.</summary>
/// <param name="Step">Generator steps completed.</param>
/// <param name="CriticLoss">Mean critic loss over the last window (each step's value is the mean over its critic iterations).</param>
/// <param name="GeneratorLoss">Mean generator loss over the last window.</param>
/// <param name="TotalSteps">Generator steps of the whole run.</param>
/// <param name="Elapsed">Wall time since the start of the run.</param>
/// <param name="StepsPerSecond">Generator steps per second since the start (critic iterations included in their cost).</param>
/// <param name="Generator">G, for a live display that wants to sample it.</param>
/// <param name="Critic">D, for a live display that wants to draw it.</param>
public sealed record TrainProgress(int Step, int TotalSteps, double CriticLoss, double GeneratorLoss, TimeSpan Elapsed,
                                   double StepsPerSecond, GeneratorNet Generator, CriticNet Critic)
{
    /// <summary>True for the last report of a run that was stopped (stop button / interrupt) after <see cref="Step"/>
    /// steps; the losses are then the means over the part of the window that ran.</summary>
    public bool Stopped { get; init; }
}

/// <summary>Losses as recorded at log time: entry i is the mean over the window ending at generator step Step[i].</summary>
public sealed class TrainHistory
{
    public List<int> Step { get; } = new();
    public List<double> CriticLoss { get; } = new();
    public List<double> GeneratorLoss { get; } = new();
    public int Count => Step.Count;
}

/// <summary>G's samples after <paramref name="Step"/> generator steps, on the CPU; <paramref name="Labels"/> for a conditional G.</summary>
public sealed record TrainSnapshot(int Step, Tensor Samples, Tensor? Labels);

/// <summary>The outcome of <see cref="Trainer.Run"/>: the trained models, the loss history, timings and snapshots.</summary>
public sealed record TrainResult(Objective Objective, GeneratorNet Generator, CriticNet Critic, TrainHistory History,
                                 IReadOnlyList<TrainSnapshot> Snapshots, int Steps, TimeSpan WallTime)
{
    /// <summary>Generator steps already done when this run started (from <see cref="TrainOptions.ResumeFrom"/>; else 0).</summary>
    public int FirstStep { get; init; }

    /// <summary>Wall-clock milliseconds per generator step of this run, critic iterations, logging and snapshots included.</summary>
    public double MsPerStep => Steps - FirstStep <= 0 ? 0 : WallTime.TotalMilliseconds / (Steps - FirstStep);

    /// <summary>The snapshot taken at <paramref name="step"/>.</summary>
    public TrainSnapshot SnapshotAt(int step) => Snapshots.FirstOrDefault(s => s.Step == step)
        ?? throw new ArgumentException($"no snapshot at step {step}; snapshots were taken at [{string.Join(", ", Snapshots.Select(s => s.Step))}]");
}

/// <summary>A loss became NaN or ±∞. The message names the step, the loss, its value, the likely causes and the fix.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Generator step (1-based) during which the loss was computed; for critic-only training, the critic iteration.</summary>
    public int Step { get; }
    /// <summary>"critic loss" or "generator loss".</summary>
    public string Loss { get; }
    public double Value { get; }

    public TrainingDivergedException(int step, string loss, double value, string context)
        : base(Describe(step, loss, value, context)) => (Step, Loss, Value) = (step, loss, value);

    static string Describe(int step, string loss, double value, string context) =>
        $"Training diverged at step {step}: the {loss} is {Format(value)} ({context}). " +
        "Likely causes: a learning rate too high for this model; a WGAN critic without weight clipping or gradient penalty " +
        "(its scores then grow without bound); the saturating loss A pushed to extreme logits; non-finite values in the data. " +
        "Fix: lower the learning rate (or drop the TrainOptions optimizer override and use the paper's default: Adam 2e-4 for the GAN, " +
        "RMSProp 5e-5 for the WGAN, Adam 1e-4 for WGAN-GP), keep the objective's clipping or penalty, check the batches with " +
        "isfinite, then rerun (a different seed only hides the problem).";

    static string Format(double v) => double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "+∞" : double.IsNegativeInfinity(v) ? "−∞" : v.ToString("G6");
}

/// <summary>
/// THE training loop of the course, for every objective (GAN sat./non-sat., CGAN, DCGAN, WGAN, WGAN-GP).
/// Each generator step s (0-based) is preceded by objective.CriticIterations(s) critic steps; every critic step draws a
/// fresh real batch and fresh z, and calls objective.AfterCriticStep (weight clipping) after its optimizer step.
/// Conditional models: the fakes of a critic step are generated with the labels of that step's real batch (so real and
/// fake share one label vector, as Objective.CriticLoss expects), and the generator step reuses the labels of the last
/// real batch; in expectation both follow the data's label distribution.
/// Losses stay on the device and are read once per LogEvery window (one host synchronisation per window); a NaN or ±∞
/// loss then stops the run with a <see cref="TrainingDivergedException"/> naming the exact step.
/// Long runs: <see cref="TrainOptions.CheckpointEvery"/> saves a <see cref="Checkpoint"/> and
/// <see cref="TrainOptions.ResumeFrom"/> continues from one, bit-identically on the CPU.
/// </summary>
public static class Trainer
{
    public static TrainResult Run(Objective objective, GeneratorNet g, CriticNet d, IBatchSource data, TrainOptions options,
                                  Action<TrainProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options, g, d, data);

        var clock = Stopwatch.StartNew();
        var device = options.Device ?? Devices.Current;
        g.to(device);
        d.to(device);
        g.train();
        d.train();
        Generator? zGen = null;
        if (options.Seed is int seed)
        {
            if (options.ResumeFrom is null)
            {
                Seeds.Set(seed);
                data.Reset(seed);
            }
            zGen = Seeds.Generator(LatentSeed(seed)); // on resume its state is overwritten from the checkpoint
        }
        var dSpec = options.CriticOptimizer ?? objective.CriticOptimizer;
        var gSpec = options.GeneratorOptimizer ?? objective.GeneratorOptimizer;
        using var dOpt = dSpec.Create(d.parameters());
        using var gOpt = gSpec.Create(g.parameters());
        string context = $"{objective.Name}; critic {dSpec}, generator {gSpec}";

        var history = new TrainHistory();
        var snapshots = new List<TrainSnapshot>();
        var snapshotAt = new HashSet<int>(options.SnapshotAt);
        int window = Math.Min(options.LogEvery, Math.Max(options.Steps, 1));
        // per-step losses of the current window, kept on the device until log time
        using var criticBuf = zeros(window, device: device);
        using var genBuf = zeros(window, device: device);
        using var criticAcc = zeros(1, device: device);
        Tensor? lastLabels = null;

        int firstStep = 0, windowStart = 0;
        var state = new Checkpoint.TrainerState(objective, g, d, dOpt, gOpt, data, options, history, snapshots, criticBuf, genBuf, zGen);
        if (options.ResumeFrom is string resume)
            (firstStep, windowStart) = Checkpoint.Restore(resume, state);
        else if (snapshotAt.Contains(0)) snapshots.Add(Snapshot(g, 0, options));
        try
        {
            for (int s = firstStep; s < options.Steps; s++)
            {
                // the stop button: between generator steps, so G, D and both optimizers stay at step s
                if (Stop.IsRequested) StopAt(s);
                int nCritic = objective.CriticIterations(s);
                if (nCritic < 1)
                    throw new InvalidOperationException($"{objective.Name}.CriticIterations({s}) returned {nCritic}; it must be ≥ 1.");
                criticAcc.zero_();
                for (int k = 0; k < nCritic; k++)
                {
                    using var scope = NewDisposeScope();
                    var (xCpu, yCpu) = data.Next(options.BatchSize);
                    var x = xCpu.to(device);
                    var y = Labels(yCpu, g, d, device);
                    Tensor fake;
                    using (no_grad()) fake = g.Generate(g.Latent((int)x.shape[0], zGen), y);
                    var loss = objective.CriticLoss((a, b) => d.Score(a, b), x, fake, y);
                    dOpt.zero_grad();
                    loss.backward();
                    dOpt.step();
                    objective.AfterCriticStep(d);
                    criticAcc.add_(loss.detach());
                    if (y is not null && k == nCritic - 1)
                    {
                        lastLabels?.Dispose();
                        lastLabels = y.detach().clone().DetachFromDisposeScope();
                    }
                }
                using (var scope = NewDisposeScope())
                {
                    int i = s - windowStart;
                    criticBuf[i].copy_(criticAcc[0] / nCritic);
                    var fake = g.Generate(g.Latent(options.BatchSize, zGen), lastLabels);
                    var loss = objective.GeneratorLoss(d.Score(fake, lastLabels));
                    gOpt.zero_grad();
                    loss.backward();
                    gOpt.step();
                    genBuf[i].copy_(loss.detach());
                }

                int done = s + 1;
                if (done - windowStart == window || done == options.Steps)
                {
                    var (c, gl) = ReadWindow(criticBuf, genBuf, done - windowStart, windowStart, context);
                    history.Step.Add(done);
                    history.CriticLoss.Add(c);
                    history.GeneratorLoss.Add(gl);
                    windowStart = done;
                    progress?.Invoke(new TrainProgress(done, options.Steps, c, gl, clock.Elapsed, (done - firstStep) / clock.Elapsed.TotalSeconds, g, d));
                }
                if (snapshotAt.Contains(done)) snapshots.Add(Snapshot(g, done, options));
                if (options.CheckpointEvery > 0 && done % options.CheckpointEvery == 0)
                    Checkpoint.Save(options.CheckpointPath!, state, done, windowStart);
                options.AfterStep?.Invoke(done);
            }

            void StopAt(int done)
            {
                double c = double.NaN, gl = double.NaN;
                if (done > windowStart)
                {
                    (c, gl) = ReadWindow(criticBuf, genBuf, done - windowStart, windowStart, context);
                    history.Step.Add(done);
                    history.CriticLoss.Add(c);
                    history.GeneratorLoss.Add(gl);
                    windowStart = done;
                }
                else if (history.Count > 0) (c, gl) = (history.CriticLoss[^1], history.GeneratorLoss[^1]);
                if (history.Count > 0)
                    progress?.Invoke(new TrainProgress(done, options.Steps, c, gl, clock.Elapsed,
                        (done - firstStep) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), g, d) { Stopped = true });
                var partial = new TrainResult(objective, g, d, history, snapshots, done, clock.Elapsed) { FirstStep = firstStep };
                Stop.ThrowIfRequested($"Training ({objective.Name})", done, options.Steps, partial);
            }
        }
        finally
        {
            lastLabels?.Dispose();
            zGen?.Dispose();
        }
        clock.Stop();
        return new TrainResult(objective, g, d, history, snapshots, options.Steps, clock.Elapsed) { FirstStep = firstStep };
    }

    /// <summary>The seed of the private z stream: different from the data's, so z and the data noise are not the same numbers.
    /// Public so that a loop written out in a notebook (07's Algorithm 1) can draw the same z as <see cref="Run"/>.</summary>
    public static int LatentSeed(int seed) => unchecked(seed * 1_000_003 + 7919);

    static void Validate(TrainOptions o, GeneratorNet g, CriticNet d, IBatchSource data)
    {
        if (o.Steps < 0) throw new ArgumentOutOfRangeException(nameof(o.Steps), o.Steps, "Steps must be ≥ 0");
        if (o.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(o.BatchSize), o.BatchSize, "BatchSize must be ≥ 1");
        if (o.LogEvery < 1) throw new ArgumentOutOfRangeException(nameof(o.LogEvery), o.LogEvery, "LogEvery must be ≥ 1");
        if (o.SnapshotSamples < 1) throw new ArgumentOutOfRangeException(nameof(o.SnapshotSamples), o.SnapshotSamples, "SnapshotSamples must be ≥ 1");
        var bad = o.SnapshotAt.Where(s => s < 0 || s > o.Steps).ToList();
        if (bad.Count > 0)
            throw new ArgumentException($"SnapshotAt must lie in [0, {o.Steps}] (generator steps completed), got [{string.Join(", ", bad)}]");
        if (g.IsConditional != d.IsConditional)
            throw new ArgumentException($"generator and critic must both be conditional or both unconditional, got G conditional = {g.IsConditional}, D conditional = {d.IsConditional}");
        if (o.CheckpointEvery < 0) throw new ArgumentOutOfRangeException(nameof(o.CheckpointEvery), o.CheckpointEvery, "CheckpointEvery must be ≥ 0 (0 = no checkpoints)");
        if (o.CheckpointEvery > 0 && string.IsNullOrWhiteSpace(o.CheckpointPath))
            throw new ArgumentException($"CheckpointEvery = {o.CheckpointEvery} needs a CheckpointPath (the file to write), got none");
        if ((o.CheckpointEvery > 0 || o.ResumeFrom is not null) && data is not IResumableBatchSource)
            throw new ArgumentException($"checkpoints need a batch source whose position can be saved (IResumableBatchSource, e.g. ToyBatches or ImageBatches), got {data.GetType().Name}");
    }

    static Tensor? Labels(Tensor? y, GeneratorNet g, CriticNet d, Device device)
    {
        if (!g.IsConditional && !d.IsConditional) return null; // labelled data, unconditional GAN: ignore the labels
        if (y is null)
            throw new ArgumentException("the models are conditional but the batch source returns no labels (Y is null); use labelled data such as ImageBatches");
        return y.to(device);
    }

    /// <summary>One host read per window: the window's mean losses, and a precise divergence report.</summary>
    static (double Critic, double Generator) ReadWindow(Tensor criticBuf, Tensor genBuf, int count, int windowStart, string context)
    {
        float[] c, gl;
        using (var scope = NewDisposeScope())
        {
            c = criticBuf[..count].cpu().data<float>().ToArray();
            gl = genBuf[..count].cpu().data<float>().ToArray();
        }
        for (int i = 0; i < count; i++)
        {
            // the critic steps of generator step i come before its generator step
            if (!float.IsFinite(c[i])) throw new TrainingDivergedException(windowStart + i + 1, "critic loss", c[i], context);
            if (!float.IsFinite(gl[i])) throw new TrainingDivergedException(windowStart + i + 1, "generator loss", gl[i], context);
        }
        return (c.Select(v => (double)v).Average(), gl.Select(v => (double)v).Average());
    }

    static TrainSnapshot Snapshot(GeneratorNet g, int step, TrainOptions o)
    {
        Tensor? labels = null;
        if (g.IsConditional)
            labels = o.SnapshotLabels?.clone() ?? arange(o.SnapshotSamples, dtype: int64).remainder(10);
        using var gen = Seeds.Generator(o.SnapshotSeed);
        var samples = g.Sample(o.SnapshotSamples, gen, labels);
        var cpu = samples.cpu().detach();
        if (!ReferenceEquals(cpu, samples)) samples.Dispose();
        return new TrainSnapshot(step, cpu, labels?.cpu());
    }
}

/// <summary>
/// Trains D (the critic) with G fixed, as in Arjovsky &amp; Bottou's experiments: every iteration draws a fresh real
/// batch and fresh fakes from the frozen G; G's parameters are never stepped. Training continues across calls to
/// <see cref="Train"/>, so a probe can measure after 1, 10, 100, ... iterations.
/// </summary>
public sealed class CriticOnly : IDisposable
{
    readonly Objective objective;
    readonly GeneratorNet g;
    readonly CriticNet d;
    readonly IBatchSource data;
    readonly optim.Optimizer opt;
    readonly Device device;
    readonly string context;
    readonly Generator? zGen;

    public int BatchSize { get; }
    /// <summary>Critic iterations done so far.</summary>
    public int Iterations { get; private set; }

    /// <summary>D is trained with objective.CriticLoss and <c>optimizer</c> (default: objective.CriticOptimizer).
    /// <c>seed</c>: when given, resets <c>data</c> to it and draws z from a private generator derived from it
    /// (reproducible whatever else uses the global generator); when null, z comes from the global generator.</summary>
    public CriticOnly(Objective objective, GeneratorNet g, CriticNet d, IBatchSource data, int batchSize = 64,
                      OptimizerSpec? optimizer = null, Device? device = null, int? seed = null)
    {
        this.objective = objective ?? throw new ArgumentNullException(nameof(objective));
        this.g = g ?? throw new ArgumentNullException(nameof(g));
        this.d = d ?? throw new ArgumentNullException(nameof(d));
        this.data = data ?? throw new ArgumentNullException(nameof(data));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be ≥ 1");
        if (g.IsConditional != d.IsConditional)
            throw new ArgumentException($"generator and critic must both be conditional or both unconditional, got G {g.IsConditional}, D {d.IsConditional}");
        BatchSize = batchSize;
        this.device = device ?? Devices.Current;
        g.to(this.device);
        d.to(this.device);
        var spec = optimizer ?? objective.CriticOptimizer;
        opt = spec.Create(d.parameters());
        context = $"{objective.Name}, critic only; critic {spec}";
        if (seed is int s)
        {
            data.Reset(s);
            zGen = Seeds.Generator(Trainer.LatentSeed(s));
        }
    }

    /// <summary>k more critic iterations; returns their mean critic loss (one host read).</summary>
    public double Train(int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "iterations must be ≥ 1");
        using var acc = zeros(k, device: device);
        CriticLoop.Run(opt, k, () =>
            {
                var (xCpu, yCpu) = data.Next(BatchSize);
                var x = xCpu.to(device);
                var y = g.IsConditional ? (yCpu ?? throw new ArgumentException("conditional models need labelled batches")).to(device) : null;
                Tensor fake;
                using (no_grad()) fake = g.Generate(g.Latent((int)x.shape[0], zGen), y);
                return objective.CriticLoss((a, b) => d.Score(a, b), x, fake, y);
            },
            () => objective.AfterCriticStep(d),
            i =>
            {
                if (!Stop.IsRequested) return;
                Iterations += i; // D and its optimizer stay at iteration Iterations
                Stop.ThrowIfRequested("Critic training", Iterations, Iterations - i + k);
            },
            (i, loss) => acc[i].copy_(loss));
        var mean = CriticLoop.FiniteMean(acc, Iterations, "critic loss", context);
        Iterations += k;
        return mean;
    }

    public void Dispose()
    {
        opt.Dispose();
        zGen?.Dispose();
    }
}
