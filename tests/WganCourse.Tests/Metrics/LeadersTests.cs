using WganCourse.Metrics;
using Xunit;

namespace WganCourse.Tests.Metrics;

/// <summary>The "leader per column" row under notebook 08's comparison table (<see cref="Leaders"/>): it ranks only
/// objectives whose runs converged (half the seeds, and two, on the modes), over their seeds on the modes.</summary>
public class LeadersTests
{
    const int Min = 5; // the 1 % count of these summaries

    // one seed: `modes` modes with ≥ 1 %, `standard` modes with any sample, near-mode share, reverse KL
    static ToyReport Seed(int modes, int standard, double near, double reverseKl) =>
        new(standard, 8, near, reverseKl, Enumerable.Range(0, 8)
            .Select(i => i < modes ? 100 : i < standard ? 1 : 0).ToArray());

    static SeedSummary Summary(params ToyReport[] seeds) =>
        new(Min, 8, SeedSpread.Of(seeds.Select(s => (double)s.ModesWithAtLeast(Min)).ToArray()),
            SeedSpread.Of(seeds.Select(s => (double)s.ModesCovered).ToArray()),
            SeedSpread.Of(seeds.Select(s => s.HighQualityFraction).ToArray()),
            SeedSpread.Of(seeds.Select(s => s.ReverseKl).ToArray()), seeds);

    static SeedSummary Same(int n, ToyReport seed) => Summary(Enumerable.Repeat(seed, n).ToArray());

    [Fact]
    public void A_table_of_converged_runs_names_each_columns_leader()
    {
        var row = Leaders.Row("ring", new[] {
            ("GAN", Same(3, Seed(3, 4, 0.60, 0.9)), 3.0),
            ("WGAN", Same(3, Seed(6, 7, 0.40, 0.3)), 9.5),
            ("WGAN-GP", Same(3, Seed(8, 8, 0.85, 0.05)), 12.0) });
        Assert.Equal(Leaders.Columns.Count, row.Count);
        Assert.Equal(new[] { "ring", "WGAN-GP (8.00)", "WGAN-GP (8.00)", "WGAN-GP (0.05)", "WGAN-GP (0.85)", "—",
                             "WGAN-GP" }, row);
    }

    [Fact]
    public void An_objective_whose_seeds_did_not_reach_the_modes_is_not_ranked_however_many_modes_it_touches()
    {
        // WGAN spreads over all 8 modes but with 5 % of its samples near one (not converged): it must not lead
        var row = Leaders.Row("ring", new[] {
            ("GAN", Same(4, Seed(2, 3, 0.7, 1.1)), 3.0),
            ("WGAN", Same(4, Seed(8, 8, 0.05, 0.02)), 9.0) });
        Assert.Equal("GAN (2.00)", row[1]); // GAN is the only ranked objective
        Assert.Equal("GAN (1.10)", row[3]);
        Assert.Equal("GAN (0.70)", row[4]);      // the near-mode share ranks every objective
        Assert.Equal("WGAN (0/4)", row[5]);
        var none = Leaders.Row("grid", new[] {
            ("GAN", Same(4, Seed(0, 0, 0, double.PositiveInfinity)), 3.0),
            ("WGAN", Same(4, Seed(8, 8, 0.1, 0.2)), 9.0) });
        Assert.Equal(new[] { "none converged", "none converged", "none converged" }, none.Skip(1).Take(3));
        Assert.Equal("GAN (0/4), WGAN (0/4)", none[5]);
    }

    [Fact]
    public void Only_seeds_on_the_modes_count_and_half_of_them_is_enough()
    {
        // 2 of 4 seeds on the modes (converged by the rule); the two off the modes do not dilute the means
        var half = Summary(Seed(7, 8, 0.6, 0.2), Seed(7, 8, 0.5, 0.2), Seed(0, 1, 0.01, 3), Seed(0, 0, 0, 5));
        var row = Leaders.Row("ring", new[] { ("A", half, 1.0), ("B", Same(4, Seed(6, 8, 0.6, 0.1)), 2.0) });
        Assert.Equal("A (7.00)", row[1]);
        Assert.Equal("B (0.10)", row[3]);
        Assert.Equal("—", row[5]);
        // one seed on the modes of 4 is not enough, and neither is one of 1
        var one = Summary(Seed(8, 8, 0.9, 0.01), Seed(0, 0, 0, 5), Seed(0, 0, 0, 5), Seed(0, 0, 0, 5));
        Assert.Equal("A (1/4)", Leaders.Row("ring", new[] { ("A", one, 1.0), ("B", half, 1.0) })[5]);
        Assert.Equal("A (1/1)", Leaders.Row("ring", new[] { ("A", Same(1, Seed(8, 8, 0.9, 0.01)), 1.0) })[5]);
    }

    [Fact]
    public void Ties_name_every_leader_and_a_full_tie_says_so()
    {
        var row = Leaders.Row("grid", new[] {
            ("GAN", Same(2, Seed(8, 8, 0.9, 0.1)), 3.0),
            ("WGAN", Same(2, Seed(8, 7, 0.9, 0.1)), 9.0),
            ("WGAN-GP", Same(2, Seed(6, 8, 0.9, 0.2)), 5.0) });
        Assert.Equal("GAN, WGAN (8.00)", row[1]);
        Assert.Equal("GAN, WGAN-GP (8.00)", row[2]);
        Assert.Equal("GAN, WGAN (0.10)", row[3]);
        Assert.Equal("all tie (0.90)", row[4]);
        Assert.Equal("WGAN", row[6]);
    }

    [Fact]
    public void A_value_that_was_not_measured_takes_no_part()
    {
        Assert.Equal("B (2.00)", Leaders.Top(new[] { ("A", double.NaN), ("B", 2.0), ("C", 1.0) }, highest: true));
        Assert.Equal("C (1.00)", Leaders.Top(new[] { ("A", double.NaN), ("B", 2.0), ("C", 1.0) }, highest: false));
        Assert.Equal("B, C (1.00)", Leaders.Top(new[] { ("A", double.NaN), ("B", 1.0), ("C", 1.0) }, highest: true));
        Assert.Equal("none (no value)", Leaders.Top(new[] { ("A", double.NaN), ("B", double.NaN) }, highest: true));
        Assert.Equal("A (+∞)", Leaders.Top(new[] { ("A", double.PositiveInfinity), ("B", 1.0) }, highest: true));
        Assert.Throws<ArgumentException>(() => Leaders.Row("ring", Array.Empty<(string, SeedSummary, double)>()));
    }
}
