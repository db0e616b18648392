using WganCourse.Metrics;
using Xunit;

namespace WganCourse.Tests.Metrics;

public class SeedSpreadTests
{
    [Fact]
    public void Mean_and_sample_deviation_over_seeds()
    {
        var s = SeedSpread.Of(new[] { 8.0, 8, 7, 8, 6 });
        Assert.Equal(7.4, s.Mean, 12);
        Assert.Equal(Math.Sqrt((0.36 * 3 + 0.16 + 1.96) / 4), s.Sd, 12);
        Assert.Equal((6.0, 8.0, 5, 0), (s.Min, s.Max, s.N, s.NonFinite));
        Assert.Equal("7.40 ± 0.89", s.Format());
    }

    [Fact]
    public void An_infinite_value_is_counted_and_said()
    {
        var s = SeedSpread.Of(new[] { 0.1, double.PositiveInfinity });
        Assert.Equal(1, s.NonFinite);
        Assert.Contains("1 of 2 seeds", s.Format());
        Assert.Throws<ArgumentException>(() => SeedSpread.Of(Array.Empty<double>()));
    }

    [Fact]
    public void Modes_with_at_least_counts_the_histogram()
    {
        var r = new ToyReport(3, 8, 0.5, 0.2, new[] { 0, 1, 30, 0, 25, 0, 0, 24 });
        Assert.Equal(4, r.ModesWithAtLeast(1));
        Assert.Equal(2, r.ModesWithAtLeast(25));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.ModesWithAtLeast(0));
    }
}
