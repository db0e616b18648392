using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WganCourse.Runner.Execution;

/// <summary>One output of a submission: the event type (ReturnValueProduced, DisplayedValueProduced,
/// DisplayedValueUpdated, StandardOutputValueProduced, ...) and its values by MIME type.</summary>
public sealed record KernelOutput(string EventType, string? ValueId, IReadOnlyDictionary<string, string> Values);

/// <summary>How a submission ended.</summary>
public sealed record SubmitResult(bool Succeeded, string? Error, IReadOnlyList<KernelOutput> Outputs, double Seconds)
{
    public bool Cancelled => Error is not null && Error.Contains("cancel", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The pinned dotnet-interactive kernel driven in <c>stdio</c> mode (the protocol the VS Code extension speaks):
/// JSON command envelopes on its stdin (SubmitCode, Cancel), JSON event envelopes on its stdout. No Python, no Jupyter.
/// Disposing kills the kernel with its process tree (a stdio kernel whose parent dies keeps running otherwise).
/// </summary>
public sealed class StdioKernel : IDisposable
{
    readonly Process process;
    readonly ConcurrentDictionary<string, Pending> pending = new();
    readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly System.Text.StringBuilder stderr = new();
    int next;

    sealed class Pending
    {
        public readonly List<KernelOutput> Outputs = new();
        public readonly TaskCompletionSource<(bool Ok, string? Error)> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly Stopwatch Clock = Stopwatch.StartNew();
    }

    StdioKernel(Process p)
    {
        process = p;
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        p.BeginErrorReadLine();
        new Thread(Read) { IsBackground = true, Name = "stdio-kernel-reader" }.Start();
    }

    /// <summary>Starts the pinned kernel (restored with `dotnet tool restore` if missing) in <paramref name="workingDirectory"/>
    /// and waits until it is ready. <paramref name="wrapProcess"/> may rewrite the start (e.g. to sandbox it).</summary>
    public static StdioKernel Start(string workingDirectory, IDictionary<string, string>? environment = null, TimeSpan? startTimeout = null,
                                    Func<ProcessStartInfo, ProcessStartInfo>? wrapProcess = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        foreach (var a in new[] { NotebookExecutor.KernelAssembly(), "stdio", "--default-kernel", "csharp" }) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        if (wrapProcess is not null) psi = wrapProcess(psi);
        var kernel = new StdioKernel(Process.Start(psi)!);
        var timeout = startTimeout ?? TimeSpan.FromMinutes(3);
        if (!kernel.ready.Task.Wait(timeout))
        {
            var err = kernel.StdErr;
            kernel.Dispose();
            throw new TimeoutException($"dotnet-interactive stdio did not become ready within {timeout.TotalSeconds:0} s. stderr: {err}");
        }
        return kernel;
    }

    public string StdErr { get { lock (stderr) return stderr.ToString(); } }
    public bool HasExited => process.HasExited;
    public int ProcessId => process.Id;

    /// <summary>Submits code (one cell) and returns when it ends.</summary>
    public Task<SubmitResult> SubmitAsync(string code)
    {
        var token = "wgan-" + Interlocked.Increment(ref next);
        var p = pending[token] = new Pending();
        Send("SubmitCode", new JsonObject { ["code"] = code, ["targetKernelName"] = "csharp" }, token);
        return p.Done.Task.ContinueWith(t =>
        {
            pending.TryRemove(token, out _);
            lock (p.Outputs) return new SubmitResult(t.Result.Ok, t.Result.Error, p.Outputs.ToList(), p.Clock.Elapsed.TotalSeconds);
        });
    }

    /// <summary>Outputs of a running submission so far (e.g. to wait for a live display before cancelling).</summary>
    public int OutputsSoFar => pending.Values.Sum(p => { lock (p.Outputs) return p.Outputs.Count; });

    /// <summary>The stop button: cancels the running submission (the kernel answers it as "Command cancelled").</summary>
    public Task<SubmitResult> CancelAsync()
    {
        var token = "wgan-cancel-" + Interlocked.Increment(ref next);
        var p = pending[token] = new Pending();
        Send("Cancel", new JsonObject(), token);
        return p.Done.Task.ContinueWith(t =>
        {
            pending.TryRemove(token, out _);
            return new SubmitResult(t.Result.Ok, t.Result.Error, Array.Empty<KernelOutput>(), p.Clock.Elapsed.TotalSeconds);
        });
    }

    void Send(string commandType, JsonObject command, string token)
    {
        var envelope = new JsonObject { ["commandType"] = commandType, ["command"] = command, ["token"] = token };
        try
        {
            lock (process)
            {
                process.StandardInput.WriteLine(envelope.ToJsonString());
                process.StandardInput.Flush();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // the kernel is gone (killed by a resource limit, or crashed): the command fails like any command of a dead kernel
            if (pending.TryGetValue(token, out var p)) p.Done.TrySetResult((false, "the kernel process ended: " + e.Message));
        }
    }

    void Read()
    {
        try { ReadLines(); }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or IOException) { } // killed by Dispose
        foreach (var p in pending.Values) p.Done.TrySetResult((false, "the kernel process ended"));
        ready.TrySetException(new InvalidOperationException("the kernel process ended before it was ready"));
    }

    void ReadLines()
    {
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null)
        {
            if (!line.StartsWith('{')) continue; // the tool's banner
            JsonNode? e;
            try { e = JsonNode.Parse(line); } catch (JsonException) { continue; }
            var type = e?["eventType"]?.GetValue<string>();
            if (type is null) continue;
            if (type == "KernelReady") { ready.TrySetResult(); continue; }
            var token = e!["command"]?["token"]?.GetValue<string>();
            if (token is null) continue;
            var root = token.Split('.')[0]; // child commands (e.g. the kernel's own setup) carry "token.n"
            if (!pending.TryGetValue(root, out var p)) continue;
            var ev = e["event"];
            switch (type)
            {
                case "CommandSucceeded" when token == root: p.Done.TrySetResult((true, null)); break;
                case "CommandFailed" when token == root: p.Done.TrySetResult((false, ev?["message"]?.GetValue<string>())); break;
                case "ReturnValueProduced" or "DisplayedValueProduced" or "DisplayedValueUpdated"
                    or "StandardOutputValueProduced" or "StandardErrorValueProduced" or "ErrorProduced":
                    var values = new Dictionary<string, string>();
                    foreach (var v in ev?["formattedValues"]?.AsArray() ?? new JsonArray())
                        if (v?["mimeType"]?.GetValue<string>() is { } mime) values[mime] = v["value"]?.GetValue<string>() ?? "";
                    if (type == "ErrorProduced" && ev?["message"]?.GetValue<string>() is { } msg) values["text/plain"] = msg;
                    lock (p.Outputs) p.Outputs.Add(new KernelOutput(type, ev?["valueId"]?.GetValue<string>(), values));
                    break;
            }
        }
    }

    public void Dispose()
    {
        try { if (!process.HasExited) process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        try { process.WaitForExit(5000); } catch (InvalidOperationException) { }
        // not process.Dispose(): the reader thread may still be reading its stdout; it ends at end of stream
    }
}
