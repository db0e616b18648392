using System.Globalization;
using WganCourse.Claims;
using WganCourse.Metrics;

namespace WganCourse.Training;

/// <summary> The claims on the matched ring run: notebook 03's (loss A against loss B, same
/// networks, batch, steps and seeds) and notebook 08's (the Wasserstein rows against loss B). The thresholds are derived from rates measured in seed blocks 0 and 1
/// before the claims were written (docs/MATCHED-RING.md), never from the run they judge; the
/// arithmetic is in notebook 03 §3 and the instructor guide. </summary>
public static class MatchedRingClaims
{
    /// <summary>Loss B's per-seed collapse rate assumed by <see cref="ModeCollapse"/>: blocks 0 and
    /// 1 collapsed 3 + 5 = 8 of 20 seeds at 6000 steps. Below 0.37, P(0 of 10) exceeds 1 % and 10
    /// seeds allow no threshold at all.</summary>
    public const double LossBCollapseRate = 0.4;

    /// <summary>Seeds on the data each loss needs before <see cref="ModeImbalance"/> judges (a mean
    /// and its standard error need three).</summary>
    public const int MinOnData = 3;

    /// <summary>Standard errors of the difference <see cref="ModeImbalance"/> requires: 1, not the
    /// course's usual 3. Resampling seeds from blocks 0 and 1 (20 per loss, 10 per run), the rule
    /// "Δ ≥ c SE" fails 23 % of correct runs at c = 3 (block 0 itself: 2.8 SE; loss B has 4–6
    /// seeds on the data, one of them sometimes converged) and 0.5 % at c = 1.</summary>
    public const double ImbalanceSe = 1;

    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    static void Matched(MatchedRingRow a, MatchedRingRow b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Step != b.Step || a.Outcomes.Count != b.Outcomes.Count)
            throw new ArgumentException("compare rows read at the same step over the same seeds");
    }

    /// <summary> `03.mode-collapse`: loss B collapses (on the data, ≤ 4 modes) on at least k of n
    /// seeds, k the binomial threshold at <paramref name="assumedRate"/> (a correct course fails
    /// at most 1 run in 100), and loss A collapses on fewer seeds than loss B. Margin: the smaller
    /// of the two slacks in units of √(n p (1 − p)). </summary>
    public static ClaimResult ModeCollapse(MatchedRingRow lossA, MatchedRingRow lossB,
                                           double assumedRate = LossBCollapseRate)
    {
        var (n, cb, ca) = (lossB.Outcomes.Count, lossB.Collapsed, lossA.Collapsed);
        var (t, holds, margin) = FewerThanB(lossB, new[] { lossA }, assumedRate);
        return Claim.That("03.mode-collapse",
            "same networks, batch, steps and seeds: loss B collapses (on the data, ≤ 4 of 8 modes " +
            "with ≥ 1 %) on at least k seeds, and loss A on fewer seeds than loss B",
            "Arjovsky & Bottou 2017, Theorem 2.5 and §2.2.2",
            expected: string.Create(Inv, $"B ≥ {t.K} of {n} (assumes p ≥ {assumedRate:0.##} " +
                $"per seed: P(< {t.K} of {n}) = {t.FalseFailure:0.0%}); A < B"),
            measured: $"B {cb} of {n}, A {ca} of {n}", holds: holds, margin: margin,
            note: $"outcomes (conv / part / coll / not): A {Counts(lossA)}, B {Counts(lossB)}; " +
                  $"modes ≥ 1 % per seed: A {lossA.Summary.ModesPerSeed}, " +
                  $"B {lossB.Summary.ModesPerSeed}");
    }

    /// <summary> `03.mode-imbalance`: over the seeds on the data (≥ half the samples within 3σ of a
    /// mode), loss B's mean reverse KL of the mode histogram exceeds loss A's by at least <see
    /// cref="ImbalanceSe"/> standard errors of the difference, SE = √(s_A²/n_A + s_B²/n_B). With fewer than <see
    /// cref="MinOnData"/> seeds on the data for either loss the runs have not converged: the badge
    /// says so and does not pass. Margin (Δ − c SE) / SE. </summary>
    public static ClaimResult ModeImbalance(MatchedRingRow lossA, MatchedRingRow lossB)
    {
        Matched(lossA, lossB);
        var a = OnData(lossA);
        var b = OnData(lossB);
        const string id = "03.mode-imbalance";
        const string statement = "over the seeds on the data, loss B's mode histogram is further " +
            "from uniform than loss A's: mean reverse KL B − A ≥ 1 SE of the difference";
        const string source = "Arjovsky & Bottou 2017, Theorem 2.5 (KL(P_g‖P_r) − 2 JS vs 2 JS)";
        string seen = string.Create(Inv, $"seeds on the data: A {a.Count} of " +
            $"{lossA.Outcomes.Count}, B {b.Count} of {lossB.Outcomes.Count}");
        if (a.Count < MinOnData || b.Count < MinOnData)
            return Claim.That(id, statement, source,
                expected: $"≥ {MinOnData} seeds of each loss on the data, then Δ ≥ {ImbalanceSe:0} SE",
                measured: seen, holds: false, margin: double.NegativeInfinity,
                knownFailure: "the runs have not converged, so the histograms cannot be " +
                    $"compared: {seen} (at least {MinOnData} each are needed; a seed with " +
                    "under half its samples near a mode is under-trained, not collapsed)");
        var (ma, sa) = Claim.MeanAndError(a);
        var (mb, sb) = Claim.MeanAndError(b);
        double diff = mb - ma, se = Math.Sqrt(sa * sa + sb * sb);
        return Claim.AtLeast(id, statement, source, threshold: ImbalanceSe * se, measured: diff,
            spread: se, note: string.Create(Inv, $"{seen}; mean reverse KL B {mb:0.00} ± " +
                $"{sb:0.00}, A {ma:0.00} ± {sa:0.00} (± SE); Δ = {diff:0.00}, SE {se:0.00}; " +
                $"threshold {ImbalanceSe:0} SE"));
    }

    /// <summary> `03.metric-blind-spot`: in at least one final run of either loss, the standard
    /// count (any sample within 3σ) credits a mode holding fewer than 1 % of the samples.
    /// </summary>
    public static ClaimResult MetricBlindSpot(IReadOnlyList<MatchedRingRow> finals)
    {
        ArgumentNullException.ThrowIfNull(finals);
        var runs = finals.SelectMany(r => r.Summary.Reports.Select((rep, k) => (r, rep, k)))
            .Select(x => (x.r.Name, x.k, Any: x.rep.ModesWithAtLeast(1),
                          Strict: x.rep.ModesWithAtLeast(x.r.Summary.MinSamples))).ToList();
        var blind = runs.Where(x => x.Any > x.Strict).ToList();
        return Claim.That("03.metric-blind-spot",
            "the standard count (any sample within 3σ) credits modes that hold less than 1 % of " +
            "the samples, in at least one of the runs",
            "standard toy metric (VEEGAN, PacGAN) vs a 1 % threshold",
            expected: "standard count > count with ≥ 1 % in some run",
            measured: $"{blind.Count} of {runs.Count} runs" + (blind.Count == 0 ? "" :
                $", e.g. {blind[0].Name} seed {blind[0].k + 1}: {blind[0].Any} vs {blind[0].Strict}"),
            holds: blind.Count > 0,
            note: "This depends on stray samples and so on the run: it is a property of the " +
                  "metric, shown on these runs, not a theorem.");
    }

    /// <summary>Per-seed convergence rate of WGAN-GP (toy settings) and WGAN-SN assumed by <see
    /// cref="WassersteinConverges"/>: the one-sided 95 % lower bound of the rate the derivation
    /// blocks showed (blocks 0 and 1 at the cpu budget: see the instructor guide, §08).</summary>
    public const double WassersteinConvergeRate = 0.86;

    /// <summary> `08.ring-wgan-converges`: each Wasserstein row of the matched run converges (on
    /// the data, all 8 modes with ≥ 1 %) on at least k of n seeds, k the binomial threshold at
    /// <paramref name="assumedRate"/> with the course's false-failure rate shared between the
    /// rows (Bonferroni: a correct course fails at most 1 run in 100 in all). Margin: the smallest
    /// slack in units of √(n p (1 − p)). </summary>
    public static ClaimResult WassersteinConverges(IReadOnlyList<MatchedRingRow> rows,
        double assumedRate = WassersteinConvergeRate)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new ArgumentException("no row to judge", nameof(rows));
        foreach (var r in rows.Skip(1)) Matched(rows[0], r);
        int n = rows[0].Outcomes.Count;
        var t = Binomial.Threshold(n, assumedRate, Claim.FalseFailureRate / rows.Count);
        double sd = Math.Sqrt(n * assumedRate * (1 - assumedRate));
        bool holds = t.K >= 1 && rows.All(r => r.Converged >= t.K);
        double margin = rows.Min(r => r.Converged - t.K) / sd;
        return Claim.That("08.ring-wgan-converges",
            "same networks, batch, steps and seeds as the GANs: each Wasserstein objective " +
            "(WGAN-GP with gan_toy.py's settings, WGAN-SN) converges — on the data, all 8 modes " +
            "with ≥ 1 % — on at least k seeds",
            "Gulrajani et al. 2017, Figure 2 and gan_toy.py; Miyato et al. 2018",
            expected: string.Create(Inv, $"each ≥ {t.K} of {n} (assumes p ≥ {assumedRate:0.##} " +
                $"per seed: P(any < {t.K}) ≤ {rows.Count * t.FalseFailure:0.0%})"),
            measured: string.Join(", ", rows.Select(r => $"{r.Name} {r.Converged} of {n}")),
            holds: holds, margin: t.K == n && holds ? null : margin,
            note: string.Join("; ", rows.Select(r => $"{r.Name}: outcomes (conv / part / coll / " +
                $"not) {Counts(r)}, modes ≥ 1 % per seed {r.Summary.ModesPerSeed}")));
    }

    /// <summary> `08.ring-collapse-order`: loss B collapses on at least k of n seeds (the rule of
    /// `03.mode-collapse`, at <paramref name="assumedRate"/>) and each Wasserstein row collapses
    /// on fewer seeds than loss B. Margin: the smallest slack in units of √(n p (1 − p)).
    /// </summary>
    public static ClaimResult CollapseOrder(MatchedRingRow lossB,
        IReadOnlyList<MatchedRingRow> wassersteins, double assumedRate = LossBCollapseRate)
    {
        var (n, cb) = (lossB.Outcomes.Count, lossB.Collapsed);
        var (t, holds, margin) = FewerThanB(lossB, wassersteins, assumedRate);
        return Claim.That("08.ring-collapse-order",
            "same networks, batch, steps and seeds: loss B collapses (on the data, ≤ 4 of 8 " +
            "modes with ≥ 1 %) on at least k seeds, and each Wasserstein objective on fewer",
            "Arjovsky & Bottou 2017, §2.2.2; Arjovsky et al. 2017, §4.3 (no mode collapse seen)",
            expected: string.Create(Inv, $"B ≥ {t.K} of {n} (assumes p ≥ {assumedRate:0.##} per " +
                $"seed: P(< {t.K} of {n}) = {t.FalseFailure:0.0%}); each Wasserstein row < B"),
            measured: $"B {cb} of {n}; " + string.Join(", ",
                wassersteins.Select(w => $"{w.Name} {w.Collapsed} of {n}")),
            holds: holds, margin: margin,
            note: $"outcomes (conv / part / coll / not): B {Counts(lossB)}; " +
                  string.Join("; ", wassersteins.Select(w => $"{w.Name} {Counts(w)}")));
    }

    /// <summary>The rule of `03.mode-collapse` and `08.ring-collapse-order`: loss B collapses on at
    /// least k of n seeds (binomial threshold at <paramref name="assumedRate"/>; k = 0 judges
    /// nothing and fails) and every other row on fewer seeds than B. Margin: the smallest slack in
    /// units of √(n p (1 − p)).</summary>
    static ((int K, double FalseFailure) T, bool Holds, double Margin) FewerThanB(
        MatchedRingRow lossB, IReadOnlyList<MatchedRingRow> others, double assumedRate)
    {
        ArgumentNullException.ThrowIfNull(others);
        if (others.Count == 0) throw new ArgumentException("no row to compare", nameof(others));
        foreach (var o in others) Matched(o, lossB);
        int n = lossB.Outcomes.Count, cb = lossB.Collapsed;
        var t = Binomial.Threshold(n, assumedRate, Claim.FalseFailureRate);
        double sd = Math.Sqrt(n * assumedRate * (1 - assumedRate));
        bool holds = t.K >= 1 && cb >= t.K && others.All(o => o.Collapsed < cb);
        return (t, holds, Math.Min(cb - t.K, others.Min(o => cb - o.Collapsed - 1)) / sd);
    }

    static List<double> OnData(MatchedRingRow row) => row.Summary.Reports
        .Where(r => r.HighQualityFraction >= MatchedRing.NearShare).Select(r => r.ReverseKl)
        .ToList();

    static string Counts(MatchedRingRow r) =>
        $"{r.Converged} / {r.Partial} / {r.Collapsed} / {r.NotConverged}";
}
