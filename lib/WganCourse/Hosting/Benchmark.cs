using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;
using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using static TorchSharp.torch;
using WganCourse.Training;

namespace WganCourse.Hosting;

/// <summary>
/// One training setup to time: objective, models, data and batch size, each built fresh (and seeded) on demand, so
/// that every measurement starts from the same state.
/// </summary>
/// <param name="Name">Row label, e.g. "WGAN-GP, n_critic 5".</param>
/// <param name="Description">The models and data, e.g. "MLP 2→128→128 (G and D)".</param>
/// <param name="BatchSize">Samples per batch.</param>
/// <param name="CriticIterations">Critic steps per generator step (n_critic).</param>
/// <param name="Objective">Builds the objective (with its optimizers).</param>
/// <param name="Models">Builds (G, D) from a seed on a device.</param>
/// <param name="Data">Builds the batch source.</param>
/// <param name="OverheadTwin">The same models with every width 1 (and <paramref name="OverheadTwinBatch"/>): the same
/// sequence of libtorch calls per step (forward, backward, optimizer, clipping) with next to no arithmetic, so its step
/// time is the per-call overhead floor of this step. Null where no twin is defined.</param>
/// <param name="OverheadTwinBatch">Batch size of the overhead twin.</param>
/// <param name="CountFlops">Whether <see cref="Flops.TrainingStepFlops"/> applies (not to WGAN-GP's double backward).</param>
/// <param name="DefaultSteps">Timed steps when the bench is not told otherwise.</param>
/// <param name="DefaultWarmup">Untimed warm-up steps before them.</param>
public sealed record BenchCase(string Name, string Description, int BatchSize, int CriticIterations,
                               Func<Objective> Objective, Func<int, Device, (GeneratorNet G, CriticNet D)> Models,
                               Func<IBatchSource> Data, Func<int, Device, (GeneratorNet G, CriticNet D)>? OverheadTwin,
                               int OverheadTwinBatch, bool CountFlops, int DefaultSteps, int DefaultWarmup)
{
    /// <summary>True for the small 2-D MLP cases (dispatch-bound), false for the image models (arithmetic-bound).</summary>
    public bool IsToy { get; init; }
}

/// <summary>Per-step wall times of one <see cref="BenchCase"/> (after warm-up), in milliseconds.</summary>
/// <param name="Steps">Timed steps.</param>
/// <param name="Warmup">Untimed steps before them.</param>
/// <param name="MedianMs">Median step time.</param>
/// <param name="P10Ms">10th percentile.</param>
/// <param name="P90Ms">90th percentile.</param>
/// <param name="MeanMs">Mean step time.</param>
/// <param name="CpuMedianMs">Median CPU time of the process per step (all threads): on a machine shared with other work
/// the wall time includes waiting for a core, the CPU time does not. On 1 thread and an idle machine the two agree.</param>
/// <param name="TensorsPerStep">Tensor objects created from C# per step (TorchSharp's dispose-scope statistics): a
/// lower bound on the libtorch calls made from C# per step (in-place calls and the calls inside backward() are not counted).</param>
public sealed record StepTiming(int Steps, int Warmup, double MedianMs, double P10Ms, double P90Ms, double MeanMs, double TensorsPerStep,
                                double CpuMedianMs);

/// <summary>Working set (resident memory) of the process during a training run, after a full garbage collection.</summary>
/// <param name="Name">The run's label.</param>
/// <param name="Warmup">Warm-up steps, trained in runs before the measured one (its first step precedes the first
/// reading).</param>
/// <param name="Steps">Steps between the first and the last reading.</param>
/// <param name="StartBytes">After the warm-up and the measured run's first step.</param>
/// <param name="EndBytes">After the last step.</param>
/// <param name="Trace">(steps completed, bytes) at evenly spaced points, start and end included.</param>
public sealed record MemoryReport(string Name, int Warmup, int Steps, long StartBytes, long EndBytes, IReadOnlyList<(int Step, long Bytes)> Trace)
{
    /// <summary>(end − start) / start.</summary>
    public double Growth => (EndBytes - StartBytes) / (double)StartBytes;
    /// <summary>True when the working set grew by at most <paramref name="fraction"/> (0.05 = 5 %).</summary>
    public bool WithinLimit(double fraction = Benchmark.MemoryGrowthLimit) => Growth <= fraction;
    public override string ToString() =>
        $"{Name}: {StartBytes / 1048576.0:F1} MiB after {Warmup} warm-up steps → {EndBytes / 1048576.0:F1} MiB after {Steps} more ({Growth:+0.0%;-0.0%})";
}

/// <summary>
/// Timing of the course's real training steps (through <see cref="Trainer.Run"/>), the machine's float32 matmul limit,
/// the per-call overhead floor and a working-set check. The runner's <c>bench</c> verb prints these as one table.
/// </summary>
public static class Benchmark
{
    /// <summary>The working set may grow by at most 5 % between the end of warm-up and the end of a run.</summary>
    public const double MemoryGrowthLimit = 0.05;
    /// <summary>Batch of the toy rows: 256, the batch of the WGAN-GP toy script (the WGAN paper's 64 is for images).</summary>
    public const int ToyBatch = 256;
    /// <summary>Batch of the DCGAN rows (the course's CPU budget; the DCGAN paper used 128).</summary>
    public const int DcganBatch = 64;

    /// <summary>
    /// The five rows of the course's performance table: the toy MLP GAN 2→128→128 (1 D + 1 G step), the clipped WGAN and
    /// WGAN-GP with n_critic 5 on the same MLPs and the 8-Gaussian ring, all at batch 256; and the DCGAN at
    /// ngf = ndf = 32 and 64 on the shipped digits at batch 64, with the DCGAN paper's objective (non-saturating GAN).
    /// </summary>
    public static IReadOnlyList<BenchCase> StandardCases(ImageSet digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        (GeneratorNet, CriticNet) ToyModels(int seed, Device device, int width)
        {
            Seeds.Set(seed);
            GeneratorNet g = Mlp.Generator(latentDim: 2, outDim: 2, hidden: width, layers: 2);
            CriticNet d = Mlp.Critic(inDim: 2, hidden: width, layers: 2);
            g.to(device);
            d.to(device);
            return (g, d);
        }
        Func<IBatchSource> ring = () => new ToyBatches(Toy.Ring8(), seed: 1);
        Func<IBatchSource> images = () => new ImageBatches(digits, seed: 1);
        (GeneratorNet, CriticNet) Dcgan(int seed, Device device, int width) =>
            (new DcganGenerator(ngf: width, seed: seed, device: device), new DcganDiscriminator(ndf: width, seed: seed + 1, device: device));
        const string mlp = "MLP 2→128→128 (G and D)";
        return new[]
        {
            new BenchCase("GAN (non-sat.), 1 D + 1 G step", mlp, ToyBatch, 1, () => new GanNonSaturating(),
                          (s, dev) => ToyModels(s, dev, 128), ring, (s, dev) => ToyModels(s, dev, 1), 1, CountFlops: true, 300, 50) { IsToy = true },
            new BenchCase("WGAN clip, n_critic 5", mlp, ToyBatch, 5, () => new WganClip(),
                          (s, dev) => ToyModels(s, dev, 128), ring, (s, dev) => ToyModels(s, dev, 1), 1, CountFlops: true, 200, 30) { IsToy = true },
            new BenchCase("WGAN-GP, n_critic 5", mlp, ToyBatch, 5, () => new WganGp(),
                          (s, dev) => ToyModels(s, dev, 128), ring, (s, dev) => ToyModels(s, dev, 1), 1, CountFlops: false, 200, 30) { IsToy = true },
            new BenchCase("DCGAN ngf = ndf = 32", "DCGAN 28×28, digits", DcganBatch, 1, () => new GanNonSaturating(),
                          (s, dev) => Dcgan(s, dev, 32), images, (s, dev) => Dcgan(s, dev, 1), 2, CountFlops: true, 30, 5),
            new BenchCase("DCGAN ngf = ndf = 64", "DCGAN 28×28, digits", DcganBatch, 1, () => new GanNonSaturating(),
                          (s, dev) => Dcgan(s, dev, 64), images, (s, dev) => Dcgan(s, dev, 1), 2, CountFlops: true, 20, 5),
        };
    }

    /// <summary>
    /// Times <paramref name="steps"/> generator steps (each with its critic iterations) after <paramref name="warmup"/>
    /// steps, in one <see cref="Trainer.Run"/> with the course's defaults (dispose scope per step, one host read per 100
    /// steps). Returns the median, 10th and 90th percentile of the per-step wall times.
    /// </summary>
    public static StepTiming TimeSteps(BenchCase c, int steps, int warmup, Device? device = null, bool overheadTwin = false)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 1");
        if (warmup < 1) throw new ArgumentOutOfRangeException(nameof(warmup), warmup, "warm-up must be ≥ 1 step (the first step allocates)");
        var build = overheadTwin ? c.OverheadTwin ?? throw new ArgumentException($"{c.Name} has no overhead twin") : c.Models;
        int batch = overheadTwin ? c.OverheadTwinBatch : c.BatchSize;
        device ??= Devices.Current;
        var (g, d) = build(Seeds.Default, device);
        using var _g = g;
        using var _d = d;
        var stamps = new long[warmup + steps + 1];
        var cpu = new double[warmup + steps + 1];
        long tensorsAtWarmup = 0;
        bool cuda = device.type == DeviceType.CUDA;
        Trainer.Run(c.Objective(), g, d, c.Data(), new TrainOptions
        {
            Steps = warmup + steps, BatchSize = batch, Device = device, Seed = Seeds.Default,
            AfterStep = done =>
            {
                if (cuda) torch.cuda.synchronize();
                stamps[done] = Stopwatch.GetTimestamp();
                cpu[done] = ProcessCpuSeconds();
                if (done == warmup) tensorsAtWarmup = TensorsCreated();
            },
        });
        double tensorsPerStep = (TensorsCreated() - tensorsAtWarmup) / (double)steps;
        var ms = Enumerable.Range(warmup + 1, steps).Select(i => Stopwatch.GetElapsedTime(stamps[i - 1], stamps[i]).TotalMilliseconds).ToArray();
        var cpuMs = Enumerable.Range(warmup + 1, steps).Select(i => (cpu[i] - cpu[i - 1]) * 1e3).ToArray();
        return new StepTiming(steps, warmup, Quantile(ms, 0.5), Quantile(ms, 0.1), Quantile(ms, 0.9), ms.Average(), tensorsPerStep,
                              Quantile(cpuMs, 0.5));
    }

    /// <summary>FLOPs of one generator step of <paramref name="c"/> by <see cref="Flops.TrainingStepFlops"/>; null where the rule does not apply.</summary>
    public static double? StepFlops(BenchCase c, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (!c.CountFlops) return null;
        device ??= Devices.Current;
        var (g, d) = c.Models(Seeds.Default, device);
        using var _g = g;
        using var _d = d;
        var data = c.Data();
        long gMacs = Flops.ForwardMacs(g, () => g.Generate(g.Latent(c.BatchSize), null));
        long dMacs = Flops.ForwardMacs(d, () => d.Score(data.Next(c.BatchSize).X.to(device), null));
        return Flops.TrainingStepFlops(gMacs, dMacs, c.CriticIterations);
    }

    /// <summary>
    /// The best float32 GFLOP/s of an n×n by n×n matmul (2n³ FLOPs) over <paramref name="repeats"/> calls, on the current
    /// threads: the practical arithmetic limit that the DCGAN steps are compared with.
    /// </summary>
    public static double MatmulGflops(int n = 2048, int repeats = 6, Device? device = null) => MatmulLimit(n, repeats, device).Wall;

    /// <summary>
    /// <see cref="MatmulGflops"/> by wall time, and by process CPU time (GFLOP per CPU-second, all threads): the second is
    /// what the matmul reaches when it does not have to wait for a core, so on a shared machine it is the fairer limit
    /// for steps whose CPU time is measured the same way.
    /// </summary>
    public static (double Wall, double Cpu) MatmulLimit(int n = 2048, int repeats = 6, Device? device = null)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "matrix size must be ≥ 1");
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), repeats, "repeats must be ≥ 1");
        device ??= Devices.Current;
        using var scope = NewDisposeScope();
        using var gen = Seeds.Generator(1);
        var a = randn(new long[] { n, n }, generator: gen).to(device);
        var b = randn(new long[] { n, n }, generator: gen).to(device);
        bool cuda = device.type == DeviceType.CUDA;
        a.mm(b).Dispose(); // warm-up: first call allocates and loads the kernels
        double bestWall = double.MaxValue, bestCpu = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            double c0 = ProcessCpuSeconds();
            using (var c = a.mm(b)) { if (cuda) torch.cuda.synchronize(); }
            bestWall = Math.Min(bestWall, Stopwatch.GetElapsedTime(t0).TotalSeconds);
            bestCpu = Math.Min(bestCpu, ProcessCpuSeconds() - c0);
        }
        double flop = 2.0 * n * n * (double)n;
        return (flop / bestWall / 1e9, flop / bestCpu / 1e9);
    }

    /// <summary>Median microseconds of one trivial libtorch call from C# (adding 1 to a 1-element tensor, result disposed).</summary>
    public static double TrivialCallMicroseconds(int calls = 20000, Device? device = null)
    {
        if (calls < 100) throw new ArgumentOutOfRangeException(nameof(calls), calls, "use at least 100 calls");
        device ??= Devices.Current;
        using var x = ones(1, device: device);
        var perBlock = new List<double>();
        const int block = 100;
        for (int i = 0; i < calls / block; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int k = 0; k < block; k++) x.add(1).Dispose();
            perBlock.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds / block);
        }
        return Quantile(perBlock.ToArray(), 0.5);
    }

    /// <summary>
    /// Warms up, then runs <paramref name="steps"/> generator steps and reads the process's working set (after a full
    /// garbage collection, so that only memory still referenced counts) after the run's first step, at
    /// <paramref name="samples"/> evenly spaced points, and at the end.
    /// The warm-up trains at least <paramref name="warmup"/> steps, in runs of the same kind, until a run of ≥ 0.5 s
    /// compiled no method: .NET recompiles hot methods (tiered compilation) seconds into a process, and that code
    /// (≈ 6 MiB in the toy GAN, +3.6 % after 100 warm-up steps, ≈ 0 % after 1000) is not a leak. The measured run starts
    /// after its first step, once its optimizers hold their state. <paramref name="warmupObjective"/> (default: the
    /// measured one) lets a test leak only in the measured run.
    /// </summary>
    public static MemoryReport MeasureMemory(string name, Objective objective, GeneratorNet g, CriticNet d, IBatchSource data, int batchSize,
                                             int warmup, int steps, int samples = 10, Device? device = null,
                                             Objective? warmupObjective = null)
    {
        if (warmup < 1) throw new ArgumentOutOfRangeException(nameof(warmup), warmup, "warm-up must be ≥ 1 step");
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 1");
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "samples must be ≥ 1");
        TrainOptions Options(int n, Action<int>? after = null) => new()
        {
            Steps = n, BatchSize = batchSize, Device = device, Seed = Seeds.Default, AfterStep = after,
        };
        int warmed = 0, chunk = warmup;
        for (int run = 0; run < 20; run++)
        {
            long jitBefore = JitInfo.GetCompiledMethodCount();
            var clock = Stopwatch.StartNew();
            Trainer.Run(warmupObjective ?? objective, g, d, data, Options(chunk));
            warmed += chunk;
            bool quiet = JitInfo.GetCompiledMethodCount() == jitBefore;
            if (quiet && clock.Elapsed.TotalSeconds >= 0.5) break;
            if (clock.Elapsed.TotalSeconds < 0.5) chunk *= 2;
        }
        var trace = new List<(int, long)>();
        int every = Math.Max(1, steps / samples);
        Trainer.Run(objective, g, d, data, Options(steps + 1, done =>
        {
            int measured = done - 1;
            if (measured % every == 0 || measured == steps) trace.Add((warmed + done, WorkingSet()));
        }));
        return new MemoryReport(name, warmed, steps, trace[0].Item2, trace[^1].Item2, trace);
    }

    /// <summary><see cref="MeasureMemory(string, Objective, GeneratorNet, CriticNet, IBatchSource, int, int, int, int, Device?, Objective?)"/> for a bench case.</summary>
    public static MemoryReport MeasureMemory(BenchCase c, int warmup, int steps, int samples = 10, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        device ??= Devices.Current;
        var (g, d) = c.Models(Seeds.Default, device);
        using var _g = g;
        using var _d = d;
        return MeasureMemory(c.Name, c.Objective(), g, d, c.Data(), c.BatchSize, warmup, steps, samples, device);
    }

    /// <summary>Resident memory of this process after a full, blocking, aggressive garbage collection (finalizers
    /// included; the GC decommits its free regions) and, on glibc, after returning free heap pages to the system.</summary>
    public static long WorkingSet()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // aggressive: the GC also returns the empty regions it keeps committed, which grew by ≈ 20 MiB over 1200 toy
        // steps with nothing referenced (a clean 600-step run read +5.0 % with a plain collection)
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        // glibc keeps freed heap pages resident and hands them out again; without trimming, a leak that reuses memory
        // freed earlier in the process (another test, warm-up) does not grow the working set.
        if (OperatingSystem.IsLinux()) TrimNativeHeap();
        using var p = Process.GetCurrentProcess();
        return p.WorkingSet64;
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int MallocTrim(nuint pad);

    static void TrimNativeHeap()
    {
        try { MallocTrim(0); }
        catch (EntryPointNotFoundException) { } // musl and other libcs without malloc_trim: measure as is
        catch (DllNotFoundException) { }
    }

    /// <summary>User + system CPU seconds of this process so far (all threads); getrusage on Linux.</summary>
    public static double ProcessCpuSeconds()
    {
        if (OperatingSystem.IsLinux() && getrusage(0, out var u) == 0)
            return u.UserSec + u.UserUsec * 1e-6 + u.SysSec + u.SysUsec * 1e-6;
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime.TotalSeconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct RUsage
    {
        public long UserSec, UserUsec, SysSec, SysUsec;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [DllImport("libc", SetLastError = true)]
    static extern int getrusage(int who, out RUsage usage);

    static long TensorsCreated()
    {
        var s = DisposeScopeManager.Statistics;
        return s.CreatedInScopeCount + s.CreatedOutsideScopeCount;
    }

    /// <summary>Linear-interpolated quantile q ∈ [0, 1] of the values.</summary>
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        if (!(q >= 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), q, "q must lie in [0, 1]");
        var sorted = values.OrderBy(v => v).ToArray();
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
