using System.Diagnostics;
using Spectre.Console;
using WganCourse.Runner.Execution;
using WganCourse.Runner.Grading;

namespace WganCourse.Runner.Verbs;

/// <summary>
/// `grade FOLDER [--jobs N] [--timeout S] [--memory MIB] [--processes N] [--out DIR] [--no-sandbox] [--fresh]`:
/// FOLDER holds one sub-folder of notebooks per student (or notebooks directly: one student). Every student notebook
/// whose master (notebooks/NN-*.ipynb) has exercises is run under the smoke profile in its own sandbox; the course's
/// own check cells run after the student's cells and each result is read from the injected cell's output only (see
/// Grading/CheckCells.cs). Rows are kept under OUT/rows as each notebook finishes; a rerun grades only what is missing
/// or changed. Writes grades.csv, grades.html and gradebook.csv.
/// </summary>
public static class Grade
{
    const string UsageText = "usage: grade <folder of student folders or notebooks> [--jobs N] [--timeout SECONDS] [--memory MIB] [--processes N] [--out DIR] [--no-sandbox] [--fresh]";

    public static int Run(string[] args)
    {
        string? folder = null, outDir = null; double timeout = 300; int? jobs = null; bool sandbox = true, fresh = false;
        long memory = Limits.Default.MemoryBytes >> 20; int processes = Limits.Default.Processes;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--timeout": timeout = double.Parse(Next()); break;
                case "--out": outDir = Next(); break;
                case "--jobs": jobs = int.Parse(Next()); break;
                case "--memory": memory = long.Parse(Next()); break;
                case "--processes": processes = int.Parse(Next()); break;
                case "--no-sandbox": sandbox = false; break;
                case "--fresh": fresh = true; break;
                default:
                    if (!args[i].StartsWith("--") && folder is null) { folder = args[i]; break; }
                    AnsiConsole.MarkupLine($"[red]unknown argument {Markup.Escape(args[i])}[/]\n{UsageText}"); return 2;
            }
        }
        if (folder is null || !Directory.Exists(folder)) { AnsiConsole.MarkupLine(Markup.Escape(UsageText)); return 2; }
        outDir = Path.GetFullPath(outDir ?? Path.Combine(Repo.Artifacts, "grades"));
        var limits = new Limits(memory << 20, processes, TimeSpan.FromSeconds(timeout));
        if (sandbox)
        {
            if (Sandbox.Unavailable() is { } why)
            {
                AnsiConsole.MarkupLine($"[red bold]cannot sandbox students: {Markup.Escape(why)}.[/]\n[red]Student code would run with your rights: it could read the solutions, other students' work and the grades, and use the network. Fix the above, or pass --no-sandbox to grade anyway.[/]");
                return 3;
            }
            AnsiConsole.MarkupLine($"sandbox: bubblewrap, no network; limits: {Markup.Escape(Sandbox.LimitsDescription(limits))}");
            if (Sandbox.RemoveStaleGroups() is > 0 and var stale) AnsiConsole.MarkupLine($"removed {stale} empty cgroup(s) left by a killed run");
        }
        else
            AnsiConsole.MarkupLine("[red bold]WARNING: --no-sandbox: student code runs unconfined, with your rights (files, network, no memory or process limits).[/]");
        if (fresh && Directory.Exists(Path.Combine(outDir, "rows"))) Directory.Delete(Path.Combine(outDir, "rows"), recursive: true);
        var n = jobs ?? DefaultJobs();
        var rows = GradeAll(Path.GetFullPath(folder), new GradeOptions(outDir, limits, sandbox), n);
        Print(rows);
        Reports.Write(rows, outDir);
        AnsiConsole.MarkupLine($"grades: {Markup.Escape(Path.Combine(outDir, "grades.csv"))} · {Markup.Escape(Path.Combine(outDir, "grades.html"))} · {Markup.Escape(Path.Combine(outDir, "gradebook.csv"))}");
        return 0;
    }

    /// <summary>What the machine sustains: a kernel under the smoke profile keeps about one core busy and needs ~1–2 GiB.</summary>
    public static int DefaultJobs()
    {
        var memGiB = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (double)(1L << 30);
        return Math.Max(1, Math.Min(Environment.ProcessorCount, (int)(memGiB / 3)));
    }

    public sealed record Job(string Student, string Notebook, string Master);

    /// <summary>Every (student, notebook) with exercises; notebooks whose master has no exercise are skipped.</summary>
    public static List<Job> Discover(string folder)
    {
        var students = Directory.GetFiles(folder, "*.ipynb").Length > 0
            ? new[] { (Name: Path.GetFileName(folder.TrimEnd('/')), Dir: folder) }
            : Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal).Select(d => (Name: Path.GetFileName(d), Dir: d)).ToArray();
        var jobs = new List<Job>();
        foreach (var (student, dir) in students)
            foreach (var nb in Directory.GetFiles(dir, "*.ipynb").OrderBy(p => p, StringComparer.Ordinal))
                if (Grader.MasterFor(nb) is { } master && NotebookJson.Load(master).Stubs().Count > 0)
                    jobs.Add(new Job(student, nb, master));
        return jobs;
    }

    public static List<Row> GradeAll(string folder, GradeOptions o, int jobs)
    {
        var all = Discover(folder);
        var store = new Store(o.OutDir);
        var results = new Row[all.Count][];
        int done = 0, reused = 0;
        var sw = Stopwatch.StartNew();
        AnsiConsole.MarkupLine($"{all.Count} notebook(s) of {all.Select(j => j.Student).Distinct().Count()} student(s), {jobs} at a time");
        Parallel.For(0, all.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs) }, i =>
        {
            var j = all[i];
            var file = Path.GetFileName(j.Notebook);
            var hash = Grader.ContentHash(j.Notebook, j.Master, o.Profile);
            var rows = store.Get(j.Student, file, hash);
            bool cached = rows is not null;
            var t = Stopwatch.StartNew();
            if (rows is null)
            {
                AnsiConsole.MarkupLine($"  start  {Markup.Escape(j.Student)} · {Markup.Escape(file)}");
                try
                {
                    rows = Grader.GradeNotebook(j.Student, j.Notebook, j.Master, o);
                    store.Put(j.Student, file, hash, rows);
                }
                catch (Exception e) // one student's grading failure must not stop the class; not kept, so a rerun retries it
                {
                    rows = new List<Row> { new(j.Student, file, "?", "Error", $"grading failed ({e.GetType().Name}): {e.Message}", 0, 0, "") };
                }
            }
            else Interlocked.Increment(ref reused);
            results[i] = rows.ToArray();
            var k = Interlocked.Increment(ref done);
            var pass = rows.Count(r => r.Status == "Pass");
            AnsiConsole.MarkupLine($"  [[{k}/{all.Count}]] {Markup.Escape(j.Student)} · {Markup.Escape(file)}: {pass}/{rows.Count} pass" +
                                   (cached ? " (unchanged, kept from the last run)" : $" ({t.Elapsed.TotalSeconds:0} s)"));
        });
        AnsiConsole.MarkupLine($"graded {all.Count - reused} notebook(s), kept {reused}, in {sw.Elapsed.TotalSeconds:0} s");
        return results.SelectMany(r => r).ToList();
    }

    static void Print(List<Row> rows)
    {
        var table = new Table().AddColumns("student", "notebook", "exercise", "status", "points", "hint / message", "flags");
        foreach (var r in rows)
        {
            var color = r.Status switch { "Pass" => "green", "Fail" => "yellow", "NotDone" => "grey", _ => "red" };
            string Cut(string s, int n) => s.Length > n ? s[..n] + "…" : s;
            table.AddRow(Markup.Escape(r.Student), Markup.Escape(r.Notebook), Markup.Escape(r.Exercise), $"[{color}]{r.Status}[/]",
                         $"{r.Points:0.##}/{r.MaxPoints:0.##}", Markup.Escape(Cut(r.Message, 120)), Markup.Escape(Cut(r.Flags, 80)));
        }
        AnsiConsole.Write(table);
    }
}
