using System.Diagnostics;
using System.Text.Json;

namespace WganCourse.Runner.Execution;

/// <summary>How one notebook's execution ended.</summary>
public enum Outcome { Ok, CellFailed, Timeout, KernelDied, HostError, Stopped }

public sealed record CellEvent(string Kind, int Index, int Ordinal, int Total, double Seconds, string? FirstLine, string? Message);

public sealed record ExecutionResult(string Notebook, string OutputPath, Outcome Outcome, int? FailedCell, string? Error, double Seconds,
                                     IReadOnlyList<double> CellSeconds, string Log);

/// <summary>
/// Executes a notebook in the real .NET Interactive kernel (the pinned dotnet-interactive tool, the one VS Code and
/// Jupyter users run), driven by Jupyter's nbclient through lib/WganCourse.Runner/nbdriver.py. The kernel process is
/// a child of the driver; a notebook that outlives its time limit is killed with its whole process tree.
/// </summary>
public static class NotebookExecutor
{
    /// <summary>The Python that runs Jupyter's notebook client (nbdriver.py), found on PATH.</summary>
    public static string Python => Tools.PythonWith("nbclient", "nbformat", "jupyter_client")
        ?? throw new InvalidOperationException("no python3 with Jupyter's notebook client on PATH: " + Tools.Fix("jupyter", Tools.CurrentOs));

    /// <summary>
    /// Writes a kernelspec for the pinned dotnet-interactive tool under artifacts/jupyter (used as JUPYTER_PATH). It starts the
    /// tool's entry assembly by absolute path, so the kernel also starts for notebooks outside the repository (grading).
    /// </summary>
    public static string EnsureKernelSpec()
    {
        var jupyter = Path.Combine(Repo.Artifacts, "jupyter");
        var spec = Path.Combine(jupyter, "kernels", ".net-csharp", "kernel.json");
        var app = KernelAssembly();
        var argv = new[] { "dotnet", app, "jupyter", "--default-kernel", "csharp", "{connection_file}", "--http-port-range", "2048-3000" };
        var json = JsonSerializer.Serialize(new { argv, display_name = ".NET (C#)", language = "C#" }, new JsonSerializerOptions { WriteIndented = true });
        if (File.Exists(spec) && File.ReadAllText(spec) == json) return jupyter;
        Directory.CreateDirectory(Path.GetDirectoryName(spec)!);
        File.WriteAllText(spec, json);
        return jupyter;
    }

    /// <summary>The pinned tool's entry assembly in the NuGet cache (restored by `dotnet tool restore` if missing).</summary>
    public static string KernelAssembly()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, ".config", "dotnet-tools.json")));
        var version = manifest.RootElement.GetProperty("tools").GetProperty("microsoft.dotnet-interactive").GetProperty("version").GetString()!;
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var dir = Path.Combine(packages, "microsoft.dotnet-interactive", version, "tools");
        string? Find() => Directory.Exists(dir) ? Directory.GetFiles(dir, "Microsoft.DotNet.Interactive.App.dll", SearchOption.AllDirectories).FirstOrDefault() : null;
        var app = Find();
        if (app is null)
        {
            try { Run("dotnet", "tool restore", Repo.Root); }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException(Tools.ToolRestoreFailed(version, e.Message, Repo.Root, Tools.CurrentOs), e);
            }
            app = Find();
        }
        return app ?? throw new InvalidOperationException($"dotnet-interactive {version} is not restored: run `dotnet tool restore` in the repository.");
    }

    static void Run(string file, string args, string cwd)
    {
        var psi = new ProcessStartInfo(file, args) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync(); p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"`{file} {args}` failed ({p.ExitCode}): {err.Result}");
    }

    /// <summary>Ctrl+C in reproduce/grade: when this token is cancelled, the running notebook's driver and kernel are
    /// killed with their process tree and its result says <see cref="Outcome.Stopped"/> (the report is still written).</summary>
    public static CancellationToken Stopping { get; set; }

    /// <summary>Kernel start-up attempts: a kernel that dies before answering kernel_info (seen when several kernels start
    /// at once and their web servers race for a port) is started again; no cell has run by then.</summary>
    const int StartAttempts = 3;

    /// <summary>WGAN_COURSE_ENGINE: <c>jupyter</c> (Jupyter's notebook client, nbdriver.py), <c>stdio</c> (the kernel's own
    /// protocol from C#, no Python) or <c>auto</c> (default: Jupyter where python3 with nbclient is installed, as in CI,
    /// else stdio).</summary>
    public const string EngineVariable = "WGAN_COURSE_ENGINE";

    /// <summary>The engine <see cref="Execute"/> uses (see <see cref="EngineVariable"/>).</summary>
    public static string Engine
    {
        get
        {
            var e = (Environment.GetEnvironmentVariable(EngineVariable) ?? "auto").Trim().ToLowerInvariant();
            if (e is "jupyter" or "stdio") return e;
            if (e != "auto" && e != "") throw new ArgumentException($"{EngineVariable}='{e}' is not an engine; use auto, jupyter or stdio.");
            return engine ??= HasJupyterClient() ? "jupyter" : "stdio";
        }
    }
    static string? engine;

    static bool HasJupyterClient() => Tools.PythonWith("nbclient", "nbformat", "jupyter_client") is not null;

    public static ExecutionResult Execute(string notebook, string output, IDictionary<string, string> environment, TimeSpan limit,
                                          Action<CellEvent>? onEvent = null, int cellTimeoutSeconds = 900, bool allowErrors = false, string? workingDirectory = null,
                                          Func<ProcessStartInfo, ProcessStartInfo>? wrapProcess = null)
    {
        for (int attempt = 1; ; attempt++)
        {
            var result = Engine == "stdio"
                ? StdioExecutor.Execute(notebook, output, environment, limit, onEvent, cellTimeoutSeconds, allowErrors, workingDirectory, wrapProcess)
                : ExecuteOnce(notebook, output, environment, limit, onEvent, cellTimeoutSeconds, allowErrors, workingDirectory, wrapProcess);
            // two kernels starting at once: one may die before its first reply, or when its web server finds
            // the port it chose taken (Kestrel "Failed to bind to address"; reproduce --jobs, grade --jobs)
            bool diedAtStart = result.CellSeconds.Count == 0 &&
                ((result.Outcome == Outcome.HostError &&
                  result.Log.Contains("Kernel died before replying to kernel_info", StringComparison.Ordinal)) ||
                 (result.Outcome == Outcome.KernelDied &&
                  result.Log.Contains("Failed to bind to address", StringComparison.Ordinal)));
            if (!diedAtStart || attempt == StartAttempts || Stopping.IsCancellationRequested) return result;
            Thread.Sleep(TimeSpan.FromSeconds(1 + Random.Shared.NextDouble() * 2));
        }
    }

    static ExecutionResult ExecuteOnce(string notebook, string output, IDictionary<string, string> environment, TimeSpan limit,
                                       Action<CellEvent>? onEvent, int cellTimeoutSeconds, bool allowErrors, string? workingDirectory,
                                       Func<ProcessStartInfo, ProcessStartInfo>? wrapProcess)
    {
        var python = Python;
        var jupyter = EnsureKernelSpec();
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var driver = Path.Combine(Repo.Root, "lib", "WganCourse.Runner", "nbdriver.py");
        var cwd = workingDirectory ?? Path.GetDirectoryName(Path.GetFullPath(notebook))!;
        var psi = new ProcessStartInfo(python)
        {
            WorkingDirectory = cwd,
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var a in new[] { driver, Path.GetFullPath(notebook), Path.GetFullPath(output), "--cell-timeout", cellTimeoutSeconds.ToString(),
                                  "--cwd", cwd })
            psi.ArgumentList.Add(a);
        if (allowErrors) psi.ArgumentList.Add("--allow-errors");
        psi.Environment["JUPYTER_PATH"] = jupyter;
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        if (wrapProcess is not null) psi = wrapProcess(psi); // the driver starts the kernel as its child: the wrap covers both

        var sw = Stopwatch.StartNew();
        var log = new System.Text.StringBuilder();
        var cells = new List<double>();
        Outcome outcome = Outcome.Ok; int? failed = null; string? error = null; bool sawDone = false;
        using var p = Process.Start(psi)!;
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        p.BeginErrorReadLine();
        var reader = Task.Run(() =>
        {
            string? line;
            while ((line = p.StandardOutput.ReadLine()) is not null)
            {
                lock (log) log.AppendLine(line);
                if (!line.StartsWith('{')) continue;
                JsonElement ev;
                try { ev = JsonDocument.Parse(line).RootElement; } catch (JsonException) { continue; }
                var kind = ev.GetProperty("event").GetString()!;
                int Int(string n) => ev.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
                string? Str(string n) => ev.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                double seconds = ev.TryGetProperty("seconds", out var s) ? s.GetDouble() : 0;
                switch (kind)
                {
                    case "cell_done": cells.Add(seconds); break;
                    case "error":
                        failed = Int("index"); error = Str("message");
                        outcome = Str("kind") switch { "timeout" => Outcome.Timeout, "dead-kernel" => Outcome.KernelDied, _ => Outcome.CellFailed };
                        break;
                    case "done": sawDone = true; break;
                }
                onEvent?.Invoke(new CellEvent(kind, Int("index"), Int("ordinal"), Int("total"), seconds, Str("first_line"), Str("message")));
            }
        });
        bool exited = false, stopped = false;
        while (!exited && sw.Elapsed < limit && !(stopped = Stopping.IsCancellationRequested))
            exited = p.WaitForExit(TimeSpan.FromMilliseconds(Math.Clamp((limit - sw.Elapsed).TotalMilliseconds, 1, 200)));
        if (!exited && !p.HasExited)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit();
            outcome = stopped ? Outcome.Stopped : Outcome.Timeout;
            error = stopped ? "stopped by the user (Ctrl+C); the kernel and its children were ended"
                            : $"notebook exceeded its time limit of {limit.TotalSeconds:0} s (killed with its kernel)";
            failed ??= -1;
        }
        reader.Wait(TimeSpan.FromSeconds(10));
        if (outcome == Outcome.Ok && (!sawDone || p.ExitCode != 0))
        {
            outcome = Outcome.HostError;
            error = $"the notebook driver exited with code {p.ExitCode} without finishing; its log:\n{Tail(log.ToString(), 3000)}";
        }
        return new ExecutionResult(Path.GetFileName(notebook), output, outcome, failed, error, sw.Elapsed.TotalSeconds, cells, log.ToString());
    }

    static string Tail(string s, int n) => s.Length <= n ? s : s[^n..];
}
