using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Documents;
using Jupyter = Microsoft.DotNet.Interactive.Documents.Jupyter.Notebook;

namespace WganCourse.Runner.Execution;

/// <summary>
/// Executes a notebook in the pinned dotnet-interactive kernel in stdio mode (<see cref="StdioKernel"/>), without
/// Python: the same events, executed copy (Jupyter's .ipynb format, outputs included), time limits, stop at the first
/// failing cell and --allow-errors as the Jupyter path (nbdriver.py), whose JSON event lines it also writes to the log.
/// </summary>
static class StdioExecutor
{
    public static ExecutionResult Execute(string notebook, string output, IDictionary<string, string> environment, TimeSpan limit,
                                          Action<CellEvent>? onEvent, int cellTimeoutSeconds, bool allowErrors, string? workingDirectory,
                                          Func<ProcessStartInfo, ProcessStartInfo>? wrapProcess)
    {
        var sw = Stopwatch.StartNew();
        var log = new System.Text.StringBuilder();
        var cells = new List<double>();
        var doc = Jupyter.Parse(File.ReadAllText(notebook));
        var all = doc.Elements;
        var code = Enumerable.Range(0, all.Count)
            .Where(i => all[i].KernelName != "markdown").ToList();
        void Emit(string kind, int index = 0, int ordinal = 0, double seconds = 0, string? firstLine = null, string? message = null, string? errorKind = null)
        {
            var o = new JsonObject { ["event"] = kind, ["index"] = index };
            if (ordinal > 0) { o["ordinal"] = ordinal; o["total"] = code.Count; }
            if (seconds > 0) o["seconds"] = Math.Round(seconds, 3);
            if (firstLine is not null) o["first_line"] = firstLine;
            if (message is not null) o["message"] = message;
            if (errorKind is not null) o["kind"] = errorKind;
            log.AppendLine(o.ToJsonString());
            onEvent?.Invoke(new CellEvent(kind, index, ordinal, code.Count, seconds, firstLine, message));
        }
        Emit("start");
        Outcome outcome = Outcome.Ok; int? failed = null; string? error = null;
        var cwd = workingDirectory ?? Path.GetDirectoryName(Path.GetFullPath(notebook))!;
        StdioKernel kernel;
        try { kernel = StdioKernel.Start(cwd, environment, TimeSpan.FromMinutes(3), wrapProcess); }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or AggregateException)
        {
            // worded as the Jupyter path words it, so Execute starts the kernel again
            log.AppendLine("Kernel died before replying to kernel_info (stdio kernel did not start): " + e.Message);
            return new ExecutionResult(Path.GetFileName(notebook), output, Outcome.HostError, null, "the kernel did not start: " + e.Message,
                                       sw.Elapsed.TotalSeconds, cells, log.ToString());
        }
        using (kernel)
        {
            int count = 0;
            foreach (var (index, ordinal) in code.Select((i, n) => (i, n + 1)))
            {
                var cell = all[index];
                var source = cell.Contents;
                cell.Outputs.Clear();
                cell.ExecutionOrder = 0;
                Emit("cell_start", index, ordinal, firstLine: (source.Split('\n').FirstOrDefault() ?? "")[..Math.Min(80, (source.Split('\n').FirstOrDefault() ?? "").Length)]);
                var clock = Stopwatch.StartNew();
                var task = kernel.SubmitAsync(source);
                var cellLimit = TimeSpan.FromSeconds(cellTimeoutSeconds);
                bool stopped = false;
                while (!task.IsCompleted && clock.Elapsed < cellLimit && sw.Elapsed < limit && !(stopped = NotebookExecutor.Stopping.IsCancellationRequested))
                    task.Wait(200);
                if (!task.IsCompleted)
                {
                    kernel.Dispose(); // the kernel with its process tree
                    outcome = stopped ? Outcome.Stopped : Outcome.Timeout;
                    failed = index;
                    error = stopped ? "stopped by the user (Ctrl+C); the kernel and its children were ended"
                          : clock.Elapsed >= cellLimit ? $"cell {index} exceeded the cell timeout of {cellTimeoutSeconds} s (kernel killed)"
                          : $"notebook exceeded its time limit of {limit.TotalSeconds:0} s (killed with its kernel)";
                    Emit("error", index, errorKind: stopped ? "stopped" : "timeout", message: error);
                    break;
                }
                var r = task.Result;
                cell.ExecutionOrder = ++count;
                cell.Outputs.AddRange(Outputs(r, count));
                cells.Add(clock.Elapsed.TotalSeconds);
                Emit("cell_done", index, seconds: clock.Elapsed.TotalSeconds);
                if (!r.Succeeded)
                {
                    var stderr = string.Concat(r.Outputs.Where(o => o.EventType == "StandardErrorValueProduced").Select(o => o.Values.GetValueOrDefault("text/plain")));
                    var message = ((r.Error ?? "error") + (stderr.Length > 0 ? " " + stderr.Trim() : ""));
                    if (kernel.HasExited)
                    {
                        outcome = Outcome.KernelDied; failed = index; error = message;
                        Emit("error", index, errorKind: "dead-kernel", message: message);
                        break;
                    }
                    if (allowErrors) { Emit("cell_error", index, message: message[^Math.Min(2000, message.Length)..]); continue; }
                    outcome = Outcome.CellFailed; failed = index; error = message;
                    Emit("error", index, errorKind: "cell", message: message[^Math.Min(4000, message.Length)..]);
                    break;
                }
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, ToIpynb(doc));
        Emit("done");
        return new ExecutionResult(Path.GetFileName(notebook), output, outcome, failed, error, sw.Elapsed.TotalSeconds, cells, log.ToString());
    }

    /// <summary>The notebook as .ipynb (nbformat 4.5): each cell keeps its metadata (the kernel
    /// name VS Code reads) and gets an id if it had none (4.5 requires one).</summary>
    public static string ToIpynb(InteractiveDocument doc)
    {
        var ids = new HashSet<string>();
        foreach (var e in doc.Elements)
            if (e.Id is null || !ids.Add(e.Id)) ids.Add(e.Id = Guid.NewGuid().ToString("N")[..8]);
        return Jupyter.ToJupyterJson(doc) + "\n";
    }

    /// <summary>Kernel events as Jupyter outputs: return value → execute_result, display →
    /// display_data (an update replaces the display it updates, as Jupyter's update_display_data
    /// does), stdout/stderr → stream, failure → error.</summary>
    static List<InteractiveDocumentOutputElement> Outputs(SubmitResult r, int executionCount)
    {
        var outputs = new List<InteractiveDocumentOutputElement>();
        var displays = new Dictionary<string, DisplayElement>();
        static Dictionary<string, object> Data(KernelOutput o) =>
            o.Values.ToDictionary(v => v.Key, v => (object)v.Value);
        foreach (var o in r.Outputs)
            switch (o.EventType)
            {
                case "ReturnValueProduced":
                    var value = new ReturnValueElement { ExecutionOrder = executionCount };
                    foreach (var (mime, data) in o.Values) value.Data[mime] = data;
                    outputs.Add(value);
                    break;
                case "DisplayedValueProduced":
                    var d = new DisplayElement(Data(o));
                    outputs.Add(d);
                    if (o.ValueId is not null) displays[o.ValueId] = d;
                    break;
                case "DisplayedValueUpdated"
                    when o.ValueId is not null && displays.TryGetValue(o.ValueId, out var shown):
                    shown.Data.Clear();
                    foreach (var (mime, data) in o.Values) shown.Data[mime] = data;
                    break;
                case "StandardOutputValueProduced" or "StandardErrorValueProduced":
                    var text = o.Values.GetValueOrDefault("text/plain")
                               ?? string.Concat(o.Values.Values);
                    var name = o.EventType.StartsWith("StandardOutput") ? "stdout" : "stderr";
                    outputs.Add(new TextElement(text, name));
                    break;
            }
        if (!r.Succeeded)
        {
            var msg = r.Error ?? "error";
            var colon = msg.IndexOf(": ", StringComparison.Ordinal);
            var named = colon > 0 && !msg[..colon].Contains(' ');
            outputs.Add(new ErrorElement(errorValue: named ? msg[(colon + 2)..] : msg,
                                         errorName: named ? msg[..colon] : "Error",
                                         stackTrace: msg.Split('\n')));
        }
        return outputs;
    }
}
