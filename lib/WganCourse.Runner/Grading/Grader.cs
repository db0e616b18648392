using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using WganCourse.Exercises;
using WganCourse.Runner.Execution;

namespace WganCourse.Runner.Grading;

/// <summary>One graded exercise of one student. Status: Pass, Fail, NotDone, Error, Missing, or Flagged (passed, but
/// the student's code does something an instructor should look at before the points count).</summary>
public sealed record Row(string Student, string Notebook, string Exercise, string Status, string Message,
                         double Points, double MaxPoints, string Flags);

public sealed record GradeOptions(string OutDir, Limits Limits, bool Sandboxed, string Profile = "smoke");

/// <summary>Grades one student's notebook: integrity flags, the assembled notebook, one sandboxed run, the tokens.</summary>
public static class Grader
{
    /// <summary>The master notebook for a student's notebook: notebooks/NN-*.ipynb, NN from the file name or the stubs.</summary>
    public static string? MasterFor(string studentNotebook)
    {
        var file = Path.GetFileName(studentNotebook);
        var number = file.Length >= 2 && char.IsDigit(file[0]) && char.IsDigit(file[1]) ? file[..2] : null;
        if (number is null)
        {
            try { number = NotebookJson.Load(studentNotebook).Stubs().Keys.Select(k => k.Split('.')[0]).FirstOrDefault(); }
            catch (InvalidDataException) { return null; }
        }
        return number is null ? null : Directory.GetFiles(Repo.Notebooks, number + "-*.ipynb").OrderBy(p => p, StringComparer.Ordinal).FirstOrDefault();
    }

    public static string LibraryDll => Path.Combine(Repo.Root, "lib", "WganCourse", "bin", "WganCourse.dll");

    /// <summary>What makes a graded row stale: the student's file, the master, the library (its checkers), the profile.</summary>
    public static string ContentHash(string studentNotebook, string master, string profile)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in new[] { studentNotebook, master, LibraryDll }) h.AppendData(File.Exists(f) ? File.ReadAllBytes(f) : Array.Empty<byte>());
        h.AppendData(System.Text.Encoding.UTF8.GetBytes(profile + "|grader-v3"));
        return Convert.ToHexString(h.GetHashAndReset())[..32].ToLowerInvariant();
    }

    public static List<Row> GradeNotebook(string student, string notebook, string masterPath, GradeOptions o)
    {
        var file = Path.GetFileName(notebook);
        var master = NotebookJson.Load(masterPath);
        var exercises = master.Exercises();
        var catalog = Exercise.Catalog().ToDictionary(e => e.Id);
        double Max(string id) => catalog.TryGetValue(id, out var a) ? a.Points : 1;
        List<Row> All(string status, string message, string flags = "") =>
            exercises.Select(e => new Row(student, file, e.Id, status, message, 0, Max(e.Id), flags)).ToList();

        NotebookJson nb;
        try { nb = NotebookJson.Load(notebook); }
        catch (InvalidDataException e) { return All("Error", e.Message); }
        var flags = Integrity.ReadOnlyCells(master, nb, exercises);
        var scan = SemanticScan.Scan(master, nb, exercises);
        flags.AddRange(scan.Flags());

        var job = Path.Combine(o.OutDir, "runs", Safe(student), Path.GetFileNameWithoutExtension(file));
        if (Directory.Exists(job)) Directory.Delete(job, recursive: true);
        Directory.CreateDirectory(job);
        File.WriteAllText(job + ".scan.txt", ScanReport(scan));
        var input = Directory.CreateDirectory(Path.Combine(job, "in")).FullName;
        var work = Directory.CreateDirectory(Path.Combine(job, "work")).FullName;
        var nonce = CheckCells.NewNonce();
        var assembled = CheckCells.Assemble(master, nb, exercises, nonce, LibraryDll);
        var graded = Path.Combine(input, file);
        File.WriteAllText(graded, assembled.Notebook.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var executed = Path.Combine(work, "executed.ipynb");

        using var sandbox = o.Sandboxed ? new Sandbox(student, work, input, o.Limits, SandboxReadOnly()) : null;
        var env = new Dictionary<string, string>
        {
            ["WGAN_COURSE_PROFILE"] = o.Profile,
            ["WGAN_COURSE_DATA"] = Path.Combine(Repo.Root, "data"),
        };
        // The graded notebook holds the nonce: it disappears once the kernel is up (the driver has read it by then,
        // and no student cell has run: the first cell is the course's set-up cell).
        void OnEvent(CellEvent e) { if (e.Kind == "cell_start") try { File.Delete(graded); } catch (IOException) { } }
        var run = NotebookExecutor.Execute(graded, executed, env, o.Limits.Time, OnEvent, (int)o.Limits.Time.TotalSeconds + 5,
                                           allowErrors: true, workingDirectory: work, wrapProcess: sandbox is null ? null : sandbox.Wrap);
        File.Delete(graded);
        var died = run.Outcome is Outcome.KernelDied or Outcome.HostError or Outcome.Timeout;
        var limitHit = sandbox?.LimitHit(died) ?? null;

        JsonNode? outNb = null;
        try { if (File.Exists(executed)) outNb = JsonNode.Parse(File.ReadAllText(executed)); } catch (JsonException) { }
        var outCells = outNb?["cells"] as JsonArray;
        // The student's own cells that failed, numbered as in the student's notebook.
        var studentErrors = outCells is null ? new List<string>() : Enumerable.Range(0, Math.Min(outCells.Count, assembled.StudentCell.Count))
            .Where(i => assembled.StudentCell[i] is not null && HasError(outCells[i]!))
            .Select(i => $"cell {assembled.StudentCell[i] + 1}: {Short(CheckCells.Read(outCells[i]!, "", nonce).Message)}").Take(3).ToList();
        var notes = studentErrors.Count > 0 ? " [errors in the student's cells: " + string.Join(" · ", studentErrors) + "]" : "";

        var rows = new List<Row>();
        foreach (var ex in exercises)
        {
            var exFlags = flags.Where(f => f.Exercise is null || f.Exercise == ex.Id).ToList();
            CheckCells.CellResult? r = outCells is not null && assembled.Injected[ex.Id] < outCells.Count
                ? CheckCells.Read(outCells[assembled.Injected[ex.Id]]!, ex.Id, nonce) : null;
            if (r?.Forged == true) exFlags.Add(new Flag("review: the check cell's output carried a result token that does not verify (forged or altered)", true));
            string status, message;
            if (limitHit is not null) { status = "Error"; message = $"resource limit: {limitHit}; the student's run was stopped"; }
            else if (r?.Status is { } s) { status = s; message = r.Message; }
            else if (run.Outcome == Outcome.Timeout) { status = "Error"; message = $"resource limit: time (the notebook did not finish within {o.Limits.Time.TotalSeconds:0} s)"; }
            else if (run.Outcome is Outcome.KernelDied or Outcome.HostError) { status = "Error"; message = "the kernel stopped: " + Short(run.Error ?? ""); }
            else { status = "Missing"; message = "the check could not run: " + Short(r?.Message ?? "no output") + notes; }
            if (r?.Status is not null && limitHit is null) message += notes; // the student's own failing cells, for the instructor
            bool review = exFlags.Any(f => f.Review);
            if (status == "Pass" && review) { status = "Flagged"; message = "passed, but held for an instructor's review (see flags)"; }
            rows.Add(new Row(student, file, ex.Id, status, message, status == "Pass" ? Max(ex.Id) : 0, Max(ex.Id),
                             string.Join(" | ", exFlags.Select(f => f.Text))));
        }
        if (File.Exists(executed)) File.Copy(executed, Path.Combine(o.OutDir, "runs", Safe(student), file), overwrite: true);
        return rows;
    }

    /// <summary>runs/STUDENT/NN-*.scan.txt: what the semantic scan found, cell by cell, and how
    /// long it took.</summary>
    public static string ScanReport(SemanticScan.Result scan) =>
        $"semantic scan: {scan.Elapsed.TotalMilliseconds:0} ms, " +
        $"{scan.Findings.Count} finding(s)\n" +
        string.Concat(scan.Findings.Select(f => $"cell {f.Cell + 1}: " +
            $"{(f.Exercise is { } e ? e + ": library answer" : f.Why)}: {f.What}\n")) +
        string.Concat(scan.CompileErrors.Select(e => e + "\n"));

    static bool HasError(JsonNode cell) => (cell["outputs"] as JsonArray)?.Any(o => (string?)o?["output_type"] == "error") == true;

    static string Short(string s)
    {
        s = s.Replace('\n', ' ').Replace('\r', ' ');
        return s.Length > 300 ? s[..300] + "…" : s;
    }

    public static string Safe(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    /// <summary>What a kernel needs to see, read-only: nothing of the repository but the built library, the kernelspec,
    /// the driver script and data/.</summary>
    static IEnumerable<string> SandboxReadOnly()
    {
        yield return Path.Combine(Repo.Root, "lib", "WganCourse", "bin");
        yield return NotebookExecutor.EnsureKernelSpec();
        yield return Path.Combine(Repo.Root, "lib", "WganCourse.Runner", "nbdriver.py");
        yield return Path.Combine(Repo.Root, "data");
        yield return Sandbox.NugetPackages;
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root) yield return root;
    }
}
