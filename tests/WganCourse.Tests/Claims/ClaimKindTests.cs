using WganCourse.Claims;
using WganCourse.Runtime;
using Xunit;

namespace WganCourse.Tests.Claims;

public class ClaimKindTests
{
    public ClaimKindTests() => Course.Setup();

    [Theory]
    [InlineData(ProfileName.Smoke, true)]
    [InlineData(ProfileName.Cpu, true)]
    [InlineData(ProfileName.Full, false)]
    public void A_full_profile_only_claim_is_judged_only_in_full_and_keeps_its_measured_value(ProfileName profile, bool skipped)
    {
        using var _ = Profile.Use(profile);
        var r = Claim.AtLeast("test.full-only", "needs paper-scale compute", "test", threshold: 8, measured: 6, kind: ClaimKind.FullProfileOnly);
        Assert.Equal(skipped, r.Skipped);
        Assert.False(r.Passed);
        Assert.Equal("6", r.Measured);
        if (skipped) Assert.Contains("Checked only in the full profile", r.Note);
        else Assert.Null(r.Note);
    }

    [Fact]
    public void Training_claims_are_still_judged_in_cpu_and_skipped_only_in_smoke()
    {
        using (Profile.Use(ProfileName.Cpu))
            Assert.False(Claim.AtLeast("test.training", "s", "test", threshold: 1, measured: 2).Skipped);
        using (Profile.Use(ProfileName.Smoke))
        {
            var r = Claim.AtLeast("test.training", "s", "test", threshold: 1, measured: 2);
            Assert.True(r.Skipped);
            Assert.Contains("smoke profile", r.Note);
        }
    }
}
