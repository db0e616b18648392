using TorchSharp;
using WganCourse.Claims;
using WganCourse.Data;
using WganCourse.Metrics;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

/// <summary>Notebook 03's matched-ring claims, each fed rows that must make it fail (and one that
/// must make it pass, so a failure is not vacuous).</summary>
public class MatchedRingClaimsTests
{
    public MatchedRingClaimsTests()
    {
        Course.Setup();
        torch.set_num_threads(1);
    }

    static readonly GaussianMixture Ring = Toy.Ring8();
    const int N = 2500, Seeds10 = 10;

    /// <summary>n samples split evenly over the given modes, σ as the data's.</summary>
    internal static Tensor OnModes(int n, int seed, params int[] modes)
    {
        using var gen = Seeds.Generator(seed);
        var parts = modes.Select((m, i) =>
        {
            int count = n / modes.Length + (i < n % modes.Length ? 1 : 0);
            var mu = tensor(Ring.Means[m].Select(v => (float)v).ToArray());
            return randn(new long[] { count, 2 }, generator: gen) * (float)Ring.Stds[0] + mu;
        }).ToArray();
        return cat(parts);
    }

    static Tensor Data(int seed)
    {
        using var gen = Seeds.Generator(100 + seed);
        return Ring.Sample(N, gen);
    }

    /// <summary>Off the data: a blob at the centre, no sample near a mode.</summary>
    static Tensor Blob(int seed)
    {
        using var gen = Seeds.Generator(200 + seed);
        return randn(new long[] { N, 2 }, generator: gen) * 0.1f;
    }

    /// <summary>Collapsed onto 2 or 3 modes (seed-dependent, so the reverse KL varies).</summary>
    static Tensor Collapsed(int k) => k % 2 == 0 ? OnModes(N, k, k % 8, (k + 4) % 8)
        : OnModes(N, k, k % 8, (k + 3) % 8, (k + 5) % 8);

    static MatchedRingRow Row(RingObjective o, Func<int, Tensor> samples, int seeds = Seeds10)
    {
        var reports = Enumerable.Range(0, seeds).Select(k => ToyMetrics.Evaluate(samples(k), Ring))
            .ToList();
        var summary = ToyMetrics.Summarise(reports);
        return new MatchedRingRow(o, MatchedRing.Label(o), 6000, summary,
            reports.Select(r => MatchedRing.Classify(r, summary.MinSamples)).ToList(),
            TimeSpan.Zero, 6000);
    }

    // loss A on the data everywhere; loss B collapsed on 4 seeds, off the data on the rest
    static MatchedRingRow GoodA() => Row(RingObjective.LossA, Data);
    static MatchedRingRow TypicalB() => Row(RingObjective.LossB, k => k < 4 ? Collapsed(k) : Blob(k));

    [Fact]
    public void The_collapse_threshold_is_one_of_ten_at_the_assumed_rate()
    {
        var t = Binomial.Threshold(10, MatchedRingClaims.LossBCollapseRate, Claim.FalseFailureRate);
        Assert.Equal(1, t.K);
        Assert.Equal(Math.Pow(0.6, 10), t.FalseFailure, 12);
        // below 0.37 ten seeds allow no threshold: the rate cannot be made more cautious
        Assert.Equal(0, Binomial.Threshold(10, 0.36, Claim.FalseFailureRate).K);
    }

    [Fact]
    public void Collapse_passes_when_B_collapses_and_A_does_not()
    {
        var c = MatchedRingClaims.ModeCollapse(GoodA(), TypicalB());
        Assert.True(c.Passed, c.ToString());
        Assert.True(c.Margin > 0);
    }

    [Fact]
    public void Collapse_fails_when_A_collapses_as_much_as_B()
    {
        var a = Row(RingObjective.LossA, k => k < 4 ? Collapsed(k) : Data(k));
        var c = MatchedRingClaims.ModeCollapse(a, TypicalB());
        Assert.False(c.Passed, c.ToString());
        Assert.Null(c.KnownFailure);
        Assert.True(c.Margin < 0);
    }

    [Fact]
    public void Collapse_fails_when_B_collapses_no_seed_even_if_A_collapses_none()
    {
        var b = Row(RingObjective.LossB, Blob); // off the data: not converged, not collapsed
        Assert.False(MatchedRingClaims.ModeCollapse(GoodA(), b).Passed);
        var c = MatchedRingClaims.ModeCollapse(GoodA(), Row(RingObjective.LossB, Data));
        Assert.False(c.Passed, c.ToString());
    }

    [Fact]
    public void Collapse_with_too_few_seeds_for_a_threshold_fails_rather_than_passing_empty()
    {
        var a = Row(RingObjective.LossA, Data, seeds: 4);
        var b = Row(RingObjective.LossB, Collapsed, seeds: 4); // all 4 collapsed, but k = 0
        Assert.False(MatchedRingClaims.ModeCollapse(a, b).Passed);
    }

    [Fact]
    public void Imbalance_passes_when_Bs_seeds_on_the_data_are_far_from_uniform()
    {
        var c = MatchedRingClaims.ModeImbalance(GoodA(), TypicalB());
        Assert.True(c.Passed, c.ToString());
        Assert.True(c.Margin > 0);
    }

    [Fact]
    public void Imbalance_fails_when_the_histograms_are_alike()
    {
        var c = MatchedRingClaims.ModeImbalance(GoodA(), Row(RingObjective.LossB, k => Data(k + 50)));
        Assert.False(c.Passed, c.ToString());
        Assert.Null(c.KnownFailure);
        // and the wrong way round
        Assert.False(MatchedRingClaims.ModeImbalance(TypicalB() with
            { Objective = RingObjective.LossA }, GoodA() with { Objective = RingObjective.LossB })
            .Passed);
    }

    [Fact]
    public void Imbalance_is_not_converged_not_pass_when_no_seed_reached_the_data()
    {
        var b = Row(RingObjective.LossB, Blob);
        var c = MatchedRingClaims.ModeImbalance(GoodA(), b);
        Assert.False(c.Passed);
        Assert.NotNull(c.KnownFailure);
        Assert.Contains("not converged", c.KnownFailure);
        // two seeds on the data are not enough either, however unbalanced
        var two = Row(RingObjective.LossB, k => k < 2 ? Collapsed(k) : Blob(k));
        Assert.False(MatchedRingClaims.ModeImbalance(GoodA(), two).Passed);
        Assert.False(MatchedRingClaims.ModeImbalance(Row(RingObjective.LossA, Blob), TypicalB())
            .Passed);
    }

    // notebook 08: the Wasserstein rows against loss B
    static MatchedRingRow Gp(Func<int, Tensor> samples) => Row(RingObjective.WganGpToy, samples);
    static MatchedRingRow Sn(Func<int, Tensor> samples) => Row(RingObjective.WganSn, samples);

    [Fact]
    public void Wasserstein_converges_passes_on_the_data_and_fails_untrained_or_collapsed()
    {
        var good = MatchedRingClaims.WassersteinConverges(new[] { Gp(Data), Sn(k => Data(k + 20)) });
        Assert.True(good.Passed, good.ToString());
        // an untrained generator (a blob off the data) in either row
        Assert.False(MatchedRingClaims.WassersteinConverges(new[] { Gp(Data), Sn(Blob) }).Passed);
        // a collapsed one
        var collapsed = MatchedRingClaims.WassersteinConverges(new[] { Gp(Collapsed), Sn(Data) });
        Assert.False(collapsed.Passed, collapsed.ToString());
        Assert.True(collapsed.Margin < 0);
        // too few converged seeds: 3 of 10 is under any threshold at the assumed rate
        Assert.False(MatchedRingClaims.WassersteinConverges(new[] {
            Gp(k => k < 3 ? Data(k) : Blob(k)) }).Passed);
    }

    [Fact]
    public void Wasserstein_converges_shares_the_false_failure_rate_between_its_rows()
    {
        var one = Binomial.Threshold(10, MatchedRingClaims.WassersteinConvergeRate,
            Claim.FalseFailureRate);
        var two = Binomial.Threshold(10, MatchedRingClaims.WassersteinConvergeRate,
            Claim.FalseFailureRate / 2);
        Assert.True(two.K <= one.K);
        Assert.True(2 * two.FalseFailure <= Claim.FalseFailureRate);
        Assert.True(two.K >= 1);
        var c = MatchedRingClaims.WassersteinConverges(new[] { Gp(Data), Sn(Data) });
        Assert.Contains($"each ≥ {two.K} of 10", c.Expected);
    }

    [Fact]
    public void Collapse_order_passes_when_only_B_collapses_and_fails_when_a_wgan_collapses_as_much()
    {
        var c = MatchedRingClaims.CollapseOrder(TypicalB(), new[] { Gp(Data), Sn(Data) });
        Assert.True(c.Passed, c.ToString());
        var gpCollapsed = Gp(k => k < 4 ? Collapsed(k) : Data(k));
        var bad = MatchedRingClaims.CollapseOrder(TypicalB(), new[] { gpCollapsed, Sn(Data) });
        Assert.False(bad.Passed, bad.ToString());
        Assert.True(bad.Margin < 0);
        // B collapsing nowhere judges nothing, however clean the WGANs
        Assert.False(MatchedRingClaims.CollapseOrder(Row(RingObjective.LossB, Blob),
            new[] { Gp(Data) }).Passed);
    }

    [Fact]
    public void Rows_of_other_steps_or_seeds_are_refused()
    {
        var b = TypicalB();
        Assert.Throws<ArgumentException>(() => MatchedRingClaims.CollapseOrder(b,
            new[] { Gp(Data) with { Step = 10 } }));
        Assert.Throws<ArgumentException>(() => MatchedRingClaims.WassersteinConverges(
            new[] { Gp(Data), Row(RingObjective.WganSn, Data, seeds: 4) }));
    }

    [Fact]
    public void Blind_spot_needs_a_mode_credited_by_stray_samples()
    {
        // exact collapse onto modes, no strays: the two counts agree and the claim fails
        var clean = Row(RingObjective.LossB, k => OnModes(N, k, 0, 4));
        Assert.False(MatchedRingClaims.MetricBlindSpot(new[] { clean }).Passed);
        // 5 stray samples on a third mode: credited by the standard count, not by the 1 % count
        var stray = Row(RingObjective.LossB, k => cat(new[] { OnModes(N - 5, k, 0, 4),
            OnModes(5, k + 1, 2) }));
        Assert.True(MatchedRingClaims.MetricBlindSpot(new[] { clean, stray }).Passed);
    }
}

public class LiveMatchedRingTests
{
    [Fact]
    public void Progress_updates_every_n_steps_and_at_the_end_and_names_the_objective()
    {
        var live = new WganCourse.Plots.LiveMatchedRing(MatchedRing.Notebook03, steps: 250,
            every: 100);
        foreach (var o in MatchedRing.Notebook03)
            for (int s = 1; s <= 250; s++) live.AfterStep(o, s);
        Assert.Equal(6, live.Updates); // 100, 200, 250 per objective
        var line = Assert.IsType<WganCourse.Plots.ProgressLine>(live.Current);
        Assert.Equal(250, line.Step);
        Assert.Contains("GAN loss B", line.Extra);
        Assert.Contains("2 of 2", line.Extra);
    }

    [Fact]
    public void Rows_read_from_the_store_say_so_instead_of_a_progress_stuck_at_zero()
    {
        var live = new WganCourse.Plots.LiveMatchedRing(MatchedRing.Notebook03, steps: 250);
        MatchedRingRow Row(RingObjective o, string provenance) => new(o, MatchedRing.Label(o), 250,
            WganCourse.Metrics.ToyMetrics.Summarise(new[] { WganCourse.Metrics.ToyMetrics.Evaluate(
                WganCourse.Data.Toy.Ring8().Sample(100, WganCourse.Runtime.Seeds.Generator(1)),
                WganCourse.Data.Toy.Ring8()) }),
            new[] { RingOutcome.Converged }, TimeSpan.Zero, 250) { Provenance = provenance };
        live.AfterRun(new[] { Row(RingObjective.LossA, "read from LossA-0123456789abcdef.bin (…)") });
        var line = Assert.IsType<WganCourse.Plots.ProgressLine>(live.Current);
        Assert.Equal(250, line.Step);
        Assert.Contains("GAN loss A (sat.) (1 of 2) read from the store", line.Extra);
        live.AfterRun(new[] { Row(RingObjective.LossB, "trained here, stored as LossB-….bin") });
        line = Assert.IsType<WganCourse.Plots.ProgressLine>(live.Current);
        Assert.Contains("(2 of 2) trained: all rows ready", line.Extra);
    }
}
