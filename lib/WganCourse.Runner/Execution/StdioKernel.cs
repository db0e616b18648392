using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices; // StrongBox: a counter per submission
using System.Text;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Connection;
using Microsoft.DotNet.Interactive.Events;

namespace WganCourse.Runner.Execution;

/// <summary>One output of a submission: the event type (ReturnValueProduced,
/// DisplayedValueProduced, DisplayedValueUpdated, StandardOutputValueProduced, ...) and its values
/// by MIME type.</summary>
public sealed record KernelOutput(string EventType, string? ValueId,
                                  IReadOnlyDictionary<string, string> Values);

/// <summary>How a submission ended.</summary>
public sealed record SubmitResult(bool Succeeded, string? Error,
                                  IReadOnlyList<KernelOutput> Outputs, double Seconds)
{
    public bool Cancelled =>
        Error is not null && Error.Contains("cancel", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The pinned dotnet-interactive kernel in <c>stdio</c> mode, driven through the package's own
/// client (<see cref="StdIoKernelConnector"/> and a <see cref="ProxyKernel"/> for the remote
/// <c>csharp</c> kernel), as VS Code drives it. Disposing kills the kernel with its process tree
/// (a stdio kernel outlives its parent otherwise).
/// </summary>
public sealed class StdioKernel : IDisposable
{
    readonly StdIoKernelConnector connector;
    readonly ProxyKernel csharp;
    readonly Process process;
    readonly string stderrFile;
    readonly ConcurrentDictionary<string, StrongBox<int>> live = new();
    readonly IDisposable subscription;
    string? stderrAtExit;
    int disposed;

    StdioKernel(StdIoKernelConnector connector, ProxyKernel csharp, Process process, string stderr)
    {
        this.connector = connector; this.csharp = csharp; this.process = process;
        stderrFile = stderr;
        subscription = csharp.KernelEvents.Subscribe(new Counter(this));
    }

    /// <summary>Counts a running submission's outputs as they arrive (its result carries them all
    /// at the end).</summary>
    sealed class Counter(StdioKernel k) : IObserver<KernelEvent>
    {
        public void OnNext(KernelEvent e)
        {
            if (!IsOutput(e)) return;
            var token = e.Command.GetOrCreateToken();
            var root = token.Split('.')[0]; // a child command (a split-off directive): "root.n"
            if (k.live.TryGetValue(root, out var n)) Interlocked.Increment(ref n.Value);
        }
        public void OnError(Exception error) { }
        public void OnCompleted() { }
    }

    static bool IsOutput(KernelEvent e) => e is DisplayEvent or ErrorProduced;

    /// <summary>Starts the pinned kernel (restored with `dotnet tool restore` if missing) in
    /// <paramref name="workingDirectory"/> and waits until it is ready.
    /// <paramref name="wrapProcess"/> may rewrite the start (e.g. to sandbox it).</summary>
    public static StdioKernel Start(string workingDirectory,
                                    IDictionary<string, string>? environment = null,
                                    TimeSpan? startTimeout = null,
                                    Func<ProcessStartInfo, ProcessStartInfo>? wrapProcess = null)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory };
        var app = NotebookExecutor.KernelAssembly();
        foreach (var a in new[] { app, "stdio", "--default-kernel", "csharp" })
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        if (wrapProcess is not null) psi = wrapProcess(psi);

        var stderrFile = Path.GetTempFileName();
        var connector = new StdIoKernelConnector(CommandLine(psi, stderrFile), "wgan-root",
            KernelHost.CreateHostUri("wgan-" + Guid.NewGuid().ToString("N")[..8]),
            new DirectoryInfo(psi.WorkingDirectory));
        var timeout = startTimeout ?? TimeSpan.FromMinutes(3);
        Process? process = null;
        try
        {
            // CreateRootProxyKernelAsync waits for KernelReady without a limit (and forever if the
            // process exits with code 0 before it): the limit is ours
            var start = Task.Run(() => Connect(connector));
            // the connector does not hand out its Process: a handle by id, to see its exit and to
            // kill its tree
            process = SpinUntil(() => KernelProcess(connector), TimeSpan.FromSeconds(30));
            if (!start.Wait(timeout))
                throw new TimeoutException("dotnet-interactive stdio did not become ready within " +
                    $"{timeout.TotalSeconds:0} s. stderr: {ReadStderr(stderrFile)}");
            if (process is null) throw new InvalidOperationException("the kernel process was not found");
            return new StdioKernel(connector, start.Result, process, stderrFile);
        }
        catch (Exception e)
        {
            KillTree(process ?? KernelProcess(connector));
            connector.Dispose();
            var err = ReadStderr(stderrFile);
            try { File.Delete(stderrFile); } catch (IOException) { }
            if (e is TimeoutException) throw;
            var inner = e is AggregateException a ? a.Flatten().InnerException ?? e : e;
            throw new InvalidOperationException(
                $"dotnet-interactive stdio did not start: {inner.Message} stderr: {err}", inner);
        }
    }

    static async Task<ProxyKernel> Connect(StdIoKernelConnector connector)
    {
        // The connector marks the kernel ready before it caches the kernel's info, so its first
        // call can end in "Sequence contains no matching element" (from its
        // GetCachedKernelInfoForRemoteRoot); once cached, it works.
        for (int attempt = 1; ; attempt++)
        {
            try { await connector.CreateRootProxyKernelAsync(); break; }
            catch (InvalidOperationException) when (attempt < 20 && connector.ProcessId is not null)
            {
                await Task.Delay(50);
            }
        }
        return await connector.CreateProxyKernelAsync("csharp");
    }

    static T? SpinUntil<T>(Func<T?> find, TimeSpan limit) where T : class
    {
        var clock = Stopwatch.StartNew();
        for (T? found; ; Thread.Sleep(10))
            if ((found = find()) is not null || clock.Elapsed > limit) return found;
    }

    static Process? KernelProcess(StdIoKernelConnector connector)
    {
        try { return connector.ProcessId is { } id ? Process.GetProcessById(id) : null; }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return null; // not started yet
        }
    }

    /// <summary>
    /// The connector's command: it takes a command line, no environment, no stderr, and joins
    /// the arguments with spaces (unquoted) before appending <c>--kernel-host</c>. So the start
    /// (wrapped or not) becomes a command whose arguments are quoted as .NET splits them, prefixed
    /// by a shell that sends stderr to a file and by <c>env</c> with the variables this start sets
    /// (Windows: cmd's <c>set</c>; not tried there).
    /// </summary>
    internal static string[] CommandLine(ProcessStartInfo psi, string stderrFile)
    {
        if (!string.IsNullOrEmpty(psi.Arguments))
            throw new InvalidOperationException("StdioKernel needs the arguments in ArgumentList.");
        var inherited = Environment.GetEnvironmentVariables();
        var set = psi.Environment
            .Where(kv => kv.Value is not null && inherited[kv.Key] as string != kv.Value)
            .Select(kv => $"{kv.Key}={kv.Value}").ToList();
        var unset = inherited.Keys.Cast<string>()
            .Where(k => !psi.Environment.ContainsKey(k)).ToList();
        if (OperatingSystem.IsWindows())
        {
            var line = new StringBuilder("/d /c ");
            foreach (var k in unset) line.Append($"set \"{k}=\"&& ");
            foreach (var s in set) line.Append($"set \"{s}\"&& ");
            line.Append($"2>{Quote(stderrFile)} {Quote(psi.FileName)}");
            foreach (var a in psi.ArgumentList) line.Append(' ').Append(Quote(a));
            return new[] { "cmd.exe", line.ToString() };
        }
        var args = new List<string> { "-c", "exec \"$@\" 2>\"$0\"", stderrFile, "env" };
        foreach (var k in unset) { args.Add("-u"); args.Add(k); }
        args.AddRange(set);
        args.Add(psi.FileName);
        args.AddRange(psi.ArgumentList);
        return new[] { "sh" }.Concat(args.Select(Quote)).ToArray(); // sh and env from PATH
    }

    /// <summary>One argument quoted so that .NET's own splitting of
    /// <c>ProcessStartInfo.Arguments</c> gives it back unchanged (the rules of
    /// <c>CommandLineToArgvW</c>: quotes, and backslashes only before a quote).</summary>
    internal static string Quote(string arg)
    {
        if (arg.Length > 0 && !arg.Any(c => char.IsWhiteSpace(c) || c == '"')) return arg;
        var s = new StringBuilder("\"");
        int backslashes = 0;
        foreach (var c in arg)
        {
            if (c == '\\') { backslashes++; continue; }
            s.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes).Append(c);
            backslashes = 0;
        }
        return s.Append('\\', backslashes * 2).Append('"').ToString();
    }

    static string ReadStderr(string file)
    {
        try
        {
            var share = FileShare.ReadWrite | FileShare.Delete;
            using var f = new FileStream(file, FileMode.Open, FileAccess.Read, share);
            return new StreamReader(f).ReadToEnd();
        }
        catch (IOException) { return ""; }
    }

    public string StdErr => stderrAtExit ?? ReadStderr(stderrFile);
    public bool HasExited => process.HasExited;
    public int ProcessId => process.Id;

    /// <summary>Submits code (one cell) and returns when it ends.</summary>
    public async Task<SubmitResult> SubmitAsync(string code)
    {
        // A `#!csharp` line splits a cell into submissions run in order (the set-up cells build the
        // library before their `#r` loads it). The proxy never completes a submission holding one
        // (no event in 400 s, measured with 1.0.0-beta.26120.1): split here, as the kernel would.
        var clock = Stopwatch.StartNew();
        var outputs = new List<KernelOutput>();
        var parts = KernelSelector.Split(code).Where(p => p.Trim().Length > 0).DefaultIfEmpty(code);
        foreach (var part in parts)
        {
            var r = await SendAsync(new SubmitCode(part), keepOutputs: true);
            outputs.AddRange(r.Outputs);
            if (!r.Succeeded)
                return r with { Outputs = outputs, Seconds = clock.Elapsed.TotalSeconds };
        }
        return new SubmitResult(true, null, outputs, clock.Elapsed.TotalSeconds);
    }

    static readonly System.Text.RegularExpressions.Regex KernelSelector = new(
        @"^[ \t]*#!(?:csharp|c#|C#)[ \t]*\r?$\n?",
        System.Text.RegularExpressions.RegexOptions.Multiline);

    /// <summary>Outputs of a running submission so far (e.g. to wait for a live display before
    /// cancelling).</summary>
    public int OutputsSoFar => live.Values.Sum(n => Volatile.Read(ref n.Value));

    /// <summary>The stop button: cancels the running submission (it ends as "Command cancelled").
    /// </summary>
    public Task<SubmitResult> CancelAsync() => SendAsync(new Cancel(), keepOutputs: false);

    async Task<SubmitResult> SendAsync(KernelCommand command, bool keepOutputs)
    {
        var clock = Stopwatch.StartNew();
        var token = command.GetOrCreateToken();
        if (keepOutputs) live[token] = new StrongBox<int>(0);
        try
        {
            // on the pool: the proxy calls ExecutionContext.SuppressFlow() on the sending thread
            // and leaves it so
            var send = Task.Run(() => csharp.SendAsync(command));
            // a kernel that dies (a resource limit, a crash) never answers: its exit ends it
            var exit = process.WaitForExitAsync();
            if (await Task.WhenAny(send, exit) != send)
                await Task.WhenAny(send, Task.Delay(1000)); // events written before the exit
            if (!send.IsCompleted)
                return new SubmitResult(false, "the kernel process ended",
                                        Array.Empty<KernelOutput>(), clock.Elapsed.TotalSeconds);
            var result = await send;
            var failed = result.Events.OfType<CommandFailed>().LastOrDefault();
            var outputs = keepOutputs
                ? result.Events.Where(IsOutput).Select(ToOutput).ToList()
                : new List<KernelOutput>();
            return new SubmitResult(failed is null, failed?.Message, outputs,
                                    clock.Elapsed.TotalSeconds);
        }
        catch (Exception e)
            when (e is ObjectDisposedException or InvalidOperationException or IOException)
        {
            return new SubmitResult(false, "the kernel process ended: " + e.Message,
                                    Array.Empty<KernelOutput>(), clock.Elapsed.TotalSeconds);
        }
        finally { live.TryRemove(token, out _); }
    }

    static KernelOutput ToOutput(KernelEvent e)
    {
        var values = new Dictionary<string, string>();
        string? valueId = null;
        if (e is DisplayEvent d)
        {
            foreach (var v in d.FormattedValues) values[v.MimeType] = v.Value;
            valueId = d.ValueId;
        }
        if (e is ErrorProduced err) values["text/plain"] = err.Message;
        return new KernelOutput(e.GetType().Name, valueId, values);
    }

    static void KillTree(Process? p)
    {
        if (p is null) return;
        try { if (!p.HasExited) p.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        try { p.WaitForExit(5000); } catch (InvalidOperationException) { }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        // our own tree kill first: the connector's Dispose kills the tree too but does not wait
        KillTree(process);
        subscription.Dispose();
        csharp.Dispose();
        connector.Dispose();
        stderrAtExit = ReadStderr(stderrFile);
        try { File.Delete(stderrFile); } catch (IOException) { }
    }
}
