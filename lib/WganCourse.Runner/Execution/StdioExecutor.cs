using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

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
        var doc = JsonNode.Parse(File.ReadAllText(notebook))!;
        var all = doc["cells"]!.AsArray();
        var code = Enumerable.Range(0, all.Count).Where(i => all[i]!["cell_type"]!.GetValue<string>() == "code").ToList();
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
                var cell = all[index]!.AsObject();
                var source = cell["source"] is JsonArray lines ? string.Concat(lines.Select(l => l!.GetValue<string>())) : cell["source"]?.GetValue<string>() ?? "";
                cell["outputs"] = new JsonArray();
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
                cell["execution_count"] = ++count;
                cell["outputs"] = Outputs(r, count);
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
        File.WriteAllText(output, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        Emit("done");
        return new ExecutionResult(Path.GetFileName(notebook), output, outcome, failed, error, sw.Elapsed.TotalSeconds, cells, log.ToString());
    }

    /// <summary>Kernel events as Jupyter outputs (nbformat 4): return value → execute_result, display → display_data (an
    /// update replaces the display it updates, as Jupyter's update_display_data does), stdout/stderr → stream, failure → error.</summary>
    static JsonArray Outputs(SubmitResult r, int executionCount)
    {
        var outputs = new List<JsonObject>();
        var displays = new Dictionary<string, JsonObject>();
        JsonObject Data(KernelOutput o)
        {
            var data = new JsonObject();
            foreach (var (mime, value) in o.Values) data[mime] = value;
            return data;
        }
        foreach (var o in r.Outputs)
            switch (o.EventType)
            {
                case "ReturnValueProduced":
                    outputs.Add(new JsonObject { ["output_type"] = "execute_result", ["data"] = Data(o), ["metadata"] = new JsonObject(), ["execution_count"] = executionCount });
                    break;
                case "DisplayedValueProduced":
                    var d = new JsonObject { ["output_type"] = "display_data", ["data"] = Data(o), ["metadata"] = new JsonObject() };
                    outputs.Add(d);
                    if (o.ValueId is not null) displays[o.ValueId] = d;
                    break;
                case "DisplayedValueUpdated" when o.ValueId is not null && displays.TryGetValue(o.ValueId, out var shown):
                    shown["data"] = Data(o);
                    break;
                case "StandardOutputValueProduced" or "StandardErrorValueProduced":
                    outputs.Add(new JsonObject
                    {
                        ["output_type"] = "stream", ["name"] = o.EventType.StartsWith("StandardOutput") ? "stdout" : "stderr",
                        ["text"] = o.Values.GetValueOrDefault("text/plain") ?? string.Concat(o.Values.Values),
                    });
                    break;
            }
        if (!r.Succeeded)
        {
            var msg = r.Error ?? "error";
            var colon = msg.IndexOf(": ", StringComparison.Ordinal);
            outputs.Add(new JsonObject
            {
                ["output_type"] = "error",
                ["ename"] = colon > 0 && !msg[..colon].Contains(' ') ? msg[..colon] : "Error",
                ["evalue"] = colon > 0 && !msg[..colon].Contains(' ') ? msg[(colon + 2)..] : msg,
                ["traceback"] = new JsonArray(msg.Split('\n').Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
            });
        }
        return new JsonArray(outputs.Cast<JsonNode?>().ToArray());
    }
}
