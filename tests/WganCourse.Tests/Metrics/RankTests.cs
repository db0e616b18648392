using WganCourse.Metrics;
using WganCourse.Runtime;
using Xunit;

namespace WganCourse.Tests.Metrics;

public class RankTests
{
    public RankTests() => Course.Setup();

    [Fact]
    public void Ties_get_the_average_of_the_ranks_they_span()
    {
        Assert.Equal(new[] { 1, 2.5, 2.5, 4 }, Rank.AverageRanks(new[] { 10.0, 20, 20, 30 }));
        Assert.Equal(new[] { 3.0, 1, 3, 3, 5 }, Rank.AverageRanks(new[] { 7.0, -1, 7, 7, 9 }));
    }

    [Fact]
    public void Spearman_matches_hand_computed_values()
    {
        // No ties: ranks x = (1,2,3,4,5), y = (2,1,4,3,5); Σd² = 4, ρ = 1 − 6·4/(5·24) = 0.8.
        Assert.Equal(0.8, Rank.Spearman(new[] { 1.0, 2, 3, 4, 5 }, new[] { 5.0, 2, 6, 5.5, 100 }), 12);
        // Monotone but nonlinear: ρ = 1 while Pearson < 1.
        var x = new[] { 1.0, 2, 3, 4, 5 };
        var y = x.Select(v => Math.Exp(v)).ToArray();
        Assert.Equal(1.0, Rank.Spearman(x, y), 12);
        Assert.True(Rank.Pearson(x, y) < 0.95);
        Assert.Equal(-1.0, Rank.Spearman(x, y.Select(v => -v).ToArray()), 12);
        // With ties: x ranks (1, 2.5, 2.5, 4), y ranks (1, 2, 3, 4); mean 2.5 each;
        // Σ dx·dy = 2.25 + 0 + 0 + 2.25 = 4.5, Σ dx² = 4.5, Σ dy² = 5 → ρ = 4.5 / √22.5 = 0.9486833.
        Assert.Equal(4.5 / Math.Sqrt(22.5), Rank.Spearman(new[] { 1.0, 2, 2, 3 }, new[] { 1.0, 2, 3, 4 }), 12);
    }

    [Fact]
    public void Pearson_matches_hand_computed_values()
    {
        // x = (1, 2, 3), y = (1, 3, 2): cov ∝ (−1)(−1) + 0 + (1)(0) = 1, Σdx² = 2, Σdy² = 2 → r = 0.5.
        Assert.Equal(0.5, Rank.Pearson(new[] { 1.0, 2, 3 }, new[] { 1.0, 3, 2 }), 12);
        Assert.Equal(1.0, Rank.Pearson(new[] { 1.0, 2, 3 }, new[] { -4.0, -2, 0 }), 12);
        Assert.True(double.IsNaN(Rank.Pearson(new[] { 1.0, 1, 1 }, new[] { 1.0, 2, 3 })));
    }

    [Fact]
    public void Partial_spearman_matches_the_formula_on_hand_computed_ranks()
    {
        // ranks x = (1,2,3,4,5), y = (2,1,4,3,5), z = (1,3,2,5,4).
        // ρxy = 1 − 6·4/120 = 0.8; ρxz: d = (0,−1,1,−1,1), Σd² = 4 → 0.8; ρyz: d = (1,−2,2,−2,1), Σd² = 14 → 0.3.
        // partial = (0.8 − 0.8·0.3) / √((1 − 0.64)(1 − 0.09)) = 0.56 / √0.3276.
        var x = new[] { 1.0, 2, 3, 4, 5 };
        var y = new[] { 20.0, 10, 40, 30, 50 };
        var z = new[] { 0.1, 0.3, 0.2, 0.5, 0.4 };
        Assert.Equal(0.56 / Math.Sqrt(0.3276), Rank.PartialSpearman(x, y, z), 12);
        // x a monotone function of z: nothing is left once z is known.
        Assert.True(double.IsNaN(Rank.PartialSpearman(x, y, x.Select(v => 2 * v).ToArray())));
    }

    [Fact]
    public void Within_group_spearman_matches_hand_computed_values()
    {
        // Two groups of three. Group A: x = (1, 2, 3), y = (3, 1, 2) → centred ranks (−1, 0, 1) and (1, −1, 0);
        // group B: x = (10, 30, 20), y = (100, 300, 200) → (−1, 1, 0) and (−1, 1, 0).
        // Σ cx·cy = (−1 + 0 + 0) + (1 + 1 + 0) = 1, Σ cx² = Σ cy² = 4 → 0.25.
        var x = new[] { 1.0, 2, 3, 10, 30, 20 };
        var y = new[] { 3.0, 1, 2, 100, 300, 200 };
        var g = new[] { 0, 0, 0, 1, 1, 1 };
        Assert.Equal(0.25, Rank.WithinGroupSpearman(x, y, g), 12);
        // Per group: A ρ = −0.5 (Σd² = 4+1+1 = 6 → 1 − 36/24), B ρ = 1.
        Assert.Equal(new[] { -0.5, 1.0 }, Rank.SpearmanPerGroup(x, y, g).Select(r => Math.Round(r, 12)));
        // Groups of one are ignored.
        Assert.Equal(0.25, Rank.WithinGroupSpearman(x.Append(7).ToArray(), y.Append(-7).ToArray(), g.Append(9).ToArray()), 12);
    }

    [Fact]
    public void Within_group_spearman_with_ties_matches_an_independent_computation()
    {
        // Independent route: within each group, Spearman's ρ of the group equals the Pearson correlation of its
        // average ranks; with equal group sizes and no ties the pooled statistic is the mean of the per-group
        // Pearson numerators over the mean denominator. Here: one group with a tie in x.
        // x = (5, 5, 9), ranks (1.5, 1.5, 3) centred (−0.5, −0.5, 1); y = (1, 2, 3) → (−1, 0, 1).
        // Σ cx·cy = 0.5 + 0 + 1 = 1.5; Σ cx² = 1.5; Σ cy² = 2 → 1.5 / √3.
        Assert.Equal(1.5 / Math.Sqrt(3), Rank.WithinGroupSpearman(new[] { 5.0, 5, 9 }, new[] { 1.0, 2, 3 }, new[] { 4, 4, 4 }), 12);
        Assert.Equal(Rank.Spearman(new[] { 5.0, 5, 9 }, new[] { 1.0, 2, 3 }), Rank.WithinGroupSpearman(new[] { 5.0, 5, 9 }, new[] { 1.0, 2, 3 }, new[] { 4, 4, 4 }), 12);
    }

    /// <summary>The confound the statistic exists for: 5 "seeds" × 20 "checkpoints"; the quality falls with the step and
    /// differs between seeds; an "estimate" that only follows time agrees with quality by the raw Spearman (it would pass
    /// a 0.7 threshold) but not within steps (it fails 0.5), while an estimate that follows quality passes both.</summary>
    [Fact]
    public void An_estimate_that_only_follows_time_fails_the_within_step_statistic()
    {
        var rng = new Random(12);
        var (quality, timeOnly, tracking, step) = (new List<double>(), new List<double>(), new List<double>(), new List<int>());
        for (int seed = 0; seed < 5; seed++)
        {
            double offset = 0.2 * rng.NextDouble(); // this seed's lasting quality difference
            for (int s = 1; s <= 20; s++)
            {
                double q = 3.0 / s + offset + 0.05 * rng.NextDouble();
                quality.Add(q);
                timeOnly.Add(2.0 / Math.Sqrt(s) + 0.1 * rng.NextDouble());
                tracking.Add(0.5 * q + 0.02 * rng.NextDouble());
                step.Add(s);
            }
        }
        Assert.True(Rank.Spearman(timeOnly, quality) > 0.7, "the raw statistic is fooled by the shared trend");
        Assert.True(Rank.WithinGroupSpearman(timeOnly, quality, step) < 0.5);
        Assert.True(Rank.WithinGroupSpearman(tracking, quality, step) > 0.9);
        // an estimate that is exactly a function of the step has no order inside a step at all
        Assert.True(double.IsNaN(Rank.WithinGroupSpearman(step.Select(s => 1.0 / s).ToList(), quality, step)));
    }

    /// <summary>Rank.Tracking, the statistic of 07's claims: a loss that follows quality passes 0.5, one that only follows
    /// time fails it (and would fool the raw per-run correlation), and a loss that tracks quality backwards is negative.</summary>
    [Fact]
    public void Tracking_separates_a_tracking_loss_from_a_loss_that_only_follows_time()
    {
        var rng = new Random(3);
        var steps = Enumerable.Range(1, 10).Select(i => i * 100).ToList();
        var quality = new List<IReadOnlyList<double>>();
        var tracking = new List<IReadOnlyList<double>>();
        var timeOnly = new List<IReadOnlyList<double>>();
        for (int seed = 0; seed < 5; seed++)
        {
            double offset = 0.3 * rng.NextDouble();
            var q = steps.Select(s => 100.0 / s + offset + 0.02 * rng.NextDouble()).ToList();
            quality.Add(q);
            tracking.Add(q.Select(v => 1e-4 * v + 1e-7 * rng.NextDouble()).ToList());
            timeOnly.Add(steps.Select(s => 1.0 / Math.Sqrt(s) + 0.01 * rng.NextDouble()).ToList());
        }
        var good = Rank.Tracking(tracking, quality, steps);
        var bad = Rank.Tracking(timeOnly, quality, steps);
        Assert.True(good.WithinStep >= 0.5 && good.RawMean > 0.9, $"{good}");
        Assert.True(bad.WithinStep < 0.5, $"{bad}");
        Assert.True(bad.RawMean > 0.7, $"the raw statistic is fooled: {bad}");
        Assert.True(Rank.Tracking(tracking.Select(r => (IReadOnlyList<double>)r.Select(v => -v).ToList()).ToList(), quality, steps).WithinStep < -0.5);
        Assert.Equal(5, good.Runs);
        Assert.Equal(10, good.Checkpoints);
        Assert.Throws<ArgumentException>(() => Rank.Tracking(tracking, quality, steps.Take(3).ToList()));
    }

    [Fact]
    public void Mismatched_or_too_short_inputs_are_rejected()
    {
        Assert.Contains("same length", Assert.Throws<ArgumentException>(() => Rank.Spearman(new[] { 1.0, 2 }, new[] { 1.0 })).Message);
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => Rank.Pearson(new[] { 1.0 }, new[] { 1.0 })).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => Rank.Spearman(new[] { 1.0, double.NaN }, new[] { 1.0, 2 })).Message);
    }
}
