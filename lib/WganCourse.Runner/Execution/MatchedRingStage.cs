using System.Diagnostics;
using WganCourse.Runtime;
using WganCourse.Training;

namespace WganCourse.Runner.Execution;

/// <summary> The course command's matched-ring stage: one objective of the matched ring experiment
/// trained in a child process of this runner (`matched-ring --fill`), which stores it for the
/// notebooks that read it (<see cref="MatchedRingStore"/>). A process of its own, as a notebook has
/// its kernel: two runs at once must not share libtorch's global generator. </summary>
static class MatchedRingStage
{
    public sealed record Outcome(bool Ok, double Seconds, string? Error);

    public static Outcome Run(RingObjective which, string profile, TimeSpan limit,
                              CancellationToken stop, Action<string> say)
    {
        var clock = Stopwatch.StartNew();
        var self = typeof(MatchedRingStage).Assembly.Location;
        var host = Environment.ProcessPath ?? "dotnet";
        // run as `dotnet Runner.dll` (host dotnet) or as the apphost itself
        bool viaDotnet = Path.GetFileNameWithoutExtension(host)
            .Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        var psi = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = Repo.Root,
        };
        if (viaDotnet) psi.ArgumentList.Add(self);
        foreach (var a in new[] { "matched-ring", "--fill", which.ToString() }) psi.ArgumentList.Add(a);
        psi.Environment[Profile.Variable] = profile;
        var errors = new List<string>();
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line && !line.StartsWith("WganCourse ", StringComparison.Ordinal))
                say("  " + line);
        };
        p.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) lock (errors) errors.Add(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using (stop.Register(() => { try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
        {
            if (!p.WaitForExit(limit))
            {
                try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                p.WaitForExit();
                return new Outcome(false, clock.Elapsed.TotalSeconds,
                    $"over the limit of {limit.TotalSeconds:0} s; the notebooks that read it train it themselves");
            }
            p.WaitForExit(); // drains the output handlers
        }
        if (stop.IsCancellationRequested) return new Outcome(false, clock.Elapsed.TotalSeconds, "stopped");
        return p.ExitCode == 0 ? new Outcome(true, clock.Elapsed.TotalSeconds, null)
            : new Outcome(false, clock.Elapsed.TotalSeconds,
                $"exit code {p.ExitCode}: {string.Join(" ", errors.TakeLast(3))}");
    }
}
