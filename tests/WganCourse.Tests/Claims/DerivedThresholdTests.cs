using System.Text.Json;
using TorchSharp;
using WganCourse.Claims;
using WganCourse.Runtime;
using Xunit;

namespace WganCourse.Tests.Claims;

/// <summary>Seed-count and seed-mean claims: thresholds derived from a stated rate, margins reported.</summary>
public class DerivedThresholdTests
{
    public DerivedThresholdTests() => Course.Setup();

    [Theory]
    // n, p → the largest k with P(Binomial(n, p) < k) ≤ 1 % (by hand: 10, 0.9: P(≤ 5) = 0.16 %, P(≤ 6) = 1.28 %)
    [InlineData(10, 0.9, 6)]
    [InlineData(20, 0.9, 14)]
    [InlineData(5, 0.9, 3)]
    [InlineData(10, 0.95, 7)]
    public void The_count_threshold_is_the_binomial_one_percent_point(int n, double p, int k)
    {
        var t = Binomial.Threshold(n, p, 0.01);
        Assert.Equal(k, t.K);
        Assert.True(t.FalseFailure <= 0.01);
        Assert.True(Binomial.Cdf(k, n, p) > 0.01); // one more would fail a correct course more often than 1 in 100
    }

    [Fact]
    public void The_binomial_cdf_matches_a_hand_computed_value()
    {
        // P(X ≤ 1) for n = 3, p = 0.5: (1 + 3)/8
        Assert.Equal(0.5, Binomial.Cdf(1, 3, 0.5), 12);
        Assert.Equal(1, Binomial.Cdf(3, 3, 0.2), 12);
        Assert.Equal(0, Binomial.Cdf(-1, 3, 0.2));
    }

    [Fact]
    public void A_seed_count_claim_passes_at_its_threshold_fails_below_and_reports_a_margin()
    {
        using var _ = Profile.Use(ProfileName.Cpu);
        bool[] Seeds(int ok, int n) => Enumerable.Range(0, n).Select(i => i < ok).ToArray();
        var pass = Claim.SeedCount("t.count", "s", "test", Seeds(6, 10), assumedRate: 0.9);
        Assert.True(pass.Passed);
        Assert.Equal("≥ 6 of 10 seeds", pass.Expected);
        Assert.Equal(0, pass.Margin!.Value, 9);
        var fail = Claim.SeedCount("t.count", "s", "test", Seeds(5, 10), assumedRate: 0.9);
        Assert.False(fail.Passed);
        Assert.True(fail.Margin < 0);
        Assert.Contains("margin", fail.ToHtml());
        // a claim that needs every seed has nothing to spare: no "+0.0σ" margin on its pass, a negative one on a fail
        var all = Claim.SeedCount("t.all", "s", "test", Seeds(20, 20), assumedRate: 0.9999);
        Assert.True(all.Passed);
        Assert.Equal("≥ 20 of 20 seeds", all.Expected);
        Assert.Null(all.Margin);
        Assert.True(Claim.SeedCount("t.all", "s", "test", Seeds(19, 20), assumedRate: 0.9999).Margin < 0);
    }

    [Fact]
    public void A_mean_claim_needs_three_standard_errors_and_fails_on_a_NaN_seed()
    {
        using var _ = Profile.Use(ProfileName.Cpu);
        var tight = new[] { 1.0, 1.1, 0.9, 1.05, 0.95 };          // mean 1, SE ≈ 0.035
        Assert.True(Claim.MeanAtLeast("t.mean", "s", "test", tight, threshold: 0.8).Passed);
        Assert.False(Claim.MeanAtLeast("t.mean", "s", "test", tight, threshold: 0.95).Passed); // 1.4 SE only
        Assert.True(Claim.MeanAtMost("t.mean", "s", "test", tight, threshold: 1.2).Passed);
        Assert.False(Claim.MeanAtMost("t.mean", "s", "test", tight, threshold: 1.0).Passed);
        var nan = new[] { 1.0, double.NaN, 1.0 };
        Assert.False(Claim.MeanAtLeast("t.mean", "s", "test", nan, threshold: 0).Passed);
    }

    [Fact]
    public void The_margin_reaches_claims_json_and_an_infinite_one_survives_the_round_trip()
    {
        using var _ = Profile.Use(ProfileName.Cpu);
        var r = Claim.MeanAtLeast("t.mean", "s", "test", new[] { 2.0, 2.0, 2.0 }, threshold: 1);
        Assert.Equal(double.PositiveInfinity, r.Margin);
        var json = JsonSerializer.Serialize(ClaimRecord.From(r));
        Assert.Contains("\"margin\":\"Infinity\"", json);
        Assert.Equal(double.PositiveInfinity, JsonSerializer.Deserialize<ClaimRecord>(json)!.margin);
        var plain = JsonSerializer.Serialize(ClaimRecord.From(Claim.AtLeast("t.x", "s", "t", 1, 2)));
        Assert.Contains("\"margin\":null", plain);
    }

    [Fact]
    public void A_seed_block_moves_every_seed_and_block_zero_keeps_them()
    {
        // pure functions only: the environment variable is read at every draw, and tests run in parallel
        Assert.Equal(0, Seeds.ParseBlock(null));
        Assert.Equal(2, Seeds.ParseBlock("2"));
        Assert.Contains("whole number", Assert.Throws<ArgumentException>(() => Seeds.ParseBlock("-1")).Message);
        Assert.Equal(7, Seeds.Effective(7, 0));
        Assert.Equal(Seeds.Default, Seeds.Effective(Seeds.Default, 0));
        float Draw(long seed)
        {
            using var g = new torch.Generator((ulong)seed, torch.CPU);
            return torch.rand(1, generator: g).item<float>();
        }
        Assert.NotEqual(Draw(Seeds.Effective(3, 0)), Draw(Seeds.Effective(3, 2)));
        // blocks are disjoint from one another over the course's written seeds (1 … 1000 and the default)
        var written = Enumerable.Range(1, 1000).Append(Seeds.Default).ToList();
        var all = Enumerable.Range(0, 5).SelectMany(b => written.Select(s => Seeds.Effective(s, b))).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
    }
}
