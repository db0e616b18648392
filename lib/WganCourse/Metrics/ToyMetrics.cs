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
public sealed record ToyReport(int ModesCovered, int ModeCount, double HighQualityFraction, double ReverseKl, int[] Counts);

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
        if (samples.dim() != 2 || samples.shape[1] != target.Dim || samples.shape[0] == 0)
            throw new ArgumentException($"samples must have shape [n ≥ 1, {target.Dim}] for {target.Name}, got [{string.Join(", ", samples.shape)}]");
        int K = target.Means.Length;
        using var scope = NewDisposeScope();
        var x = samples.detach().to(CPU).to_type(float64);
        var mu = tensor(target.Means.SelectMany(m => m).ToArray(), dtype: float64).reshape(K, target.Dim);
        var radius = tensor(target.Stds, dtype: float64) * kSigma;                         // [K]
        var dist = cdist(x.unsqueeze(0), mu.unsqueeze(0)).squeeze(0);                     // [n, K]
        var near = dist <= radius.unsqueeze(0);                                             // within kσ of mode k
        // sum(dim: 0), not sum(0): a literal 0 binds to the sum(ScalarType) overload (dtype Byte) in TorchSharp
        int covered = (int)(near.to_type(int64).sum(dim: 0) >= minSamples).to_type(int64).sum().item<long>();
        var highQuality = near.any(1);
        double hq = highQuality.to_type(float64).mean().item<double>();
        var nearest = dist.argmin(1);
        var counts = bincount(nearest.masked_select(highQuality), minlength: K).data<long>().Select(c => (int)c).ToArray();
        return new ToyReport(covered, K, hq, ReverseKlOfCounts(counts, target.Weights, pseudoCount), counts);
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
