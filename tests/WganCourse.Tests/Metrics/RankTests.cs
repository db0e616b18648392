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
    public void Mismatched_or_too_short_inputs_are_rejected()
    {
        Assert.Contains("same length", Assert.Throws<ArgumentException>(() => Rank.Spearman(new[] { 1.0, 2 }, new[] { 1.0 })).Message);
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => Rank.Pearson(new[] { 1.0 }, new[] { 1.0 })).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => Rank.Spearman(new[] { 1.0, double.NaN }, new[] { 1.0, 2 })).Message);
    }
}
