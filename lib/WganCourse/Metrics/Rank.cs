namespace WganCourse.Metrics;

/// <summary>
/// Correlations for the claim "the critic's W estimate tracks sample quality" (WGAN paper, Figures 3–4): across
/// checkpoints, the rank correlation between −(critic loss) and an independent quality metric.
/// </summary>
public static class Rank
{
    /// <summary>
    /// Ranks 1..n of the values, ties given the average of the ranks they span (so {10, 20, 20, 30} → {1, 2.5, 2.5, 4}).
    /// </summary>
    public static double[] AverageRanks(IReadOnlyList<double> values)
    {
        if (values.Any(double.IsNaN)) throw new ArgumentException("values contain NaN, which has no rank", nameof(values));
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            double rank = (start + end) / 2.0 + 1; // mean of ranks start+1 .. end+1
            for (int k = start; k <= end; k++) ranks[order[k]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    /// <summary>
    /// Spearman's ρ: the Pearson correlation of the average ranks (exact with ties, unlike 1 − 6Σd²/(n(n²−1))).
    /// Returns NaN when either series is constant (no ranking to correlate).
    /// </summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        CheckPair(x, y);
        return Pearson(AverageRanks(x), AverageRanks(y));
    }

    /// <summary>Pearson's r = cov(x, y) / (σx σy). Returns NaN when either series is constant.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        CheckPair(x, y);
        if (x.Any(v => !double.IsFinite(v)) || y.Any(v => !double.IsFinite(v)))
            throw new ArgumentException("values must be finite");
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) return double.NaN;
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }

    static void CheckPair(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"the two series must have the same length, got {x.Count} and {y.Count}");
        if (x.Count < 2) throw new ArgumentException($"a correlation needs at least 2 pairs, got {x.Count}");
    }
}
