using Microsoft.DotNet.Interactive.Documents;
using Spectre.Console;
using Jupyter = Microsoft.DotNet.Interactive.Documents.Jupyter.Notebook;
using WganCourse.Runner.Execution;
using WganCourse.Runtime;
using WganCourse.Training;
using Profile = WganCourse.Runtime.Profile;

namespace WganCourse.Runner.Verbs;

/// <summary>
/// `reproduce [--profile smoke|cpu|full] [--seed-block K] [--timeout SECONDS] [--out DIR] [--no-html] [--screenshots]
/// [--twice] [--jobs N] [notebook ...]`: runs every notebook
/// (or the ones named) in the real kernel, N kernels at a time (default: one per core the memory allows, as `grade`;
/// every notebook trains on one libtorch thread, so two at once use a 2-core machine's second core and change no
/// number), gathers their claims, writes executed copies, claims.json and report.html in notebook order. Exit code 0
/// only if every notebook ran through and no claim failed.
/// </summary>
static class Reproduce
{
    public static int Run(string[] args)
    {
        var profile = Profile.Parse(Environment.GetEnvironmentVariable(Profile.Variable));
        double? timeout = null; string? outDir = null; bool html = true, shots = false, twice = false;
        int? seedBlock = null, jobs = null;
        var selected = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--profile" when i + 1 < args.Length: profile = Profile.Parse(args[++i]); break;
                case "--timeout" when i + 1 < args.Length: timeout = double.Parse(args[++i]); break;
                case "--out" when i + 1 < args.Length: outDir = Path.GetFullPath(args[++i]); break; // the kernel runs in notebooks/
                case "--no-html": html = false; break;
                case "--screenshots": shots = true; break;
                case "--twice": twice = true; break;
                case "--jobs" when i + 1 < args.Length:
                    if (!int.TryParse(args[++i], out var j) || j < 1)
                    {
                        AnsiConsole.MarkupLine("[red]--jobs takes a whole number ≥ 1[/] (notebooks run at once)");
                        return 2;
                    }
                    jobs = j; break;
                case "--seed-block" when i + 1 < args.Length:
                    if (!int.TryParse(args[++i], out var k) || k < 0)
                    {
                        AnsiConsole.MarkupLine("[red]--seed-block takes a whole number ≥ 0[/] (0: the seeds as written)");
                        return 2;
                    }
                    seedBlock = k; break;
                default:
                    if (args[i].StartsWith("--")) { AnsiConsole.MarkupLine($"[red]unknown option {Markup.Escape(args[i])}[/]"); return 2; }
                    selected.Add(args[i]); break;
            }
        }
        var notebooks = Resolve(selected);
        if (notebooks.Count == 0) { AnsiConsole.MarkupLine("[red]no notebooks found[/] under " + Markup.Escape(Repo.Notebooks)); return 2; }
        var name = profile.ToString().ToLowerInvariant();
        var limit = TimeSpan.FromSeconds(timeout ?? profile switch { ProfileName.Smoke => 300, ProfileName.Cpu => 900, _ => 7200 });
        // the block reaches every kernel through the environment it inherits (Seeds.Block reads it)
        if (seedBlock is int b) Environment.SetEnvironmentVariable(Seeds.BlockVariable, b.ToString());
        // full: one at a time unless asked — its kernels would share one GPU's memory and use many threads each
        return RunAll(notebooks, name, limit, outDir ?? Repo.Artifacts, html, shots, twice,
                      jobs ?? (profile == ProfileName.Full ? 1 : Grade.DefaultJobs()));
    }

    static string Twice(string notebook)
    {
        var doc = Jupyter.Parse(File.ReadAllText(notebook));
        foreach (var c in doc.Elements.ToList())
            doc.Elements.Add(new InteractiveDocumentElement(c.Contents, c.KernelName)
            {
                Metadata = c.Metadata is null ? null : new Dictionary<string, object>(c.Metadata),
            });
        var name = $"wgan-twice-{Guid.NewGuid().ToString("N")[..8]}-{Path.GetFileName(notebook)}";
        var path = Path.Combine(Path.GetTempPath(), name);
        File.WriteAllText(path, StdioExecutor.ToIpynb(doc)); // the copies get ids of their own
        return path;
    }

    static List<string> Resolve(List<string> selected)
    {
        var all = Directory.GetFiles(Repo.Notebooks, "*.ipynb").OrderBy(p => Path.GetFileName(p), StringComparer.Ordinal).ToList();
        if (selected.Count == 0) return all;
        return selected.Select(s =>
        {
            if (File.Exists(s)) return Path.GetFullPath(s);
            var match = all.FirstOrDefault(p => Path.GetFileName(p).StartsWith(s, StringComparison.Ordinal));
            return match ?? throw new FileNotFoundException($"no notebook '{s}' (give a path or a prefix such as 03)");
        }).ToList();
    }

    public static int RunAll(IReadOnlyList<string> notebooks, string profile, TimeSpan limit, string outDir, bool html, bool shots = false, bool twice = false,
                             int jobs = 1)
    {
        // the matched ring experiment (issue #21): trained once per course run for the notebooks that read it
        var stage = notebooks.SelectMany(nb => MatchedRing.ReadBy(Path.GetFileName(nb))).Distinct()
            .OrderBy(o => MatchedRing.CostRank(o))
            .Select(o => new StageJob(o, string.Join(", ", notebooks.Select(Path.GetFileName)
                .Where(f => MatchedRing.ReadBy(f!).Contains(o)).Select(f => f!.Split('-')[0])))).ToList();
        jobs = Math.Clamp(jobs, 1, Math.Max(1, notebooks.Count + stage.Count));
        var nbDir = Path.Combine(outDir, "notebooks"); var claimDir = Path.Combine(outDir, "claims");
        Directory.CreateDirectory(nbDir); Directory.CreateDirectory(claimDir);
        AnsiConsole.MarkupLine($"[bold]WganCourse reproduce[/] · profile [blue]{profile}[/] · seed block {Seeds.Block} · {notebooks.Count} notebooks{(stage.Count > 0 ? $" + {stage.Count} matched-ring runs" : "")}, {jobs} at a time · limit {limit.TotalSeconds:0} s each · kernel dotnet-interactive (pinned) · engine {NotebookExecutor.Engine}");
        // one slot per notebook, filled by whichever worker ran it: the report keeps notebook order
        var slots = new (ExecutionResult Run, List<NotebookClaim> Claims)?[notebooks.Count];
        var pages = new Dictionary<string, string?>();
        var console = new object(); // lines of two notebooks interleave, never mix within a line
        void Say(string? tag, string markup)
        {
            lock (console) AnsiConsole.MarkupLine(tag is null ? markup : $"[grey]{Markup.Escape(tag)} │[/] {markup}");
        }
        var total = System.Diagnostics.Stopwatch.StartNew();
        // Ctrl+C: end the running kernel (process tree), skip the rest, still write the report for what ran
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
        Console.CancelKeyPress += onCancel;
        // SIGTERM (a CI job cancelled, `kill`) the same way: otherwise the kernel outlives the runner as an orphan
        using var onTerm = OperatingSystem.IsWindows() ? null
            : System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        NotebookExecutor.Stopping = stop.Token;
        if (html && Tools.Find("jupyter") is null)
        {
            AnsiConsole.MarkupLine($"[yellow]no HTML pages[/]: jupyter nbconvert not found, {Markup.Escape(Tools.Fix("jupyter", Tools.CurrentOs))}");
            html = false;
        }
        if (shots && (Tools.Find("chromium") ?? Tools.Find("chromium-browser") ?? Tools.Find("google-chrome") ?? Tools.Find("chrome")) is null)
        {
            AnsiConsole.MarkupLine($"[yellow]no screenshots[/]: Chromium not found, {Markup.Escape(Tools.Fix("chromium", Tools.CurrentOs))}");
            shots = false;
        }
        try
        {
        // handed out in notebook order, one at a time (no chunks), as grade does; two kernels starting together
        // may race for a web-server port, and NotebookExecutor starts the one that lost again
        // the matched ring stage first (longest run first): the notebooks that read it wait for their rows
        var order = System.Collections.Concurrent.Partitioner.Create(
            Enumerable.Range(-stage.Count, stage.Count + notebooks.Count),
            System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering);
        Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = jobs }, (n, state) =>
        {
            if (stop.IsCancellationRequested) state.Stop();
            else if (n < 0) RunStage(stage[n + stage.Count]);
            else
            {
                try
                {
                    foreach (var o in MatchedRing.ReadBy(Path.GetFileName(notebooks[n])))
                        stage.Single(s => s.Objective == o).Done.Wait(stop.Token);
                }
                catch (OperationCanceledException) { state.Stop(); return; }
                slots[n] = RunOne(n);
            }
        });
        void RunStage(StageJob job)
        {
            Say("ring", $"[bold]matched ring[/]: {Markup.Escape(MatchedRing.Label(job.Objective))} (stage, read by {job.ReadBy})");
            try { job.Result = MatchedRingStage.Run(job.Objective, profile, limit, stop.Token, line => Say("ring", Markup.Escape(line))); }
            finally { job.Done.Set(); }
            Say("ring", job.Result.Ok ? $"  [green]ok[/] in {job.Result.Seconds:0.0} s" : $"  [red]failed[/] in {job.Result.Seconds:0.0} s: {Markup.Escape(job.Result.Error ?? "")}");
        }
        (ExecutionResult, List<NotebookClaim>) RunOne(int n)
        {
            var nb = notebooks[n];
            // solutions keep their folder, so they do not overwrite the student notebooks of the same name
            var rel = Path.GetRelativePath(Repo.Notebooks, nb);
            var file = rel.StartsWith("..") || Path.IsPathRooted(rel) ? Path.GetFileName(nb) : rel;
            var claimsFile = Path.Combine(claimDir, file.Replace('/', '_').Replace(".ipynb", ".jsonl"));
            File.Delete(claimsFile);
            var env = new Dictionary<string, string> { [Profile.Variable] = profile, [WganCourse.Claims.Claim.FileVariable] = claimsFile };
            // with several at once, each line names its notebook by its number (07, 08, …)
            var tag = jobs == 1 ? null : Path.GetFileName(file).Split('-')[0];
            Say(null, $"[bold]({n + 1}/{notebooks.Count}) {Markup.Escape(file)}[/]");
            // --twice: every cell twice in one kernel (all cells, then all again), as a student re-running a notebook does
            var source = twice ? Twice(nb) : nb;
            ExecutionResult Run() => NotebookExecutor.Execute(source, Path.Combine(nbDir, file), env, twice ? limit * 2 : limit, workingDirectory: Path.GetDirectoryName(nb), onEvent: ev =>
            {
                if (ev.Kind == "cell_done")
                    Say(tag, $"  [grey]cell {ev.Index}[/] done in {ev.Seconds:0.0} s");
                else if (ev.Kind == "cell_start" && ev.Ordinal > 0)
                    Say(tag, $"  [grey]cell {ev.Index} ({ev.Ordinal}/{ev.Total})[/] {Markup.Escape(ev.FirstLine ?? "")}");
            });
            var result = Run();
            // TorchSharp's implicit Scalars are freed by their finalizer, which can run while a native call still
            // reads one (docs/PLATFORMS.md, "A TorchSharp Scalar race"): not the notebook's fault, and the same
            // seeds give the same numbers on another run, so the notebook runs again (at most twice), and says so.
            for (int again = 1; again <= ScalarRace.Reruns && result.Outcome == Outcome.CellFailed
                                && ScalarRace.Matches(result.Error) && !stop.IsCancellationRequested; again++)
            {
                Say(tag, $"  [darkorange]cell {result.FailedCell} hit TorchSharp's Scalar race[/] "
                    + $"({Markup.Escape(ScalarRace.Describe(result.Error))}): running the notebook again "
                    + $"({again} of at most {ScalarRace.Reruns})");
                File.Delete(claimsFile);
                result = Run();
            }
            result = result with { Notebook = file };
            var mine = Report.ReadClaims(file, claimsFile);
            foreach (var c in mine)
                Say(tag, $"  {(c.skipped ? "[grey]skip[/]" : c.passed ? "[green]pass[/]" : c.NotReproduced ? "[darkorange]not reproduced[/]" : "[red]FAIL[/]")}{(c.kind == "check" ? " [blue](check)[/]" : "")} {Markup.Escape(c.id)}: expected {Markup.Escape(c.expected)}, measured {Markup.Escape(c.measured)}" +
                                       (c.margin is double m ? $", margin {Markup.Escape(WganCourse.Claims.ClaimResult.FormatMargin(m))}" : ""));
            if (result.Outcome != Outcome.Ok)
                Say(tag, $"  [red]{result.Outcome} at cell {result.FailedCell}[/]: {Markup.Escape(string.Join(" ", (result.Error ?? "").Split('\n').Take(2)))}");
            if (result.Outcome == Outcome.KernelDied) // why is in the kernel's own log, not in a cell
                Say(tag, "  [grey]kernel log (last lines):[/] " + Markup.Escape(string.Join("\n    ",
                    result.Log.Split('\n').Where(l => l.Trim().Length > 0 && !l.StartsWith('{')).TakeLast(12))));
            Say(tag, $"  {(result.Outcome == Outcome.Ok ? "[green]ok[/]" : "[red]failed[/]")} in {result.Seconds:0.0} s");
            string? page = null;
            if (html && File.Exists(result.OutputPath))
            {
                page = Report.ToHtml(result.OutputPath, Path.GetDirectoryName(Path.Combine(outDir, "html", file))!);
                lock (pages) pages[file] = page;
            }
            if (shots && page is not null)
            {
                var png = Path.Combine(outDir, "screenshots", file.Replace('/', '_').Replace(".ipynb", ".png"));
                Directory.CreateDirectory(Path.GetDirectoryName(png)!);
                Browser.Screenshot(page, png, height: 9000);
                Say(tag, $"  screenshot (offline render): {Markup.Escape(png)}");
            }
            return (result, mine);
        }
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            NotebookExecutor.Stopping = default;
        }
        var runs = slots.Where(r => r is not null).Select(r => r!.Value.Run).ToList();
        var claims = slots.Where(r => r is not null).SelectMany(r => r!.Value.Claims).ToList();
        if (stop.IsCancellationRequested)
            AnsiConsole.MarkupLine($"[yellow]stopped (Ctrl+C) after {runs.Count} of {notebooks.Count} notebooks[/]: the report covers what ran");
        Report.Write(outDir, profile, runs, claims, pages, total.Elapsed.TotalSeconds);

        var table = new Table().AddColumns("notebook", "outcome", "seconds", "claims pass", "fail", "not reproduced", "skipped");
        foreach (var j in stage.Where(j => j.Result is not null))
            table.AddRow($"stage: matched ring, {Markup.Escape(MatchedRing.Label(j.Objective))}", j.Result!.Ok ? "[green]ok[/]" : "[red]failed[/]",
                         $"{j.Result.Seconds:0.0}", "-", "-", "-", "-");
        foreach (var r in runs)
        {
            var cs = claims.Where(c => c.notebook == r.Notebook).ToList();
            table.AddRow(Markup.Escape(r.Notebook), r.Outcome == Outcome.Ok ? "[green]ok[/]" : $"[red]{r.Outcome}[/]", $"{r.Seconds:0.0}",
                         cs.Count(c => c.passed && !c.skipped).ToString(), cs.Count(c => c.Failed) is var f and > 0 ? $"[red]{f}[/]" : "0",
                         cs.Count(c => c.NotReproduced).ToString(), cs.Count(c => c.skipped).ToString());
        }
        AnsiConsole.Write(table);
        var failedClaims = claims.Count(c => c.Failed);
        foreach (var c in claims.Where(c => c.NotReproduced))
            AnsiConsole.MarkupLine($"[darkorange]not reproduced (documented)[/] {Markup.Escape(c.id)}: expected {Markup.Escape(c.expected)}, " +
                                   $"measured {Markup.Escape(c.measured)} — {Markup.Escape(c.known_failure ?? "")}");
        var failedRuns = runs.Count(r => r.Outcome != Outcome.Ok) + stage.Count(j => j.Result is { Ok: false });
        AnsiConsole.MarkupLine($"report: {Markup.Escape(Path.Combine(outDir, "report.html"))} · claims: {Markup.Escape(Path.Combine(outDir, "claims.json"))} · total {total.Elapsed.TotalSeconds:0} s");
        if (failedClaims + failedRuns > 0)
            AnsiConsole.MarkupLine($"[red]{failedRuns} notebook(s) failed, {failedClaims} claim(s) failed[/]");
        return failedClaims + failedRuns > 0 ? 1 : 0;
    }

    sealed class StageJob(RingObjective objective, string readBy)
    {
        public RingObjective Objective { get; } = objective;
        public string ReadBy { get; } = readBy;
        public ManualResetEventSlim Done { get; } = new();
        public MatchedRingStage.Outcome? Result { get; set; }
    }
}
