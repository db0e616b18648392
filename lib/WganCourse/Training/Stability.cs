using System.Diagnostics;
using TorchSharp;
using WganCourse.Claims;
using WganCourse.Data;
using WganCourse.Metrics;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using static TorchSharp.torch;

namespace WganCourse.Training;

/// <summary>Which WGAN the stability experiment trains against the GAN.</summary>
public enum StabilityWgan
{
    /// <summary>WGAN-GP with Gulrajani et al.'s image defaults: λ 10, Adam 1e-4, β (0, 0.9), n_critic 5.</summary>
    Gp,
    /// <summary>The clipped WGAN of the WGAN paper's Figure 6 (Algorithm 1): RMSProp 5e-5, c 0.01, n_critic 5
    /// throughout (not the original code's 100 early critic steps).</summary>
    Clip,
}

/// <summary>Settings of <see cref="Stability.Run"/>.</summary>
public sealed record StabilityOptions
{
    /// <summary>Generator steps, the same for both objectives.</summary>
    public required int Steps { get; init; }
    public required IReadOnlyList<int> Seeds { get; init; }
    public int BatchSize { get; init; } = 64;
    /// <summary>Hidden widths of the MLP generator (no BatchNorm); null = the course's 256, 512.</summary>
    public int[]? Hidden { get; init; }
    public StabilityWgan Wgan { get; init; } = StabilityWgan.Gp;
    /// <summary>Samples per FD-digits set and per class histogram.</summary>
    public int Samples { get; init; } = 2000;
    /// <summary>Which rows to train per seed: "gan", "wgan", and the control "gan-bn" (the GAN with the same MLP
    /// generator but BatchNorm after each hidden layer, notebook 05's baseline).</summary>
    public IReadOnlyList<string> Rows { get; init; } = new[] { "gan", "wgan" };
    /// <summary>Where sample grids go (one PNG per objective and seed); null = none.</summary>
    public string? GridDir { get; init; }
}

/// <summary>One trained generator, read: FD-digits to the real digits, the class histogram, wall seconds, and the
/// variety of its samples (<see cref="Stability.Variety(TorchSharp.torch.Tensor)"/>; NaN when not read).</summary>
public sealed record StabilityRun(string Objective, int Seed, double FdDigits, double[] Readings, double Seconds,
                                  double MsPerStep, double Variety = double.NaN)
{
    /// <summary>Digit classes holding ≥ 5 % of the samples.</summary>
    public int ClassesHeld => Stability.ClassesHeld(Readings);
    /// <summary>The largest class share (1 = every sample read as one digit).</summary>
    public double TopShare => Readings.Length == 0 ? 0 : Readings.Max();
    public bool Collapsed => Stability.IsCollapsed(Readings);
}

/// <summary>
/// Issue #21 item 4: "WGAN trains where the GAN fails" (Arjovsky, Chintala &amp; Bottou 2017, §4.3, Figures 5–6).
/// The same MLP generator without BatchNorm (<see cref="MnistMlpGenerator"/>, batchNorm: false) and the same MLP
/// critic, batch and number of generator steps; trained once with the non-saturating GAN (loss B, DCGAN's Adam) and
/// once with a WGAN, per seed. Each generator is read by FD-digits to real digits and by the digit classifier's class
/// histogram (a collapsed generator fills few classes). docs/STABILITY.md states the claims and the measurements.
/// </summary>
public static class Stability
{
    /// <summary>A class "is held" when it has at least this share of the samples.</summary>
    public const double ClassShare = 0.05;
    /// <summary>Collapsed: at most this many classes hold ≥ 5 % each (ten balanced digits hold all ten; a generator
    /// that draws a handful of shapes holds a handful of classes).</summary>
    public const int CollapsedAtMost = 5;
    /// <summary>Per-seed rate assumed for "WGAN's FD-digits is lower than the GAN's"
    /// (docs/STABILITY.md says why).</summary>
    public const double AssumedRate = 0.95;

    public static int ClassesHeld(IReadOnlyList<double> readings, double share = ClassShare)
    {
        if (readings.Any(r => !double.IsFinite(r) || r < 0))
            throw new ArgumentException($"readings must be finite shares ≥ 0, got [{string.Join(", ", readings)}]");
        return readings.Count(r => r >= share);
    }

    public static bool IsCollapsed(IReadOnlyList<double> readings) => ClassesHeld(readings) <= CollapsedAtMost;

    /// <summary>Trains both objectives on every seed (seed s: G from 10s + 1, D from 10s + 2, batches and z from s,
    /// as in notebook 05) and reads them. <paramref name="report"/> sees each run as it ends.</summary>
    public static IReadOnlyList<StabilityRun> Run(ImageSet digits, DigitClassifier classifier, StabilityOptions o,
                                                  Action<StabilityRun>? report = null)
    {
        ArgumentNullException.ThrowIfNull(digits);
        ArgumentNullException.ThrowIfNull(classifier);
        if (o.Steps < 1) throw new ArgumentOutOfRangeException(nameof(o), o.Steps, "Steps must be ≥ 1");
        if (o.Seeds.Count == 0) throw new ArgumentException("at least one seed", nameof(o));
        var reals = Reals(digits, o.Samples);
        var runs = new List<StabilityRun>();
        foreach (int s in o.Seeds)
            foreach (var row in o.Rows)
            {
                var objective = row switch
                {
                    "gan" or "gan-bn" => (Objective)new GanNonSaturating(),
                    "wgan" => MakeWgan(o.Wgan),
                    _ => throw new ArgumentException($"row '{row}': use gan, wgan or gan-bn"),
                };
                bool bn = row == "gan-bn";
                var g = new MnistMlpGenerator(seed: 10 * s + 1, hidden: o.Hidden, batchNorm: bn);
                var d = new MnistMlpDiscriminator(seed: 10 * s + 2);
                var clock = Stopwatch.StartNew();
                var r = Trainer.Run(objective, g, d, new ImageBatches(digits),
                    new TrainOptions { Steps = o.Steps, BatchSize = o.BatchSize, Seed = s, LogEvery = 100 });
                double seconds = clock.Elapsed.TotalSeconds;
                var run = Read(Label(objective) + (bn ? " (BN G)" : ""), s, g, classifier, reals, seconds,
                               r.MsPerStep, o.GridDir);
                runs.Add(run);
                report?.Invoke(run);
                g.Dispose();
                d.Dispose();
            }
        reals.Dispose();
        return runs;
    }

    public static Objective MakeWgan(StabilityWgan w) => w == StabilityWgan.Gp ? new WganGp() : new WganClip();

    /// <summary>"GAN" or "WGAN-GP" / "WGAN (clip)": the row labels of the table.</summary>
    public static string Label(Objective o) => o is GanObjective ? "GAN" : o is WganGp ? "WGAN-GP" : "WGAN (clip)";

    /// <summary>The real set FD-digits compares with: <paramref name="n"/> digits in notebook 05's order.</summary>
    public static Tensor Reals(ImageSet digits, int n)
    {
        using var order = randperm(digits.Count, generator: Seeds.Generator(55));
        return digits.Images.index_select(0, order)[..n].clone();
    }

    /// <summary>FD-digits and the class histogram of as many samples of <paramref name="g"/> as
    /// <paramref name="reals"/> has (z from seed 7,
    /// as notebook 05), and optionally a 100-sample grid PNG.</summary>
    public static StabilityRun Read(string objective, int seed, GeneratorNet g, DigitClassifier classifier,
                                    Tensor reals,
                                    double seconds = 0, double msPerStep = 0, string? gridDir = null)
    {
        using var scope = NewDisposeScope();
        var fakes = Samples(g, (int)reals.shape[0]);
        double fd = Metrics.FdDigits.Compute(classifier, fakes, reals);
        double variety = Variety(fakes);
        var counts = bincount(classifier.Predict(fakes).to(CPU), minlength: 10).data<long>().ToArray();
        var readings = counts.Select(c => c / (double)fakes.shape[0]).ToArray();
        if (gridDir is not null)
        {
            Directory.CreateDirectory(gridDir);
            var name = objective.Replace(" ", "").Replace("(", "").Replace(")", "").ToLowerInvariant();
            File.WriteAllBytes(Path.Combine(gridDir, $"{name}-seed{seed}.png"),
                new Plots.ImageGrid(fakes[..Math.Min(100, (int)fakes.shape[0])], columns: 10, scale: 2).Png);
        }
        return new StabilityRun(objective, seed, fd, readings, seconds, msPerStep, variety);
    }

    /// <summary>Claim 1: WGAN's FD-digits is below the GAN's on a seed, counted over seeds
    /// (<see cref="Claim.SeedCount"/> at <see cref="AssumedRate"/>). A seed with either run missing counts as a
    /// miss.</summary>
    public static ClaimResult FdClaim(IReadOnlyList<StabilityRun> runs, string id = "stability.fd")
    {
        var (seeds, gan, wgan) = Pairs(runs);
        var perSeed = seeds.Select(s => gan.TryGetValue(s, out var a) && wgan.TryGetValue(s, out var b)
                                        && double.IsFinite(b.FdDigits) && b.FdDigits < a.FdDigits).ToList();
        string per = string.Join("; ", seeds.Select(s =>
            $"seed {s}: GAN {F(gan, s)}, WGAN {F(wgan, s)}"));
        return Claim.SeedCount(id, "with the MLP generator without BatchNorm, WGAN's FD-digits is lower "
            + "than the GAN's at the same generator steps, per seed", "Arjovsky, Chintala & Bottou 2017, §4.3, Fig. 6",
            perSeed, AssumedRate, note: per);
    }

    /// <summary>Claim 2: the GAN collapses (≤ <see cref="CollapsedAtMost"/> classes hold ≥ 5 %) on at least one
    /// seed
    /// and WGAN collapses on none. Untrained or collapsed WGANs fail it; so does a GAN that never collapses.</summary>
    public static ClaimResult CollapseClaim(IReadOnlyList<StabilityRun> runs, string id = "stability.collapse")
    {
        var (seeds, gan, wgan) = Pairs(runs);
        int ganCollapsed = seeds.Count(s => gan.TryGetValue(s, out var r) && r.Collapsed);
        int wganCollapsed = seeds.Count(s => !wgan.TryGetValue(s, out var r) || r.Collapsed);
        bool holds = seeds.Count > 0 && ganCollapsed >= 1 && wganCollapsed == 0;
        string Held(Dictionary<int, StabilityRun> m) => string.Join(", ",
            seeds.Select(s => m.TryGetValue(s, out var r) ? $"{r.ClassesHeld}" : "-"));
        return Claim.That(id, $"the GAN's class histogram collapses (≤ {CollapsedAtMost} classes "
            + $"≥ {ClassShare:P0}) on some seed, WGAN's on none", "Arjovsky, Chintala & Bottou 2017, §4.3, Fig. 6",
            expected: $"GAN collapsed on ≥ 1 of {seeds.Count}, WGAN on 0",
            measured: $"GAN on {ganCollapsed}, WGAN on {wganCollapsed} (classes held per seed: GAN {Held(gan)}; "
                      + $"WGAN {Held(wgan)})", holds: holds);
    }

    /// <summary>Samples whose variety is read (the first ones; all if fewer).</summary>
    public const int VarietySamples = 500;

    /// <summary>How different a generator's samples are from one another: the mean Euclidean distance between two of
    /// the first <see cref="VarietySamples"/> samples (pixels in [−1, 1], all pairs, a sample not paired with itself).
    /// One image drawn for every z gives 0; the real digits give about 20.</summary>
    public static double Variety(Tensor samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        long n = Math.Min(VarietySamples, samples.shape[0]);
        if (n < 2) throw new ArgumentException($"variety needs at least 2 samples, got {samples.shape[0]}");
        using var scope = NewDisposeScope();
        var x = samples[..(int)n].reshape(n, -1).to(float64);
        return cdist(x, x).sum().item<double>() / (n * (n - 1));
    }

    /// <summary><see cref="Variety(Tensor)"/> of <see cref="VarietySamples"/> samples of <paramref name="g"/>, on the
    /// latent codes <see cref="Read"/> uses.</summary>
    public static double Variety(GeneratorNet g)
    {
        ArgumentNullException.ThrowIfNull(g);
        using var scope = NewDisposeScope();
        return Variety(Samples(g, VarietySamples));
    }

    /// <summary><paramref name="n"/> samples of <paramref name="g"/> in eval mode, from the latent codes of seed 7
    /// (notebook 05's): every reading of a generator here looks at the same codes.</summary>
    static Tensor Samples(GeneratorNet g, int n)
    {
        g.eval();
        using var z = Seeds.Generator(7);
        using var _ = no_grad();
        return g.Sample(n, z);
    }

    /// <summary>The factor by which WGAN's samples must out-vary both the GAN's and the untrained generator's.</summary>
    public const double VarietyFactor = 2;

    /// <summary>Claim 3: per seed, WGAN's samples are at least <see cref="VarietyFactor"/> times as varied as the GAN's
    /// AND as the untrained generator's (the same initial G for both), counted over seeds at
    /// <see cref="AssumedRate"/>. An untrained or collapsed WGAN fails; so does one no more varied than the GAN. A seed
    /// with a run or the untrained reading missing, or a non-finite value, counts as a miss.</summary>
    public static ClaimResult VarietyClaim(IReadOnlyList<StabilityRun> runs,
        IReadOnlyDictionary<int, double> untrainedVariety, string id = "stability.variety")
    {
        ArgumentNullException.ThrowIfNull(untrainedVariety);
        var (seeds, gan, wgan) = Pairs(runs);
        bool Holds(int s) => gan.TryGetValue(s, out var a) && wgan.TryGetValue(s, out var b)
            && untrainedVariety.TryGetValue(s, out var u) && double.IsFinite(a.Variety)
            && double.IsFinite(b.Variety) && double.IsFinite(u) && b.Variety >= VarietyFactor * Math.Max(a.Variety, u);
        string V(Dictionary<int, StabilityRun> m, int s) => m.TryGetValue(s, out var r) ? $"{r.Variety:0.00}" : "-";
        string per = string.Join("; ", seeds.Select(s => $"seed {s}: untrained "
            + (untrainedVariety.TryGetValue(s, out var u) ? $"{u:0.00}" : "-") + $", GAN {V(gan, s)}, WGAN {V(wgan, s)}"));
        return Claim.SeedCount(id, $"with the MLP generator without BatchNorm, WGAN's samples are at least "
            + $"{VarietyFactor:0}× as varied as the GAN's and as the untrained generator's, per seed",
            "Arjovsky, Chintala & Bottou 2017, §4.3, Fig. 6 (\"significant degree of mode collapse in the GAN MLP\")",
            seeds.Select(Holds).ToList(), AssumedRate, note: per);
    }

    static string F(Dictionary<int, StabilityRun> m, int s) => m.TryGetValue(s, out var r) ? $"{r.FdDigits:0.0}" : "-";

    static (List<int> Seeds, Dictionary<int, StabilityRun> Gan, Dictionary<int, StabilityRun> Wgan) Pairs(
        IReadOnlyList<StabilityRun> runs)
    {
        var seeds = runs.Select(r => r.Seed).Distinct().OrderBy(s => s).ToList();
        var gan = runs.Where(r => r.Objective == "GAN").GroupBy(r => r.Seed).ToDictionary(x => x.Key, x => x.Last());
        var wgan = runs.Where(r => r.Objective.StartsWith("WGAN")).GroupBy(r => r.Seed)
            .ToDictionary(x => x.Key, x => x.Last());
        return (seeds, gan, wgan);
    }

    /// <summary>A markdown table: one row per run.</summary>
    public static string Table(IReadOnlyList<StabilityRun> runs)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("| seed | objective | FD-digits | variety | classes ≥ 5 % | top class share | histogram (0–9, %) "
                      + "| s | ms/step |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in runs.OrderBy(r => r.Seed).ThenBy(r => r.Objective))
            sb.AppendLine($"| {r.Seed} | {r.Objective} | {r.FdDigits:0.0} | {r.Variety:0.00} | {r.ClassesHeld} | {r.TopShare:P0} | "
                + $"{string.Join(" ", r.Readings.Select(x => $"{100 * x:0}"))} | {r.Seconds:0} | {r.MsPerStep:0.0} |");
        return sb.ToString();
    }
}
