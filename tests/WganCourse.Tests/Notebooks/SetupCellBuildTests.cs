// Timed blocking waits are the point here: a kernel or build that hangs must fail the test at its deadline.
#pragma warning disable xUnit1031
using WganCourse.Runner.Execution;
using Xunit;
using Xunit.Abstractions;

namespace WganCourse.Tests.Notebooks;

/// <summary>
/// A student who opens a notebook before building the library: in the real kernel (stdio, as VS Code drives it), on a
/// copy of the repository without a built library, the set-up cell builds it and sets up; after a source changes, the
/// same kernel (which loaded the old library) gets one line telling it to restart instead of a rebuild over it. The
/// cell loads the check from lib/BuildCheck.csx (`#load`), so the copy holds lib/WganCourse and that script.
/// </summary>
[Collection("notebooks")]
public class SetupCellBuildTests(ITestOutputHelper log)
{
    static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from))
            if (Path.GetFileName(d) is not ("bin" or "obj")) Copy(d, Path.Combine(to, Path.GetFileName(d)));
    }

    static string Text(SubmitResult r) => string.Concat(r.Outputs.SelectMany(o => o.Values.Values)) + r.Error;

    [Fact]
    public void The_set_up_cell_builds_a_missing_library_and_asks_for_a_restart_when_a_loaded_one_is_stale()
    {
        var root = Directory.CreateTempSubdirectory("wgan-unbuilt-").FullName;
        try
        {
            foreach (var f in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" })
                File.Copy(Path.Combine(TestPaths.Repo, f), Path.Combine(root, f));
            Copy(Path.Combine(TestPaths.Repo, "lib", "WganCourse"), Path.Combine(root, "lib", "WganCourse"));
            File.Copy(Path.Combine(TestPaths.Repo, "lib", "BuildCheck.csx"), Path.Combine(root, "lib", "BuildCheck.csx"));
            Directory.CreateDirectory(Path.Combine(root, "notebooks"));
            var dll = Path.Combine(root, "lib", "WganCourse", "bin", "WganCourse.dll");
            Assert.False(File.Exists(dll));
            var setup = KernelStdioTests.SetupCellOf("01-gan-objective.ipynb");

            using var k = StdioKernel.Start(Path.Combine(root, "notebooks"),
                new Dictionary<string, string> { ["WGAN_COURSE_PROFILE"] = "smoke" });
            var first = k.SubmitAsync(setup);
            Assert.True(first.Wait(TimeSpan.FromMinutes(10)), "the set-up cell did not end within 10 minutes");
            log.WriteLine($"no library: the set-up cell took {first.Result.Seconds:0.0} s");
            Assert.True(first.Result.Succeeded, Text(first.Result) + k.StdErr);
            Assert.Contains("Building the course library", Text(first.Result));
            Assert.Contains("Built.", Text(first.Result));
            Assert.True(File.Exists(dll));
            var profile = k.SubmitAsync("WganCourse.Runtime.Profile.Describe()");
            Assert.True(profile.Wait(TimeSpan.FromMinutes(2)) && profile.Result.Succeeded, Text(profile.Result));

            File.SetLastWriteTimeUtc(Path.Combine(root, "lib", "WganCourse", "Notebook.cs"), DateTime.UtcNow.AddMinutes(1));
            var again = k.SubmitAsync(setup);
            Assert.True(again.Wait(TimeSpan.FromMinutes(2)), "the set-up cell did not end within 2 minutes");
            Assert.False(again.Result.Succeeded);
            Assert.Contains("restart the kernel, then run this cell again", Text(again.Result));
            Assert.DoesNotContain("Building", Text(again.Result));
        }
        finally { try { Directory.Delete(root, true); } catch (IOException) { } }
    }
}
