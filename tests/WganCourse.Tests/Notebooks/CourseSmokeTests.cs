using Xunit;

namespace WganCourse.Tests.Notebooks;

/// <summary>
/// Every notebook and reference solution runs in the real dotnet-interactive kernel (the one VS Code and Jupyter use)
/// under the smoke profile, twice in a row in one kernel, with no error output and no failed claim.
/// </summary>
[Collection("notebooks")]
public class CourseSmokeTests
{
    [JupyterFact]
    public void Every_notebook_and_solution_runs_twice_under_smoke_in_the_real_kernel()
    {
        var notebooks = new[] { "notebooks", "notebooks/solutions" }
            .Select(d => Path.Combine(TestPaths.Repo, d)).Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "*.ipynb")).OrderBy(p => p, StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(notebooks);
        var r = RunnerProcess.Run(new[] { "reproduce", "--profile", "smoke", "--twice", "--no-html", "--out", "{out}" }.Concat(notebooks).ToArray());
        Assert.True(r.ExitCode == 0, r.Output);
        foreach (var nb in notebooks)
            Assert.True(File.Exists(Path.Combine(r.OutDir, "notebooks", Path.GetRelativePath(Path.Combine(TestPaths.Repo, "notebooks"), nb))), "no executed copy of " + nb);
    }
}
