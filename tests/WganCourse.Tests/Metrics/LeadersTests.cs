using WganCourse.Metrics;
using Xunit;

namespace WganCourse.Tests.Metrics;

/// <summary>The "leader per column" row under notebook 08's comparison table (<see cref="Leaders"/>).</summary>
public class LeadersTests
{
    static SeedSummary Summary(double modes, double standard, double highQuality, params double[] reverseKl) =>
        new(MinSamples: 5, ModeCount: 8, SeedSpread.Of(new[] { modes }), SeedSpread.Of(new[] { standard }),
            SeedSpread.Of(new[] { highQuality }), SeedSpread.Of(reverseKl), Array.Empty<ToyReport>());

    [Fact]
    public void A_normal_table_names_each_columns_leader()
    {
        var row = Leaders.Row("ring", new[] {
            ("GAN", Summary(3, 4, 0.60, 0.9), 3.0),
            ("WGAN", Summary(6, 7, 0.40, 0.3), 9.5),
            ("WGAN-GP", Summary(8, 8, 0.85, 0.05), 12.0) });
        Assert.Equal(Leaders.Columns.Count, row.Count);
        Assert.Equal(new[] { "ring", "WGAN-GP (8.00)", "WGAN-GP (8.00)", "WGAN-GP (0.85)", "WGAN-GP (0.05)", "WGAN-GP" }, row);
    }

    [Fact]
    public void Ties_name_every_leader_and_a_full_tie_says_so()
    {
        var row = Leaders.Row("grid", new[] {
            ("GAN", Summary(8, 8, 0.9, 0.1), 3.0),
            ("WGAN", Summary(8, 7, 0.9, 0.1), 9.0),
            ("WGAN-GP", Summary(6, 8, 0.9, 0.2), 5.0) });
        Assert.Equal("GAN, WGAN (8.00)", row[1]);
        Assert.Equal("GAN, WGAN-GP (8.00)", row[2]);
        Assert.Equal("all tie (0.90)", row[3]);
        Assert.Equal("GAN, WGAN (0.10)", row[4]);
        Assert.Equal("WGAN", row[5]);
    }

    [Fact]
    public void A_seed_off_the_modes_ranks_last_and_all_off_the_modes_tie_at_infinity()
    {
        // not converged: a seed with no high-quality sample has reverse KL +∞, so its objective's mean is +∞
        var one = Leaders.Row("grid", new[] {
            ("GAN", Summary(0, 0, 0, double.PositiveInfinity, 0.2), 3.0),
            ("WGAN", Summary(2, 3, 0.1, 0.7, 0.5), 9.0) });
        Assert.Equal("WGAN (0.60)", one[4]);
        var all = Leaders.Row("grid", new[] {
            ("GAN", Summary(0, 0, 0, double.PositiveInfinity), 3.0),
            ("WGAN", Summary(0, 0, 0, double.PositiveInfinity), 9.0) });
        Assert.Equal("all tie (+∞)", all[4]);
        Assert.Equal("all tie (0.00)", all[1]);
    }

    [Fact]
    public void A_value_that_was_not_measured_takes_no_part()
    {
        Assert.Equal("B (2.00)", Leaders.Top(new[] { ("A", double.NaN), ("B", 2.0), ("C", 1.0) }, highest: true));
        Assert.Equal("C (1.00)", Leaders.Top(new[] { ("A", double.NaN), ("B", 2.0), ("C", 1.0) }, highest: false));
        Assert.Equal("B, C (1.00)", Leaders.Top(new[] { ("A", double.NaN), ("B", 1.0), ("C", 1.0) }, highest: true));
        Assert.Equal("none (no value)", Leaders.Top(new[] { ("A", double.NaN), ("B", double.NaN) }, highest: true));
        Assert.Throws<ArgumentException>(() => Leaders.Row("ring", Array.Empty<(string, SeedSummary, double)>()));
    }
}
