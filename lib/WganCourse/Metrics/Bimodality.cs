namespace WganCourse.Metrics;

/// <summary>
/// Sarle's bimodality coefficient b = (g² + 1) / (k + 3(n − 1)² / ((n − 2)(n − 3))), with g the sample skewness and k the
/// sample excess kurtosis (both bias-corrected, as SAS computes them). b ranges over (0, 1]; it is 1/3 for a normal
/// distribution, 5/9 for a uniform one, and approaches 1 for two spikes (a distribution piled at ±c). b &gt; 5/9 is the
/// usual sign of bimodality (Pfister et al. 2013, "Good things peak in pairs", Frontiers in Psychology 4:700).
/// Used in notebook 08 for "clipped weights pile up at ±c, penalised ones do not".
/// </summary>
public static class Bimodality
{
    /// <summary>The threshold above which a sample is read as bimodal (the coefficient of a uniform distribution).</summary>
    public const double Threshold = 5.0 / 9.0;

    public static double Coefficient(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = values.Count;
        if (n < 4) throw new ArgumentException($"the bimodality coefficient needs at least 4 values, got {n}", nameof(values));
        if (values.Any(v => !double.IsFinite(v))) throw new ArgumentException("values must be finite", nameof(values));
        double mean = values.Average();
        double m2 = 0, m3 = 0, m4 = 0;
        foreach (var v in values)
        {
            double d = v - mean, d2 = d * d;
            m2 += d2; m3 += d2 * d; m4 += d2 * d2;
        }
        m2 /= n; m3 /= n; m4 /= n;
        if (m2 == 0) throw new ArgumentException("all values are equal: the bimodality coefficient is undefined", nameof(values));
        double g1 = m3 / Math.Pow(m2, 1.5), g2 = m4 / (m2 * m2) - 3;
        double skew = g1 * Math.Sqrt((double)n * (n - 1)) / (n - 2);
        double kurt = (n - 1.0) / ((n - 2.0) * (n - 3.0)) * ((n + 1) * g2 + 6);
        return (skew * skew + 1) / (kurt + 3.0 * (n - 1) * (n - 1) / ((n - 2.0) * (n - 3.0)));
    }
}
