using System.Net;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using WganCourse.Exercises;
using WganCourse.Runner.Execution;

namespace WganCourse.Runner.Verbs;

/// <summary>
/// `grade FOLDER [--timeout SECONDS] [--out DIR]`: FOLDER holds one sub-folder of notebooks per student (or notebooks
/// directly: one student). Each notebook runs in the real kernel under the smoke profile, past failing cells, with a
/// time limit; every exercise of the library's catalogue for that notebook is reported as pass / fail (with the hint) /
/// not done / error / missing (its check cell never ran: deleted, or after a timeout). Writes grades.csv and grades.html.
/// </summary>
static class Grade
{
    public sealed record Row(string Student, string Notebook, string Exercise, string Status, string Message);

    public static int Run(string[] args)
    {
        string? folder = null, outDir = null; double timeout = 300;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--timeout" && i + 1 < args.Length) timeout = double.Parse(args[++i]);
            else if (args[i] == "--out" && i + 1 < args.Length) outDir = args[++i];
            else if (!args[i].StartsWith("--") && folder is null) folder = args[i];
            else { AnsiConsole.MarkupLine($"[red]unknown argument {Markup.Escape(args[i])}[/]"); return 2; }
        }
        if (folder is null || !Directory.Exists(folder))
        {
            AnsiConsole.MarkupLine("usage: grade <folder of student folders or notebooks> [--timeout SECONDS] [--out DIR]");
            return 2;
        }
        outDir = Path.GetFullPath(outDir ?? Path.Combine(Repo.Artifacts, "grades"));
        var rows = GradeAll(Path.GetFullPath(folder), TimeSpan.FromSeconds(timeout), outDir);
        Print(rows);
        Write(rows, outDir);
        AnsiConsole.MarkupLine($"grades: {Markup.Escape(Path.Combine(outDir, "grades.csv"))} · {Markup.Escape(Path.Combine(outDir, "grades.html"))}");
        return 0;
    }

    public static List<Row> GradeAll(string folder, TimeSpan limit, string outDir)
    {
        var students = Directory.GetFiles(folder, "*.ipynb").Length > 0
            ? new[] { (Name: Path.GetFileName(folder.TrimEnd('/')), Dir: folder) }
            : Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal).Select(d => (Name: Path.GetFileName(d), Dir: d)).ToArray();
        var catalog = Exercise.Catalog();
        var rows = new List<Row>();
        foreach (var (student, dir) in students)
        {
            foreach (var nb in Directory.GetFiles(dir, "*.ipynb").OrderBy(p => p, StringComparer.Ordinal))
            {
                var file = Path.GetFileName(nb);
                var number = file.Length >= 2 && char.IsDigit(file[0]) && char.IsDigit(file[1]) ? file[..2] : "";
                var expected = catalog.Where(e => e.Notebook == number).ToList();
                if (expected.Count == 0) continue;
                var results = Path.Combine(outDir, "runs", student, Path.GetFileNameWithoutExtension(nb) + ".exercises.jsonl");
                Directory.CreateDirectory(Path.GetDirectoryName(results)!);
                File.Delete(results);
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(student)}[/] · {Markup.Escape(file)}");
                var env = new Dictionary<string, string> { ["WGAN_COURSE_PROFILE"] = "smoke", [Exercise.FileVariable] = results };
                var run = NotebookExecutor.Execute(nb, Path.Combine(outDir, "runs", student, file), env, limit, allowErrors: true,
                                                   workingDirectory: KernelDirectory(nb));
                var seen = new Dictionary<string, (string Status, string Message)>();
                if (File.Exists(results))
                    foreach (var line in File.ReadLines(results).Where(l => l.Length > 0))
                    {
                        var e = JsonDocument.Parse(line).RootElement;
                        seen[e.GetProperty("id").GetString()!] = (e.GetProperty("status").GetString()!, e.GetProperty("message").GetString()!);
                    }
                foreach (var ex in expected)
                {
                    var (status, message) = seen.TryGetValue(ex.Id, out var s) ? s
                        : run.Outcome == Outcome.Timeout ? ("Timeout", $"the notebook did not finish within {limit.TotalSeconds:0} s")
                        : run.Outcome is Outcome.KernelDied or Outcome.HostError ? ("Error", run.Error ?? "the kernel stopped")
                        : ("Missing", "the check cell did not run (deleted, or it failed to compile: " + FirstError(run) + ")");
                    rows.Add(new Row(student, file, ex.Id, status, message));
                }
            }
        }
        return rows;
    }

    /// <summary>Student notebooks live anywhere; their setup cell's `#r "../lib/…"` is relative to the course's notebooks/
    /// (or notebooks/solutions/) folder, so the kernel runs there.</summary>
    static string KernelDirectory(string notebook)
    {
        var m = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(notebook), @"((?:\.\./)+)lib/WganCourse/bin/WganCourse\.dll");
        var depth = m.Success ? m.Groups[1].Value.Length / 3 : 1;
        return depth >= 2 ? Path.Combine(Repo.Notebooks, "solutions") : Repo.Notebooks;
    }

    static string FirstError(ExecutionResult run) =>
        run.Log.Split('\n').Where(l => l.Contains("\"cell_error\"")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("message").GetString()).FirstOrDefault() ?? "no error output";

    static void Print(List<Row> rows)
    {
        var table = new Table().AddColumns("student", "notebook", "exercise", "status", "hint / message");
        foreach (var r in rows)
        {
            var color = r.Status switch { "Pass" => "green", "Fail" => "yellow", "NotDone" => "grey", _ => "red" };
            table.AddRow(Markup.Escape(r.Student), Markup.Escape(r.Notebook), Markup.Escape(r.Exercise), $"[{color}]{r.Status}[/]",
                         Markup.Escape(r.Message.Length > 120 ? r.Message[..120] + "…" : r.Message));
        }
        AnsiConsole.Write(table);
    }

    static void Write(List<Row> rows, string outDir)
    {
        Directory.CreateDirectory(outDir);
        string Csv(string s) => "\"" + s.Replace("\"", "\"\"") + "\"";
        File.WriteAllLines(Path.Combine(outDir, "grades.csv"),
            new[] { "student,notebook,exercise,status,message" }.Concat(rows.Select(r => string.Join(",", new[] { r.Student, r.Notebook, r.Exercise, r.Status, r.Message }.Select(Csv)))));
        var sb = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>WganCourse grades</title><style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:3px 8px}table{border-collapse:collapse}.Pass{background:#e6f4ea}.Fail{background:#fff4e0}.NotDone{background:#eef0f3}.Error,.Missing,.Timeout{background:#fce8e6}</style></head><body><h1>Grades</h1>");
        var exercises = rows.Select(r => r.Exercise).Distinct().ToList();
        sb.Append("<table><tr><th>student</th>").Append(string.Concat(exercises.Select(e => $"<th>{WebUtility.HtmlEncode(e)}</th>"))).Append("<th>passed</th></tr>");
        foreach (var g in rows.GroupBy(r => r.Student))
        {
            sb.Append($"<tr><td>{WebUtility.HtmlEncode(g.Key)}</td>");
            foreach (var e in exercises)
            {
                var r = g.FirstOrDefault(x => x.Exercise == e);
                sb.Append(r is null ? "<td></td>" : $"<td class=\"{r.Status}\" title=\"{WebUtility.HtmlEncode(r.Message)}\">{r.Status}</td>");
            }
            sb.Append($"<td>{g.Count(r => r.Status == "Pass")}/{g.Count()}</td></tr>");
        }
        sb.Append("</table></body></html>");
        File.WriteAllText(Path.Combine(outDir, "grades.html"), sb.ToString());
    }
}
