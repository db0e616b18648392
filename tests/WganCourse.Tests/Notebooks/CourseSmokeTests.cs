using WganCourse.Runner.Execution;
using Xunit;

namespace WganCourse.Tests.Notebooks;

/// <summary>
/// Every notebook and reference solution runs in the real dotnet-interactive kernel (the one VS Code and Jupyter use)
/// under the smoke profile, twice in a row in one kernel, with no error output and no failed claim. It runs on a machine
/// with the .NET SDK alone: the runner picks its engine as a user's run does (WGAN_COURSE_ENGINE, default auto: Jupyter's
/// client where python3 with nbclient is installed, as in CI, else the kernel's stdio protocol, no Python), so the
/// README's `dotnet test` exercises the notebooks everywhere. WGAN_COURSE_ENGINE=stdio (or jupyter) forces one.
/// </summary>
[Collection("notebooks")]
public class CourseSmokeTests
{
    [Fact]
    public void Every_notebook_and_solution_runs_twice_under_smoke_in_the_real_kernel()
    {
        var notebooks = new[] { "notebooks", "notebooks/solutions" }
            .Select(d => Path.Combine(TestPaths.Repo, d)).Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "*.ipynb")).OrderBy(p => p, StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(notebooks);
        // the engine the runner will pick (it reads the same variable and makes the same test)
        var engine = NotebookExecutor.Engine;
        // 17 notebooks twice: ≈ 10 min on two idle cores, longer on a shared machine
        var r = RunnerProcess.RunWith(null, TimeSpan.FromMinutes(60),
            new[] { "reproduce", "--profile", "smoke", "--twice", "--no-html", "--out", "{out}" }.Concat(notebooks).ToArray());
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Contains($"engine {engine}", r.Output);
        foreach (var nb in notebooks)
            Assert.True(File.Exists(Path.Combine(r.OutDir, "notebooks", Path.GetRelativePath(Path.Combine(TestPaths.Repo, "notebooks"), nb))), "no executed copy of " + nb);
    }
}
