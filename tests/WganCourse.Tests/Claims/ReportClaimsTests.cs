using WganCourse.Claims;
using WganCourse.Runner.Execution;
using WganCourse.Runtime;
using Xunit;

namespace WganCourse.Tests.Claims;

/// <summary>The runner's reading of claims: only an undocumented failure fails a run; checks are counted apart.</summary>
public class ReportClaimsTests
{
    public ReportClaimsTests() => Course.Setup();

    [Fact]
    public void Only_an_undocumented_failure_counts_as_failed_and_the_report_names_each_kind()
    {
        var dir = Directory.CreateTempSubdirectory("wgan-report-").FullName;
        var jsonl = Path.Combine(dir, "claims.jsonl");
        using (Profile.Use(ProfileName.Cpu))
        {
            Environment.SetEnvironmentVariable(Claim.FileVariable, jsonl);
            try
            {
                Claim.AtLeast("t.pass", "s", "test", 1, 2);
                Claim.AtLeast("t.known", "s", "test", 1, 0, knownFailure: "measured 0 against 1 over 5 seeds at this budget");
                Claim.AtLeast("t.fail", "s", "test", 1, 0);
                Claim.Near("t.check", "s", "test", 1, 1, 0, kind: ClaimKind.Check);
            }
            finally { Environment.SetEnvironmentVariable(Claim.FileVariable, null); }
        }
        var claims = Report.ReadClaims("nb.ipynb", jsonl).ToDictionary(c => c.id);
        Assert.False(claims["t.pass"].Failed);
        Assert.True(claims["t.known"].NotReproduced);
        Assert.False(claims["t.known"].Failed);
        Assert.True(claims["t.fail"].Failed);
        Assert.Equal("check", claims["t.check"].kind);
        Report.Write(dir, "cpu", Array.Empty<ExecutionResult>(), claims.Values.ToList(), new Dictionary<string, string?>(), 1);
        var html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("1 passed, 1 failed, 1 not reproduced (documented)", html);
        Assert.Contains("checks (identities true by construction): 1 ok", html);
        Assert.Contains("measured 0 against 1 over 5 seeds", html);
    }
}
