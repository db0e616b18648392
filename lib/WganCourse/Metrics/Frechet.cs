using TorchSharp;
using static TorchSharp.torch;

namespace WganCourse.Metrics;

/// <summary>
/// The Fréchet (2-Wasserstein) distance between two Gaussians, as used by FID (Heusel et al. 2017):
/// d² = ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^{1/2}).
/// <para>
/// Σ1 Σ2 is not symmetric, so its square root is not taken directly. Σ1 Σ2 is similar to the symmetric PSD matrix
/// M = Σ1^{1/2} Σ2 Σ1^{1/2} (Σ1 Σ2 = Σ1^{1/2} M Σ1^{−1/2} when Σ1 is invertible, and by continuity otherwise),
/// so Tr (Σ1 Σ2)^{1/2} = Tr M^{1/2} = Σ √λᵢ(M). Both square roots come from symmetric eigendecompositions in
/// float64, with eigenvalues that round-off pushes below zero clamped to 0.
/// </para>
/// The value returned is d² (what FID reports), not d.
/// </summary>
public static class Frechet
{
    /// <summary>Mean [d] and unbiased covariance [d, d] (divisor n − 1, as numpy.cov and FID) of features [n, d], in float64 on the CPU.</summary>
    public static (Tensor Mean, Tensor Covariance) Fit(Tensor features)
    {
        if (features.dim() != 2)
            throw new ArgumentException($"expected features of shape [n, d], got [{string.Join(", ", features.shape)}].");
        if (features.shape[0] < 2)
            throw new ArgumentException($"a covariance needs at least 2 samples, got {features.shape[0]}.");
        using var scope = NewDisposeScope();
        var f = features.detach().to(CPU).to_type(ScalarType.Float64);
        var mean = f.mean(new long[] { 0 });
        var centered = f - mean;
        var cov = centered.t().matmul(centered) / (f.shape[0] - 1);
        return (mean.MoveToOuterDisposeScope(), cov.MoveToOuterDisposeScope());
    }

    /// <summary>d² between the Gaussian fits of two feature sets [n1, d] and [n2, d].
    /// With n ≤ d a covariance is singular; the distance is still defined but biased, so use n well above d.</summary>
    public static double Distance(Tensor features1, Tensor features2)
    {
        if (features1.dim() != 2 || features2.dim() != 2 || features1.shape[1] != features2.shape[1])
            throw new ArgumentException($"expected two feature sets [n1, d] and [n2, d] with the same d, got [{string.Join(", ", features1.shape)}] and [{string.Join(", ", features2.shape)}].");
        var (m1, s1) = Fit(features1);
        var (m2, s2) = Fit(features2);
        using (m1) using (s1) using (m2) using (s2)
            return Distance(m1, s1, m2, s2);
    }

    /// <summary>d² between N(μ1, Σ1) and N(μ2, Σ2): means [d], covariances [d, d] symmetric positive semi-definite.</summary>
    public static double Distance(Tensor mu1, Tensor sigma1, Tensor mu2, Tensor sigma2)
    {
        long d = mu1.shape[0];
        if (mu1.dim() != 1 || mu2.dim() != 1 || mu2.shape[0] != d)
            throw new ArgumentException($"expected means of shape [d] and [d], got [{string.Join(", ", mu1.shape)}] and [{string.Join(", ", mu2.shape)}].");
        foreach (var (s, name) in new[] { (sigma1, "Σ1"), (sigma2, "Σ2") })
            if (s.dim() != 2 || s.shape[0] != d || s.shape[1] != d)
                throw new ArgumentException($"expected {name} of shape [{d}, {d}], got [{string.Join(", ", s.shape)}].");
        using var scope = NewDisposeScope();
        Tensor F(Tensor t) => t.detach().to(CPU).to_type(ScalarType.Float64);
        var (m1, m2, s1, s2) = (F(mu1), F(mu2), F(sigma1), F(sigma2));
        foreach (var (s, name) in new[] { (s1, "Σ1"), (s2, "Σ2") })
        {
            var asym = (s - s.t()).abs().max().item<double>();
            var scale = Math.Max(s.abs().max().item<double>(), 1e-300);
            if (asym > 1e-6 * scale)
                throw new ArgumentException($"{name} must be symmetric (a covariance), but it differs from its transpose by up to {asym:G3}.");
        }
        var meanTerm = (m1 - m2).square().sum().item<double>();
        var root1 = SqrtPsd(s1);
        var m = root1.matmul(s2).matmul(root1);
        var (lambda, _) = linalg.eigh((m + m.t()) / 2); // symmetrise away round-off before the symmetric solver
        var traceRoot = lambda.clamp_min(0).sqrt().sum().item<double>();
        return meanTerm + s1.trace().item<double>() + s2.trace().item<double>() - 2 * traceRoot;
    }

    /// <summary>The PSD square root of a symmetric PSD matrix (float64): V diag(√max(λ, 0)) Vᵀ.</summary>
    public static Tensor SqrtPsd(Tensor symmetric)
    {
        using var scope = NewDisposeScope();
        var s = symmetric.to_type(ScalarType.Float64);
        var (lambda, v) = linalg.eigh((s + s.t()) / 2);
        return v.matmul(diag(lambda.clamp_min(0).sqrt())).matmul(v.t()).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// FD-digits: the FID recipe with our classifier instead of Inception. Images of both sets go through the course's
/// <see cref="DigitClassifier"/>; the Fréchet distance (<see cref="Frechet"/>) between Gaussian fits of their
/// <see cref="DigitClassifier.FeatureDim"/>-d penultimate-layer features is the score. Lower is closer to the real
/// digits; 0 only for identical feature statistics. Like FID it is biased upwards at small sample counts, so compare
/// values only at the same n (the notebooks use <c>Budgets.FdSamples</c> per set).
/// </summary>
public static class FdDigits
{
    /// <summary>FD-digits between two image sets, each N×1×28×28 in [−1, 1].</summary>
    public static double Compute(DigitClassifier classifier, Tensor images1, Tensor images2)
    {
        using var f1 = classifier.Features(images1);
        using var f2 = classifier.Features(images2);
        return Frechet.Distance(f1, f2);
    }
}

/// <summary>
/// Notebook 05's comparison: FD-digits of an MLP GAN and of a DCGAN trained at the same budget, one pair per seed.
/// The claim (stated before measuring, from the first measurement's ratio of 2.6 and the cross-machine spread of
/// FD-digits, 134 vs 140 for one seed): on every seed the MLP GAN's FD-digits is at least
/// <see cref="RatioThreshold"/> times the DCGAN's, over at least <see cref="MinSeeds"/> seeds.
/// </summary>
public sealed record FdComparison(IReadOnlyList<int> Seeds, IReadOnlyList<double> Mlp, IReadOnlyList<double> Dcgan)
{
    public const double RatioThreshold = 1.5;
    public const int MinSeeds = 2;

    /// <summary>FD-digits(MLP GAN) / FD-digits(DCGAN), per seed.</summary>
    public IReadOnlyList<double> Ratios => Mlp.Zip(Dcgan, (m, d) => m / d).ToList();
    public double MeanRatio => Ratios.Average();
    /// <summary>Sample standard deviation of the ratios (0 for one seed).</summary>
    public double RatioSpread => Ratios.Count < 2 ? 0 : Math.Sqrt(Ratios.Sum(r => (r - MeanRatio) * (r - MeanRatio)) / (Ratios.Count - 1));

    /// <summary>Every seed's ratio ≥ <see cref="RatioThreshold"/>, with at least <see cref="MinSeeds"/> seeds (a NaN fails).</summary>
    public bool Holds => Seeds.Count >= MinSeeds && Mlp.Count == Seeds.Count && Dcgan.Count == Seeds.Count
                         && Ratios.All(r => r >= RatioThreshold);

    /// <summary>One line for a claim's "measured" field.</summary>
    public string Summary => $"ratio {MeanRatio:0.00} ± {RatioSpread:0.00} over {Seeds.Count} seeds (lowest {Ratios.Min():0.00})";

    /// <summary>Per seed: "seed s: MLP m / DCGAN d = r".</summary>
    public string PerSeed => string.Join("; ", Seeds.Select((s, i) => $"seed {s}: {Mlp[i]:0.0} / {Dcgan[i]:0.0} = {Ratios[i]:0.00}"));
}
