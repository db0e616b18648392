using TorchSharp;
using WganCourse.Data;
using static TorchSharp.torch;

namespace WganCourse.Metrics;

/// <summary>The standard toy-mixture report for one set of generated samples.</summary>
/// <param name="ModesCovered">Modes with at least minSamples samples within kσ (default 1: any sample).</param>
/// <param name="ModeCount">Modes of the target.</param>
/// <param name="HighQualityFraction">Fraction of samples within kσ of some mode (multiply by 100 for "%").</param>
/// <param name="ReverseKl">KL(P_g-modes ‖ target weights) of the high-quality samples' mode histogram (see <see cref="ToyMetrics.ReverseKl"/>).</param>
/// <param name="Counts">High-quality samples per mode (each assigned to its nearest mode).</param>
public sealed record ToyReport(int ModesCovered, int ModeCount, double HighQualityFraction, double ReverseKl, int[] Counts)
{
    /// <summary>Modes that are the nearest mode of at least <paramref name="minSamples"/> high-quality samples. With 1 this is
    /// VEEGAN's and PacGAN's count (a mode is covered when it is the nearest mode of ≥ 1 high-quality sample); with 1 % of
    /// the samples it is the course's stricter count. (On the ring and the grid the 3σ discs do not overlap, so "nearest
    /// mode of a high-quality sample" and "within 3σ of the mode" are the same thing.)</summary>
    public int ModesWithAtLeast(int minSamples)
    {
        if (minSamples < 1) throw new ArgumentOutOfRangeException(nameof(minSamples), minSamples, "minSamples must be ≥ 1");
        return Counts.Count(c => c >= minSamples);
    }

    /// <summary>Samples the report was computed from (all of them, high-quality or not).</summary>
    public int SampleCount { get; init; }
}

/// <summary>Mean ± standard deviation (n − 1) of a value over seeds, with its range. A non-finite value (e.g. the
/// reverse KL +∞ of a generator with no high-quality sample) makes the mean and the deviation non-finite too, and is
/// counted in <see cref="NonFinite"/> so a table can say why.</summary>
public sealed record SeedSpread(double Mean, double Sd, double Min, double Max, int N, int NonFinite)
{
    public static SeedSpread Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var v = values.ToArray();
        if (v.Length == 0) throw new ArgumentException("no values: a spread needs at least one seed", nameof(values));
        int nonFinite = v.Count(x => !double.IsFinite(x));
        double mean = v.Average();
        double sd = v.Length < 2 ? 0 : Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
        if (nonFinite > 0) sd = double.NaN;
        return new SeedSpread(mean, sd, v.Min(), v.Max(), v.Length, nonFinite);
    }

    /// <summary>"mean ± sd" with the format given, e.g. "6.2 ± 1.1"; "+∞ (2 of 5 seeds off the modes)" when a value is infinite.</summary>
    public string Format(string format = "0.00")
    {
        if (NonFinite > 0) return $"{(double.IsPositiveInfinity(Mean) ? "+∞" : "NaN")} ({NonFinite} of {N} seeds without a high-quality sample)";
        return N < 2 ? Mean.ToString(format) : $"{Mean.ToString(format)} ± {Sd.ToString(format)}";
    }

    public override string ToString() => Format();
}

/// <summary>The mode metrics of K seeds of one objective, as mean ± spread over the seeds.</summary>
/// <param name="MinSamples">High-quality samples a mode needs to count in <paramref name="Modes"/> (1 % of the samples).</param>
/// <param name="ModeCount">Modes of the target.</param>
/// <param name="Modes">Modes holding at least <paramref name="MinSamples"/> high-quality samples (the course's headline count).</param>
/// <param name="ModesStandard">Modes that are the nearest mode of ≥ 1 high-quality sample (VEEGAN's and PacGAN's count).</param>
/// <param name="HighQuality">Fraction of samples within 3σ of a mode.</param>
/// <param name="ReverseKl">KL of the high-quality samples' mode histogram to the target's weights (PacGAN).</param>
/// <param name="Reports">One report per seed, in seed order.</param>
public sealed record SeedSummary(int MinSamples, int ModeCount, SeedSpread Modes, SeedSpread ModesStandard, SeedSpread HighQuality,
                                 SeedSpread ReverseKl, IReadOnlyList<ToyReport> Reports)
{
    /// <summary>Seeds whose every mode holds at least <see cref="MinSamples"/> high-quality samples.</summary>
    public int SeedsWithAllModes => Reports.Count(r => r.ModesWithAtLeast(MinSamples) == ModeCount);
    /// <summary>The headline count per seed, e.g. "8 8 7 8 8".</summary>
    public string ModesPerSeed => string.Join(" ", Reports.Select(r => r.ModesWithAtLeast(MinSamples)));
}

/// <summary>
/// Mode metrics for generated samples against a <see cref="GaussianMixture"/> target, as used for the 8-Gaussian ring
/// and the 25-Gaussian grid since VEEGAN and PacGAN. A sample is "near" mode k when its Euclidean distance to the mode's
/// centre is at most k_σ·σ_k (k_σ = 3 by default, σ_k the mode's per-coordinate std). Note what 3σ means for the
/// target's own samples: 99.7 % of them in 1-D, 1 − e^{−4.5} = 98.9 % in 2-D (a χ² radius), so a perfect generator
/// scores ≈ 0.989 high-quality on the ring, not 1.
/// </summary>
public static class ToyMetrics
{
    /// <summary>Number of modes with at least one sample within kσ of their centre (the standard definition). With
    /// <paramref name="minSamples"/> &gt; 1 a mode needs that many samples within kσ: a stricter count that does not credit a
    /// mode visited by a few stragglers (e.g. 1 % of the samples), useful to show partial collapse.</summary>
    public static int ModesCovered(Tensor samples, GaussianMixture target, double kSigma = 3, int minSamples = 1) =>
        Evaluate(samples, target, kSigma, minSamples: minSamples).ModesCovered;

    /// <summary>Fraction in [0, 1] of samples within kσ of some mode ("high-quality samples").</summary>
    public static double HighQualityFraction(Tensor samples, GaussianMixture target, double kSigma = 3) =>
        Evaluate(samples, target, kSigma).HighQualityFraction;

    /// <summary>
    /// "Reverse KL" of the mode histogram: KL(p ‖ w) = Σ_k p_k log(p_k / w_k), where p is the histogram of the
    /// high-quality samples over modes (each assigned to its nearest mode) and w the target's mode weights (uniform for
    /// the ring and the grid). Smoothing: none by default (<paramref name="pseudoCount"/> = 0): an empty mode contributes
    /// 0·log 0 = 0, which is finite because w never vanishes; with pseudoCount = a &gt; 0, p_k = (c_k + a) / (Σc + K·a)
    /// (add-a / Laplace smoothing). 0 when the high-quality samples spread over the modes as the target does; log K when
    /// all fall on one of K equally weighted modes. When no sample is high-quality (and a = 0) the histogram is undefined
    /// and we return +∞ so that it compares as worse than any real value.
    /// </summary>
    public static double ReverseKl(Tensor samples, GaussianMixture target, double kSigma = 3, double pseudoCount = 0) =>
        ReverseKlOfCounts(Evaluate(samples, target, kSigma).Counts, target.Weights, pseudoCount);

    /// <summary>All metrics at once (one pass over the samples).</summary>
    public static ToyReport Evaluate(Tensor samples, GaussianMixture target, double kSigma = 3, double pseudoCount = 0, int minSamples = 1)
    {
        if (minSamples < 1) throw new ArgumentOutOfRangeException(nameof(minSamples), minSamples, "minSamples must be ≥ 1");
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(target);
        if (!(kSigma > 0)) throw new ArgumentOutOfRangeException(nameof(kSigma), kSigma, "kσ must be > 0");
        int K = target.Means.Length;
        using var scope = NewDisposeScope();
        var dist = DistancesToModes(samples, target);                                      // [n, K]
        var radius = tensor(target.Stds, dtype: float64) * kSigma;                         // [K]
        var near = dist <= radius.unsqueeze(0);                                             // within kσ of mode k
        // sum(dim: 0), not sum(0): a literal 0 binds to the sum(ScalarType) overload (dtype Byte) in TorchSharp
        int covered = (int)(near.to_type(int64).sum(dim: 0) >= minSamples).to_type(int64).sum().item<long>();
        var highQuality = near.any(1);
        double hq = highQuality.to_type(float64).mean().item<double>();
        var nearest = dist.argmin(1);
        var counts = bincount(nearest.masked_select(highQuality), minlength: K).data<long>().Select(c => (int)c).ToArray();
        return new ToyReport(covered, K, hq, ReverseKlOfCounts(counts, target.Weights, pseudoCount), counts) { SampleCount = (int)dist.shape[0] };
    }

    /// <summary>Summarises one objective's seeds: <paramref name="minFraction"/> of each seed's samples (1 % by default, the
    /// course's count) must be high-quality and nearest to a mode for it to count as covered.</summary>
    public static SeedSummary Summarise(IReadOnlyList<ToyReport> reports, double minFraction = 0.01)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (reports.Count == 0) throw new ArgumentException("no reports: summarise at least one seed", nameof(reports));
        if (!(minFraction > 0 && minFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(minFraction), minFraction, "the fraction must lie in (0, 1]");
        if (reports.Any(r => r.SampleCount < 1))
            throw new ArgumentException("reports must come from ToyMetrics.Evaluate (their SampleCount is needed for the 1 % count)", nameof(reports));
        int min = Math.Max(1, (int)Math.Ceiling(minFraction * reports[0].SampleCount - 1e-9));
        return new SeedSummary(min, reports[0].ModeCount,
            SeedSpread.Of(reports.Select(r => (double)r.ModesWithAtLeast(min))),
            SeedSpread.Of(reports.Select(r => (double)r.ModesWithAtLeast(1))),
            SeedSpread.Of(reports.Select(r => r.HighQualityFraction)),
            SeedSpread.Of(reports.Select(r => r.ReverseKl)), reports);
    }

    /// <summary>The share of <paramref name="samples"/> whose nearest mode centre is mode k, for every k, however far the
    /// sample lies from it (unlike <see cref="ToyReport.Counts"/>, which counts only high-quality samples). On the ring
    /// this is the share of each 45° sector: a generator collapsed onto one mode puts (nearly) all of it in one entry, an
    /// even spread around the ring gives ≈ 1/8 each. Notebook 00's tour claim asks how many entries reach 1/16.</summary>
    public static double[] NearestModeShares(Tensor samples, GaussianMixture target)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(target);
        using var scope = NewDisposeScope();
        var dist = DistancesToModes(samples, target);
        var counts = bincount(dist.argmin(1), minlength: target.Means.Length).data<long>().ToArray();
        return counts.Select(c => (double)c / dist.shape[0]).ToArray();
    }

    /// <summary>The [n, K] Euclidean distances (float64, on the CPU) of every sample to every mode centre, after checking
    /// the samples' shape. Call it inside a dispose scope.</summary>
    static Tensor DistancesToModes(Tensor samples, GaussianMixture target)
    {
        if (samples.dim() != 2 || samples.shape[1] != target.Dim || samples.shape[0] == 0)
            throw new ArgumentException($"samples must have shape [n ≥ 1, {target.Dim}] for {target.Name}, got [{string.Join(", ", samples.shape)}]");
        var x = samples.detach().to(CPU).to_type(float64);
        var mu = tensor(target.Means.SelectMany(m => m).ToArray(), dtype: float64).reshape(target.Means.Length, target.Dim);
        return cdist(x.unsqueeze(0), mu.unsqueeze(0)).squeeze(0);
    }

    /// <summary>KL(p ‖ w) of a mode histogram (see <see cref="ReverseKl"/> for the smoothing).</summary>
    public static double ReverseKlOfCounts(IReadOnlyList<int> counts, IReadOnlyList<double> weights, double pseudoCount = 0)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(weights);
        if (counts.Count != weights.Count) throw new ArgumentException($"got {counts.Count} counts for {weights.Count} modes");
        if (!(pseudoCount >= 0)) throw new ArgumentOutOfRangeException(nameof(pseudoCount), pseudoCount, "pseudo-count must be ≥ 0");
        if (counts.Any(c => c < 0)) throw new ArgumentException("counts must be ≥ 0");
        double total = counts.Sum() + counts.Count * pseudoCount;
        if (total == 0) return double.PositiveInfinity;
        double kl = 0;
        for (int k = 0; k < counts.Count; k++)
        {
            double p = (counts[k] + pseudoCount) / total;
            if (p > 0) kl += p * Math.Log(p / weights[k]);
        }
        return Math.Max(0, kl); // rounding can give −1e-17 for a perfect histogram
    }
}

/// <summary>
/// The predicates of the toy-mode claims of notebooks 03, 07 and 08, in one place so that unit tests can feed them
/// broken generators (collapsed, off the modes, untrained) and see them fail.
/// </summary>
public static class ToyClaims
{
    /// <summary>
    /// The share of samples within 3σ of some mode above which a seed counts as <b>on the modes</b> (converged
    /// enough to judge collapse): one fifth. Why this number, fixed from geometry before any run: a generator spread
    /// evenly along the ring's circle (radius √2, circumference 8.89) puts only 8 · 2 · 3σ / 8.89 = 7.6 % of its
    /// samples within 3σ (σ = 0.0141) of a mode, an untrained blob less; the data itself puts 98.9 % there.
    /// </summary>
    public const double OnTheModes = 0.2;

    /// <summary>An objective's runs have converged enough to compare when at least half of its
    /// <paramref name="seeds"/> (and two) are on the modes.</summary>
    public static bool EnoughOnTheModes(int onTheModes, int seeds) => onTheModes >= 2 && 2 * onTheModes >= seeds;

    /// <summary>
    /// The ordering claims of notebooks 07 and 08 ("<paramref name="worse"/> collapses more than
    /// <paramref name="better"/>"), judged only on runs that reached the data. A seed is on the modes when at least
    /// <paramref name="minHighQuality"/> of its samples are high-quality; collapse is compared over those seeds only.
    /// Unless at least half of each objective's seeds (and two at least) are on the modes the verdict is
    /// <see cref="OrderingOutcome.NotConverged"/>: a generator spread between the modes or off them has not converged, and
    /// that is not collapse. Otherwise it holds when <paramref name="worse"/>'s on-mode seeds cover on average
    /// ≥ <paramref name="modeMargin"/> modes fewer (the ≥ 1 % count) or have a mean reverse KL ≥
    /// <paramref name="klMargin"/> larger (finite: an on-mode seed has a histogram).
    /// </summary>
    public static OrderingVerdict Ordering(SeedSummary worse, SeedSummary better, double modeMargin,
                                           double klMargin = 0.1, double minHighQuality = OnTheModes)
    {
        ArgumentNullException.ThrowIfNull(worse);
        ArgumentNullException.ThrowIfNull(better);
        if (!(modeMargin > 0) || !(klMargin > 0))
            throw new ArgumentOutOfRangeException(nameof(modeMargin), "margins must be positive");
        var w = worse.Reports.Where(r => r.HighQualityFraction >= minHighQuality).ToList();
        var b = better.Reports.Where(r => r.HighQualityFraction >= minHighQuality).ToList();
        double Modes(List<ToyReport> rs, int min) => rs.Count == 0 ? double.NaN : rs.Average(r => (double)r.ModesWithAtLeast(min));
        double Kl(List<ToyReport> rs) => rs.Count == 0 ? double.NaN : rs.Average(r => r.ReverseKl);
        var v = new OrderingVerdict(OrderingOutcome.DoesNotHold, w.Count, worse.Reports.Count, b.Count,
                                    better.Reports.Count, Modes(w, worse.MinSamples), Modes(b, better.MinSamples),
                                    Kl(w), Kl(b));
        if (!EnoughOnTheModes(w.Count, worse.Reports.Count) || !EnoughOnTheModes(b.Count, better.Reports.Count))
            return v with { Outcome = OrderingOutcome.NotConverged };
        bool holds = v.BetterModes - v.WorseModes >= modeMargin || v.WorseKl - v.BetterKl >= klMargin;
        return v with { Outcome = holds ? OrderingOutcome.Holds : OrderingOutcome.DoesNotHold };
    }
}

public enum OrderingOutcome { Holds, DoesNotHold, NotConverged }

/// <summary>An ordering claim's verdict with what it compared: seeds on the modes of each objective, and their mean
/// mode count (≥ 1 %) and reverse KL.</summary>
public sealed record OrderingVerdict(OrderingOutcome Outcome, int WorseOnModes, int WorseSeeds, int BetterOnModes,
                                     int BetterSeeds, double WorseModes, double BetterModes, double WorseKl,
                                     double BetterKl)
{
    public bool Holds => Outcome == OrderingOutcome.Holds;

    /// <summary>For a claim's measured field: "on the modes 5/5 vs 2/5; modes 8.0 vs 2.0; reverse KL 0.05 vs 0.9".</summary>
    public string Describe(string betterName, string worseName) =>
        $"seeds on the modes (≥ {ToyClaims.OnTheModes:P0} high-quality): {betterName} {BetterOnModes}/{BetterSeeds}, " +
        $"{worseName} {WorseOnModes}/{WorseSeeds}; on those seeds modes {Num(BetterModes, "0.0")} vs " +
        $"{Num(WorseModes, "0.0")}, reverse KL {Num(BetterKl, "0.00")} vs {Num(WorseKl, "0.00")}";

    /// <summary>What a badge says when the runs have not converged (a documented non-result, not a pass).</summary>
    public string? NotConvergedReason(string betterName, string worseName) =>
        Outcome != OrderingOutcome.NotConverged ? null :
        $"the runs have not converged, so collapse cannot be compared: fewer than half of the seeds of " +
        $"{(2 * BetterOnModes < BetterSeeds || BetterOnModes < 2 ? betterName : worseName)} have " +
        $"≥ {ToyClaims.OnTheModes:P0} of their samples near a mode (a generator spread between the modes or off " +
        "them is under-trained, not collapsed)";

    static string Num(double v, string f) => double.IsNaN(v) ? "—" : v.ToString(f, System.Globalization.CultureInfo.InvariantCulture);
}
