using WganCourse.Runner.Execution;
using Xunit;

namespace WganCourse.Tests.Notebooks;

/// <summary>
/// Every notebook and reference solution runs in the real dotnet-interactive kernel (the one VS Code and Jupyter use)
/// under the smoke profile with no error output and no failed claim: the student notebooks twice in a row in one
/// kernel (a student re-runs cells), the solutions once (they differ from the notebooks only in exercise cells, which
/// the first pass already re-runs). It runs on a machine with the .NET SDK alone: the runner picks its engine as a
/// user's run does (WGAN_COURSE_ENGINE, default auto: Jupyter's client where python3 with nbclient is installed, as in
/// CI, else the kernel's stdio protocol, no Python), so the README's `dotnet test` exercises the notebooks everywhere.
/// WGAN_COURSE_ENGINE=stdio (or jupyter) forces one.
/// </summary>
[Collection("notebooks")]
public class CourseSmokeTests
{
    [Fact]
    public void Every_notebook_runs_twice_and_every_solution_once_under_smoke_in_the_real_kernel()
    {
        string[] In(string dir) => Directory.Exists(Path.Combine(TestPaths.Repo, dir))
            ? Directory.GetFiles(Path.Combine(TestPaths.Repo, dir), "*.ipynb")
                .OrderBy(p => p, StringComparer.Ordinal).ToArray()
            : Array.Empty<string>();
        var notebooks = In("notebooks");
        var solutions = In("notebooks/solutions");
        Assert.NotEmpty(notebooks);
        Assert.NotEmpty(solutions);
        // the engine the runner will pick (it reads the same variable and makes the same test)
        var engine = NotebookExecutor.Engine;
        // 10 notebooks twice, 9 solutions once, two kernels at a time (as the course command runs them on two
        // cores): 459 s one at a time on two idle cores, 299 s two at a time (2026-12-06)
        foreach (var (files, twice) in new[] { (notebooks, true), (solutions, false) })
        {
            var args = new[] { "reproduce", "--profile", "smoke", "--no-html", "--jobs", "2", "--out", "{out}" }
                .Concat(twice ? new[] { "--twice" } : Array.Empty<string>()).Concat(files).ToArray();
            var r = RunnerProcess.RunWith(null, TimeSpan.FromMinutes(40), args);
            Assert.True(r.ExitCode == 0, r.Output);
            Assert.Contains($"engine {engine}", r.Output);
            var root = Path.Combine(TestPaths.Repo, "notebooks");
            foreach (var nb in files)
                Assert.True(File.Exists(Path.Combine(r.OutDir, "notebooks", Path.GetRelativePath(root, nb))),
                    "no executed copy of " + nb);
        }
    }
}
