using System.Diagnostics;
using System.Text.Json;

namespace WganCourse.Tests.Notebooks;

/// <summary>Starts the runner (the copy in the test's output folder) as a separate process, as a user would.</summary>
static class RunnerProcess
{
    public sealed record Result(int ExitCode, string Output, string OutDir)
    {
        public JsonElement Claims => JsonDocument.Parse(File.ReadAllText(Path.Combine(OutDir, "claims.json"))).RootElement;
    }

    public static Result Run(params string[] args) => RunWith(null, args);

    /// <summary>As <see cref="Run"/>, with extra environment variables (e.g. WGAN_COURSE_ENGINE=stdio).</summary>
    public static Result RunWith(IDictionary<string, string>? environment, params string[] args) =>
        RunWith(environment, TimeSpan.FromMinutes(20), args);

    /// <summary>As <see cref="RunWith(IDictionary{string, string}?, string[])"/>, killed after <paramref name="limit"/>.</summary>
    public static Result RunWith(IDictionary<string, string>? environment, TimeSpan limit, params string[] args)
    {
        var outDir = Directory.CreateTempSubdirectory("wgan-runner-").FullName;
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = TestPaths.Repo, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "WganCourse.Runner.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a.Replace("{out}", outDir));
        psi.Environment["COLUMNS"] = "200";
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(); var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit)) { p.Kill(true); throw new TimeoutException($"runner did not finish in {limit.TotalMinutes:0} minutes"); }
        return new Result(p.ExitCode, stdout.Result + stderr.Result, outDir);
    }

    public static string Fixture(string name) => Path.Combine(TestPaths.Repo, "tests", "fixtures", "notebooks", name);
}
