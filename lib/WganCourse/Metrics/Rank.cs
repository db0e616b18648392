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

    /// <summary>
    /// Partial Spearman correlation of x and y given z: the Pearson partial correlation of the average ranks,
    /// (ρxy − ρxz ρyz) / √((1 − ρxz²)(1 − ρyz²)). With z the training step it removes the part of the agreement
    /// between x and y that both share with the step's rank (a common trend in time). NaN when a series is constant
    /// or when x or y is a monotone function of z (nothing is left once the step is known).
    /// </summary>
    public static double PartialSpearman(IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<double> z)
    {
        CheckPair(x, y);
        CheckPair(x, z);
        if (x.Count < 3) throw new ArgumentException($"a partial correlation needs at least 3 triples, got {x.Count}");
        double rxy = Spearman(x, y), rxz = Spearman(x, z), ryz = Spearman(y, z);
        double denominator = Math.Sqrt((1 - rxz * rxz) * (1 - ryz * ryz));
        if (double.IsNaN(rxy) || !(denominator > 0)) return double.NaN;
        return Math.Clamp((rxy - rxz * ryz) / denominator, -1, 1);
    }

    /// <summary>
    /// Within-group (stratified) Spearman correlation: x and y are ranked separately inside each group (e.g. all
    /// seeds at one training step), each rank is centred on its group's mean rank, and the Pearson correlation of
    /// the pooled centred ranks is returned. Only differences <i>inside</i> a group count, so anything that is a
    /// function of the group — however nonlinear, e.g. a common fall with the training step — cancels exactly.
    /// +1: in every group x orders the members exactly as y does. Groups of one member carry no information and
    /// are ignored. NaN when no group varies in both x and y.
    /// </summary>
    public static double WithinGroupSpearman(IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<int> groups)
    {
        CheckPair(x, y);
        if (groups.Count != x.Count)
            throw new ArgumentException($"one group label per pair is needed, got {groups.Count} labels for {x.Count} pairs");
        var cx = new List<double>();
        var cy = new List<double>();
        foreach (var members in Enumerable.Range(0, x.Count).GroupBy(i => groups[i]))
        {
            var idx = members.ToArray();
            if (idx.Length < 2) continue;
            var rx = AverageRanks(idx.Select(i => x[i]).ToArray());
            var ry = AverageRanks(idx.Select(i => y[i]).ToArray());
            double mean = (idx.Length + 1) / 2.0; // the mean rank of any group of this size, ties included
            cx.AddRange(rx.Select(r => r - mean));
            cy.AddRange(ry.Select(r => r - mean));
        }
        if (cx.Count < 2) return double.NaN;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < cx.Count; i++) { sxy += cx[i] * cy[i]; sxx += cx[i] * cx[i]; syy += cy[i] * cy[i]; }
        if (sxx == 0 || syy == 0) return double.NaN;
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }

    /// <summary>
    /// Spearman's ρ inside each group (e.g. across seeds at one step), for the groups where it is defined: the
    /// per-step values behind <see cref="WithinGroupSpearman"/>, for a mean ± spread.
    /// </summary>
    public static IReadOnlyList<double> SpearmanPerGroup(IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<int> groups)
    {
        CheckPair(x, y);
        if (groups.Count != x.Count)
            throw new ArgumentException($"one group label per pair is needed, got {groups.Count} labels for {x.Count} pairs");
        return Enumerable.Range(0, x.Count).GroupBy(i => groups[i]).Where(g => g.Count() >= 2)
            .Select(g => Spearman(g.Select(i => x[i]).ToArray(), g.Select(i => y[i]).ToArray()))
            .Where(r => !double.IsNaN(r)).ToList();
    }

    /// <summary>
    /// Does a loss track quality once training time is removed? Runs (seeds) with a loss and a quality value at the
    /// same checkpoint steps; returns the within-step Spearman correlation (the de-confounded statistic), the raw
    /// Spearman correlation of each run over its checkpoints (the confounded one, mean ± sample standard deviation),
    /// the per-step correlations across runs (mean ± standard deviation) and the partial Spearman correlation given
    /// the step over all pooled checkpoints.
    /// </summary>
    public static TrackingStats Tracking(IReadOnlyList<IReadOnlyList<double>> loss, IReadOnlyList<IReadOnlyList<double>> quality,
        IReadOnlyList<int> steps)
    {
        if (loss.Count != quality.Count || loss.Count < 2)
            throw new ArgumentException($"need the same number (≥ 2) of runs for loss and quality, got {loss.Count} and {quality.Count}");
        for (int k = 0; k < loss.Count; k++)
            if (loss[k].Count != steps.Count || quality[k].Count != steps.Count)
                throw new ArgumentException($"run {k}: expected {steps.Count} checkpoints for loss and quality, got {loss[k].Count} and {quality[k].Count}");
        var x = loss.SelectMany(r => r).ToList();
        var y = quality.SelectMany(r => r).ToList();
        var group = loss.SelectMany(_ => steps).ToList();
        var raw = loss.Select((r, k) => Spearman(r, quality[k])).Where(v => !double.IsNaN(v)).ToList();
        var perStep = SpearmanPerGroup(x, y, group);
        return new TrackingStats(WithinGroupSpearman(x, y, group), Mean(raw), Sd(raw), Mean(perStep), Sd(perStep), perStep.Count,
            PartialSpearman(x, y, group.Select(s => (double)s).ToList()), Spearman(x, y), loss.Count, steps.Count);
    }

    static double Mean(IReadOnlyList<double> v) => v.Count == 0 ? double.NaN : v.Average();
    static double Sd(IReadOnlyList<double> v)
    {
        if (v.Count < 2) return double.NaN;
        double m = v.Average();
        return Math.Sqrt(v.Sum(a => (a - m) * (a - m)) / (v.Count - 1));
    }

    static void CheckPair(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"the two series must have the same length, got {x.Count} and {y.Count}");
        if (x.Count < 2) throw new ArgumentException($"a correlation needs at least 2 pairs, got {x.Count}");
    }
}

/// <summary>What <see cref="Rank.Tracking"/> measured.</summary>
/// <param name="WithinStep">Within-step Spearman: seeds ranked against each other at each step, pooled (time removed).</param>
/// <param name="RawMean">Raw Spearman over one run's checkpoints, mean over runs (confounded with time).</param>
/// <param name="RawSd">Its standard deviation over runs.</param>
/// <param name="PerStepMean">Spearman across runs at one step, mean over steps.</param>
/// <param name="PerStepSd">Its standard deviation over steps.</param>
/// <param name="PerStepCount">Steps where it is defined.</param>
/// <param name="PartialGivenStep">Partial Spearman given the step, all checkpoints pooled.</param>
/// <param name="Pooled">Raw Spearman over all checkpoints of all runs pooled.</param>
/// <param name="Runs">Runs (seeds).</param>
/// <param name="Checkpoints">Checkpoints per run.</param>
public sealed record TrackingStats(double WithinStep, double RawMean, double RawSd, double PerStepMean, double PerStepSd, int PerStepCount,
    double PartialGivenStep, double Pooled, int Runs, int Checkpoints);
