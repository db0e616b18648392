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

    [Fact]
    public void A_check_is_judged_in_every_profile_recorded_as_a_check_and_can_fail()
    {
        using (Profile.Use(ProfileName.Smoke))
        {
            var ok = Claim.Near("test.check", "same integrand twice", "test", 1.0, 1.0, 1e-9, kind: ClaimKind.Check);
            Assert.False(ok.Skipped);
            Assert.True(ok.Passed);
            Assert.Equal("check", ok.Kind);
            Assert.Equal("check", ClaimRecord.From(ok).kind);
            Assert.Contains("CHECK OK", ok.ToHtml());
            var bad = Claim.Near("test.check", "same integrand twice", "test", 1.0, 1.5, 1e-9, kind: ClaimKind.Check);
            Assert.False(bad.Passed);
            Assert.Contains("CHECK FAILED", bad.ToHtml());
        }
        Assert.Equal("claim", Claim.AtLeast("test.claim", "s", "test", 1, 2, kind: ClaimKind.Analytic).Kind);
    }

    [Fact]
    public void A_documented_failure_is_judged_shown_as_not_reproduced_and_never_as_a_pass()
    {
        using var _ = Profile.Use(ProfileName.Cpu);
        const string why = "within-step rho was -0.55 over 5 seeds at the cpu budget (see the notebook)";
        var failed = Claim.AtLeast("test.known", "s", "test", threshold: 0.5, measured: -0.55, knownFailure: why);
        Assert.False(failed.Passed);
        Assert.False(failed.Skipped);
        Assert.Equal("not reproduced", failed.Status);
        Assert.Contains("Does not reproduce here", failed.ToHtml());
        Assert.Equal(why, ClaimRecord.From(failed).known_failure);
        var held = Claim.AtLeast("test.known", "s", "test", threshold: 0.5, measured: 0.7, knownFailure: why);
        Assert.Equal("pass", held.Status);
        Assert.DoesNotContain("Does not reproduce", held.ToHtml());
        Assert.Throws<ArgumentException>(() => Claim.AtLeast("test.known", "s", "test", 0.5, 0.1, knownFailure: "x"));
        Assert.Throws<ArgumentException>(() =>
            Claim.Near("test.known", "s", "test", 1, 2, 0.1, kind: ClaimKind.Check, knownFailure: why));
    }
}
