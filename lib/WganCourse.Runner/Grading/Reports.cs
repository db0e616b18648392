using System.Globalization;
using System.Net;
using System.Text;

namespace WganCourse.Runner.Grading;

/// <summary>grades.csv (one row per exercise, with points and flags), grades.html (one row per student, totals) and
/// gradebook.csv (student, total, one column per exercise: what an LMS gradebook imports).</summary>
public static class Reports
{
    static string Csv(string s) => "\"" + s.Replace("\"", "\"\"") + "\"";
    static string Num(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    public static void Write(IReadOnlyList<Row> rows, string outDir)
    {
        Directory.CreateDirectory(outDir);
        File.WriteAllLines(Path.Combine(outDir, "grades.csv"),
            new[] { "student,notebook,exercise,status,points,max_points,message,flags" }.Concat(rows.Select(r =>
                string.Join(",", Csv(r.Student), Csv(r.Notebook), Csv(r.Exercise), Csv(r.Status), Num(r.Points), Num(r.MaxPoints), Csv(r.Message), Csv(r.Flags)))));
        var exercises = rows.Select(r => r.Exercise).Distinct().OrderBy(e => e, StringComparer.Ordinal).ToList();
        var students = rows.GroupBy(r => r.Student).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        File.WriteAllLines(Path.Combine(outDir, "gradebook.csv"),
            new[] { string.Join(",", new[] { "student", "total", "max" }.Concat(exercises).Select(Csv)) }.Concat(students.Select(g =>
                string.Join(",", new[] { Csv(g.Key), Num(g.Sum(r => r.Points)), Num(g.Sum(r => r.MaxPoints)) }
                    .Concat(exercises.Select(e => g.FirstOrDefault(r => r.Exercise == e) is { } r ? Num(r.Points) : ""))))));

        var sb = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>WganCourse grades</title><style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:3px 8px}table{border-collapse:collapse}.Pass{background:#e6f4ea}.Fail{background:#fff4e0}.NotDone{background:#eef0f3}.Error,.Missing,.Flagged{background:#fce8e6}.flag{color:#a50e0e}</style></head><body><h1>Grades</h1>");
        sb.Append("<table><tr><th>student</th>").Append(string.Concat(exercises.Select(e => $"<th>{WebUtility.HtmlEncode(e)}</th>"))).Append("<th>total</th><th>flags</th></tr>");
        foreach (var g in students)
        {
            sb.Append($"<tr><td>{WebUtility.HtmlEncode(g.Key)}</td>");
            foreach (var e in exercises)
            {
                var r = g.FirstOrDefault(x => x.Exercise == e);
                sb.Append(r is null ? "<td></td>" : $"<td class=\"{r.Status}\" title=\"{WebUtility.HtmlEncode(r.Message)}\">{r.Status} ({Num(r.Points)}/{Num(r.MaxPoints)})</td>");
            }
            var flags = g.SelectMany(r => r.Flags.Split(" | ", StringSplitOptions.RemoveEmptyEntries)).Distinct().ToList();
            sb.Append($"<td>{Num(g.Sum(r => r.Points))}/{Num(g.Sum(r => r.MaxPoints))}</td><td class=\"flag\">{string.Join("<br/>", flags.Select(WebUtility.HtmlEncode))}</td></tr>");
        }
        sb.Append("</table></body></html>");
        File.WriteAllText(Path.Combine(outDir, "grades.html"), sb.ToString());
        foreach (var g in students) WriteGradescope(g.ToList(), Path.Combine(outDir, "gradescope", Grader.Safe(g.Key) + ".json"));
    }

    /// <summary>
    /// Gradescope's autograder results format (https://gradescope-autograders.readthedocs.io/en/latest/specs/): one test
    /// per exercise with its score and max_score, the hint as the test's output; flags in the top-level output.
    /// </summary>
    public static void WriteGradescope(IReadOnlyList<Row> rows, string path)
    {
        var catalog = WganCourse.Exercises.Exercise.Catalog().ToDictionary(e => e.Id);
        var flags = rows.SelectMany(r => r.Flags.Split(" | ", StringSplitOptions.RemoveEmptyEntries)).Distinct().ToList();
        var result = new System.Text.Json.Nodes.JsonObject
        {
            ["score"] = rows.Sum(r => r.Points),
            ["output"] = flags.Count == 0 ? "Graded by the course's own checks." : "Notes for the instructor:\n" + string.Join("\n", flags),
            ["visibility"] = "visible",
            ["stdout_visibility"] = "hidden",
            ["tests"] = new System.Text.Json.Nodes.JsonArray(rows.Select(r => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
            {
                ["name"] = catalog.TryGetValue(r.Exercise, out var a) ? $"{r.Exercise} — {a.Title}" : r.Exercise,
                ["number"] = r.Exercise,
                ["score"] = r.Points,
                ["max_score"] = r.MaxPoints,
                ["status"] = r.Status == "Pass" ? "passed" : "failed",
                ["output"] = $"{r.Status}: {r.Message}",
                ["visibility"] = "visible",
            }).ToArray()),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, result.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }
}
