using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using WganCourse.Claims;

namespace WganCourse.Runner.Execution;

/// <summary>One claim as claims.json records it: the notebook it came from plus the claim record.</summary>
public sealed record NotebookClaim(string notebook, string id, string statement, string source, string expected, string measured,
                                   string tolerance, bool passed, bool skipped, string profile, string? note, string kind = "claim",
                                   string? known_failure = null,
                                   [property: System.Text.Json.Serialization.JsonNumberHandling(
                                       System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals)]
                                   double? margin = null)
{
    /// <summary>A failure the course documents ("not reproduced"): reported, not a pass, does not fail the run.</summary>
    public bool NotReproduced => !passed && !skipped && known_failure is not null;
    /// <summary>A failure nobody documented: fails the run.</summary>
    public bool Failed => !passed && !skipped && known_failure is null;
    public string Status => skipped ? "skipped" : passed ? "pass" : known_failure is null ? "FAIL" : "not reproduced";
}

public static class Report
{
    /// <summary>Reads the claims a kernel wrote (one JSON line per claim; a re-run claim replaces the earlier line).</summary>
    public static List<NotebookClaim> ReadClaims(string notebook, string jsonl)
    {
        if (!File.Exists(jsonl)) return new();
        var byId = new Dictionary<string, NotebookClaim>();
        var order = new List<string>();
        foreach (var line in File.ReadLines(jsonl).Where(l => l.Trim().Length > 0))
        {
            var r = JsonSerializer.Deserialize<ClaimRecord>(line)!;
            if (!byId.ContainsKey(r.id)) order.Add(r.id);
            byId[r.id] = new NotebookClaim(notebook, r.id, r.statement, r.source, r.expected, r.measured, r.tolerance, r.passed, r.skipped, r.profile, r.note,
                                        r.kind ?? "claim", r.known_failure, r.margin);
        }
        return order.Select(id => byId[id]).ToList();
    }

    /// <summary>Renders an executed notebook to HTML with Debian's nbconvert (for the report's links and screenshots).</summary>
    public static string? ToHtml(string executedNotebook, string htmlDir)
    {
        Directory.CreateDirectory(htmlDir);
        var name = Path.GetFileNameWithoutExtension(executedNotebook);
        var jupyter = Tools.Find("jupyter");
        if (jupyter is null) return null; // nbconvert not installed: the report links the .ipynb only (Reproduce says so once)
        var psi = new ProcessStartInfo(jupyter) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "nbconvert", "--to", "html", executedNotebook, "--output-dir", htmlDir, "--output", name }) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            p.StandardOutput.ReadToEnd(); p.StandardError.ReadToEnd();
            p.WaitForExit();
            var path = Path.Combine(htmlDir, name + ".html");
            return p.ExitCode == 0 && File.Exists(path) ? path : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; } // nbconvert not installed: the report links the .ipynb only
    }

    public static void Write(string dir, string profile, IReadOnlyList<ExecutionResult> runs, IReadOnlyList<NotebookClaim> claims,
                             IReadOnlyDictionary<string, string?> htmlPages, double totalSeconds)
    {
        File.WriteAllText(Path.Combine(dir, "claims.json"), JsonSerializer.Serialize(claims, new JsonSerializerOptions { WriteIndented = true }));
        string E(string? s) => WebUtility.HtmlEncode(s ?? "");
        string Rel(string path) => Path.GetRelativePath(dir, path).Replace('\\', '/');
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>WganCourse — reproduction report</title><style>")
          .Append("body{font-family:sans-serif;margin:24px;max-width:1200px} table{border-collapse:collapse;margin:8px 0 20px} td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;font-size:13px}")
          .Append(".pass{background:#e6f4ea}.FAIL{background:#fce8e6}.skipped{background:#eef0f3}.not.reproduced{background:#fde2cf}</style></head><body>");
        var onlyClaims = claims.Where(c => c.kind != "check").ToList();
        var checks = claims.Where(c => c.kind == "check").ToList();
        int failedClaims = onlyClaims.Count(c => c.Failed), passedClaims = onlyClaims.Count(c => c.passed && !c.skipped);
        sb.Append($"<h1>WganCourse — reproduction report</h1><p>profile <b>{E(profile)}</b> · {runs.Count} notebooks in {totalSeconds:0} s · " +
                  $"claims: {passedClaims} passed, {failedClaims} failed, " +
                  $"{onlyClaims.Count(c => c.NotReproduced)} not reproduced (documented), {onlyClaims.Count(c => c.skipped)} skipped · " +
                  $"checks (identities true by construction): {checks.Count(c => c.passed)} ok, {checks.Count(c => !c.passed)} failed · " +
                  $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC</p>");
        sb.Append("<h2>Notebooks</h2><table><tr><th>notebook</th><th>outcome</th><th>wall time</th><th>cells</th><th>claims (pass/fail/skip)</th><th>executed copy</th></tr>");
        foreach (var r in runs)
        {
            var cs = claims.Where(c => c.notebook == r.Notebook).ToList();
            var ok = r.Outcome == Outcome.Ok && cs.All(c => !c.Failed);
            htmlPages.TryGetValue(r.Notebook, out var html);
            sb.Append($"<tr class=\"{(ok ? "pass" : "FAIL")}\"><td>{E(r.Notebook)}</td><td>{E(r.Outcome.ToString())}" +
                      (r.Error is null ? "" : $"<br/><small>cell {r.FailedCell}: {E(r.Error.Length > 400 ? r.Error[..400] + "…" : r.Error)}</small>") +
                      $"</td><td>{r.Seconds:0.0} s</td><td>{r.CellSeconds.Count}</td><td>{cs.Count(c => c.passed && !c.skipped)}/{cs.Count(c => c.Failed)}/{cs.Count(c => c.skipped)}" +
                      (cs.Any(c => c.NotReproduced) ? $" · {cs.Count(c => c.NotReproduced)} not reproduced" : "") + "</td>" +
                      $"<td><a href=\"{E(Rel(r.OutputPath))}\">.ipynb</a>" + (html is null ? "" : $" · <a href=\"{E(Rel(html))}\">HTML</a>") + "</td></tr>");
        }
        sb.Append("</table><h2>Claims</h2><table><tr><th>notebook</th><th>kind</th><th>id</th><th>statement</th><th>source</th><th>expected</th><th>measured</th><th>tolerance</th><th>margin</th><th>status</th></tr>");
        foreach (var c in claims)
        {
            var status = c.Status;
            sb.Append($"<tr class=\"{status}\"><td>{E(c.notebook)}</td><td>{E(c.kind)}</td><td><code>{E(c.id)}</code></td><td>{E(c.statement)}" + (c.note is null ? "" : $"<br/><small>{E(c.note)}</small>") +
                      (c.NotReproduced ? $"<br/><small><b>does not reproduce here:</b> {E(c.known_failure)}</small>" : "") +
                      $"</td><td>{E(c.source)}</td><td>{E(c.expected)}</td><td>{E(c.measured)}</td><td>{E(c.tolerance)}</td>" +
                      $"<td>{(c.margin is double m ? E(ClaimResult.FormatMargin(m)) : "")}</td><td>{status}</td></tr>");
        }
        sb.Append("</table></body></html>");
        File.WriteAllText(Path.Combine(dir, "report.html"), sb.ToString());
    }
}
