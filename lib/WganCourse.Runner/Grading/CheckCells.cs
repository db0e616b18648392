using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace WganCourse.Runner.Grading;

/// <summary>One exercise as a master notebook lays it out: the stub cell (first line `// EXERCISE id`) and the check
/// cell, the next code cell after it.</summary>
public sealed record ExerciseCells(string Id, int StubIndex, int CheckIndex, string CheckSource);

/// <summary>A notebook as JSON, with the few questions grading asks of it.</summary>
public sealed class NotebookJson
{
    public const string Marker = "// EXERCISE ";
    public JsonNode Root { get; }
    public JsonArray Cells => Root["cells"]!.AsArray();

    NotebookJson(JsonNode root) => Root = root;

    public static NotebookJson Load(string path)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{Path.GetFileName(path)} is not a notebook (invalid JSON: {e.Message}); re-download it from the course and copy your code into it.", e); }
        if (root?["cells"] is not JsonArray) throw new InvalidDataException($"{Path.GetFileName(path)} is not a notebook (no \"cells\" array).");
        return new NotebookJson(root);
    }

    public static string Source(JsonNode cell) => cell["source"] switch
    {
        JsonArray a => string.Concat(a.Select(s => (string?)s ?? "")),
        JsonValue v => (string?)v ?? "",
        _ => "",
    };

    public bool IsCode(int i) => (string?)Cells[i]!["cell_type"] == "code";
    public string Source(int i) => Source(Cells[i]!);

    /// <summary>Index of the first code cell (the `#r` set-up cell), or −1.</summary>
    public int SetupIndex => Enumerable.Range(0, Cells.Count).FirstOrDefault(IsCode, -1);

    public int NextCode(int after) => Enumerable.Range(after + 1, Math.Max(0, Cells.Count - after - 1)).FirstOrDefault(IsCode, -1);

    /// <summary>Stub cells by exercise id (the first stub wins when a student duplicated one).</summary>
    public Dictionary<string, int> Stubs()
    {
        var stubs = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Cells.Count; i++)
        {
            if (!IsCode(i)) continue;
            var first = Source(i).TrimStart().Split('\n')[0].Trim();
            if (first.StartsWith(Marker, StringComparison.Ordinal)) stubs.TryAdd(first[Marker.Length..].Trim(), i);
        }
        return stubs;
    }

    /// <summary>The exercises of a master notebook, in notebook order.</summary>
    public List<ExerciseCells> Exercises() =>
        Stubs().OrderBy(kv => kv.Value).Select(kv =>
        {
            var check = NextCode(kv.Value);
            if (check < 0) throw new InvalidDataException($"master notebook: exercise {kv.Key} has a stub but no check cell after it.");
            return new ExerciseCells(kv.Key, kv.Value, check, Source(check));
        }).ToList();
}

/// <summary>
/// Builds the notebook that grading runs and reads its results back. The student's cells run first, as written, except
/// their set-up cell and their copies of the check cells; then the master's set-up cell's library path is made
/// absolute, and at the very end one injected cell per exercise runs the master's check, calling the checker by its
/// `global::` name (a student type named WganCourse or Ex07 cannot shadow it), after resetting every display formatter.
/// The cell's value is a token: the result and an HMAC-SHA256 keyed by a nonce drawn for this grading only. A result
/// counts only if it is read from that cell's own execute_result and its HMAC verifies.
/// </summary>
public static class CheckCells
{
    public const string TokenPrefix = "WGAN-GRADE";
    static readonly Regex TokenPattern = new(TokenPrefix + @" ([A-Za-z0-9+/=]+) ([0-9A-F]{64})", RegexOptions.Compiled);
    static readonly Regex LibraryPath = new(@"""(?:\.\./)+lib/WganCourse/bin/WganCourse\.dll""", RegexOptions.Compiled);
    /// <summary>The set-up cell's `#load` of the build check (lib/BuildCheck.csx), a line of its own.</summary>
    static readonly Regex BuildCheck = new(@"^#load ""(?:\.\./)+lib/BuildCheck\.csx""[ \t]*(?:\r?\n|$)", RegexOptions.Compiled | RegexOptions.Multiline);

    public static string NewNonce() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    /// <summary>Source text compared for integrity: line endings and trailing spaces do not count as edits.</summary>
    public static string Normalize(string source) =>
        string.Join("\n", source.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd())).Trim();

    /// <summary>A set-up cell with its relative paths (`../` or `../../` for solutions) to the library and to the
    /// build check made tokens.</summary>
    public static string CanonicalSetup(string source) =>
        BuildCheck.Replace(LibraryPath.Replace(Normalize(source), "\"<WganCourse.dll>\""), "#load \"<BuildCheck.csx>\"\n");

    public static string Checksum(string source) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Normalize(source))))[..16].ToLowerInvariant();

    /// <summary>The master's check expression with every checker reference made unshadowable.</summary>
    public static string Qualify(string id, string checkSource)
    {
        var src = Normalize(checkSource);
        if (src.Contains(';') || src.Length == 0)
            throw new InvalidDataException($"master check cell of {id} must be a single expression (the checker call); found:\n{checkSource}");
        return Regex.Replace(src, @"(?<![\w.:])WganCourse\.Exercises\.", "global::WganCourse.Exercises.");
    }

    /// <summary>The injected check cell for one exercise.</summary>
    public static string InjectedSource(string id, string checkSource, string nonce, int k)
    {
        var r = $"__grade_r{k}"; var m = $"__grade_m{k}";
        const string S = "global::System.";
        return string.Join("\n", new[]
        {
            $"// grade: the course's own check of {id}, added by the grader (a student's copy of this cell is not used)",
            "global::Microsoft.DotNet.Interactive.Formatting.Formatter.ResetToDefault();",
            $"var {r} = global::WganCourse.Exercises.Exercise.WithCases(",
            $"    \"{CaseSeed(nonce)}\", () =>",
            $"    {Qualify(id, checkSource)});",
            $"var {m} = {S}String.Join(\"\\n\", {r}.Id, {r}.Status.ToString(), {r}.Message);",
            $"{S}String.Concat(\"{TokenPrefix} \", {S}Convert.ToBase64String({S}Text.Encoding.UTF8.GetBytes({m})), \" \",",
            $"    {S}Convert.ToHexString({S}Security.Cryptography.HMACSHA256.HashData(",
            $"        {S}Text.Encoding.UTF8.GetBytes(\"{nonce}\"), {S}Text.Encoding.UTF8.GetBytes({m}))))",
        });
    }

    /// <summary>The hidden cases' seed: drawn from the nonce, yet no help in forging a token
    /// (one-way).</summary>
    public static string CaseSeed(string nonce) => Hmac(nonce, "hidden-cases")[..32];

    public static string Hmac(string nonce, string message) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(nonce), Encoding.UTF8.GetBytes(message)));

    /// <summary>A valid result read from one executed cell, or why there is none.</summary>
    public sealed record CellResult(string? Status, string Message, bool Forged);

    /// <summary>Reads the token from the cell's own execute_result (text/plain only; HTML is never read).</summary>
    public static CellResult Read(JsonNode cell, string id, string nonce)
    {
        var outputs = cell["outputs"] as JsonArray ?? new JsonArray();
        bool forged = false;
        foreach (var o in outputs)
        {
            if ((string?)o?["output_type"] != "execute_result") continue;
            var text = o!["data"]?["text/plain"] is { } t ? NotebookJson.Source(new JsonObject { ["source"] = t.DeepClone() }) : "";
            foreach (Match match in TokenPattern.Matches(text))
            {
                string message;
                try { message = Encoding.UTF8.GetString(Convert.FromBase64String(match.Groups[1].Value)); }
                catch (FormatException) { forged = true; continue; }
                if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hmac(nonce, message)), Encoding.ASCII.GetBytes(match.Groups[2].Value)))
                { forged = true; continue; }
                var parts = message.Split('\n', 3);
                if (parts.Length < 3 || parts[0] != id) { forged = true; continue; }
                return new CellResult(parts[1], parts[2], false);
            }
            if (text.Contains(TokenPrefix)) forged = true;
        }
        var error = outputs.FirstOrDefault(o => (string?)o?["output_type"] == "error");
        var stderr = string.Concat(outputs.Where(o => (string?)o?["output_type"] == "stream" && (string?)o?["name"] == "stderr")
                                          .Select(o => NotebookJson.Source(new JsonObject { ["source"] = o!["text"]?.DeepClone() })));
        if (error is not null)
        {
            var text = $"{(string?)error["ename"]}: {(string?)error["evalue"]} {stderr}".Trim();
            return new CellResult(null, text, forged);
        }
        return new CellResult(null, cell["execution_count"] is JsonValue ? "the check ran but returned no result" : "the check did not run", forged);
    }

    /// <summary>The notebook grading runs, with the indices of the injected cells by exercise id.</summary>
    public sealed record Assembled(JsonNode Notebook, IReadOnlyDictionary<string, int> Injected, IReadOnlyList<int?> StudentCell);

    /// <summary>
    /// Student cells (minus their set-up cell and their check cells) after the master's set-up cell, then the injected
    /// checks. <paramref name="libraryDll"/> replaces the set-up cell's relative `#r` path to WganCourse.dll; its
    /// `#load` of the build check is left out.
    /// </summary>
    public static Assembled Assemble(NotebookJson master, NotebookJson student, IReadOnlyList<ExerciseCells> exercises,
                                     string nonce, string libraryDll)
    {
        var nb = student.Root.DeepClone();
        var cells = new JsonArray();
        var setup = master.Cells[master.SetupIndex]!.DeepClone();
        // the library is built before grading and its sources are not in the sandbox: no build check
        setup["source"] = BuildCheck.Replace(LibraryPath.Replace(master.Source(master.SetupIndex), "\"" + libraryDll + "\""), "");
        cells.Add(Clean(setup));
        var origin = new List<int?> { null };
        foreach (var i in RunCells(student, exercises))
        {
            cells.Add(Clean(student.Cells[i]!.DeepClone()));
            origin.Add(i);
        }
        var injected = new Dictionary<string, int>(StringComparer.Ordinal);
        int k = 0;
        foreach (var ex in exercises)
        {
            var cell = master.Cells[ex.CheckIndex]!.DeepClone();
            cell["source"] = InjectedSource(ex.Id, ex.CheckSource, nonce, k++);
            injected[ex.Id] = cells.Count;
            cells.Add(Clean(cell));
            origin.Add(null);
        }
        nb["cells"] = cells;
        nb["metadata"] = master.Root["metadata"]?.DeepClone() ?? new JsonObject();
        return new Assembled(nb, injected, origin);
    }

    /// <summary>The student's cells that grading runs, in order: every cell but their set-up cell
    /// and their copies of the check cells (the course's versions run instead). Markdown cells are
    /// kept (the kernel skips them).</summary>
    public static IEnumerable<int> RunCells(NotebookJson student,
                                            IReadOnlyList<ExerciseCells> exercises)
    {
        var skip = new HashSet<int>(StudentCheckCells(student, exercises).Values);
        int studentSetup = student.SetupIndex;
        if (studentSetup >= 0 && LooksLikeSetup(student.Source(studentSetup)))
            skip.Add(studentSetup);
        return Enumerable.Range(0, student.Cells.Count).Where(i => !skip.Contains(i));
    }

    static bool LooksLikeSetup(string source) => source.Contains("#r ", StringComparison.Ordinal) || source.Contains("Notebook.Setup(", StringComparison.Ordinal);

    static JsonNode Clean(JsonNode cell)
    {
        if ((string?)cell["cell_type"] == "code") { cell["outputs"] = new JsonArray(); cell["execution_count"] = null; }
        return cell;
    }

    /// <summary>The student's copy of each check cell: the code cell after the stub, if it calls a checker (edited or not).</summary>
    public static Dictionary<string, int> StudentCheckCells(NotebookJson student, IEnumerable<ExerciseCells> exercises)
    {
        var stubs = student.Stubs();
        var found = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var ex in exercises)
        {
            if (!stubs.TryGetValue(ex.Id, out var stub)) continue;
            var next = student.NextCode(stub);
            if (next < 0) continue;
            var src = student.Source(next);
            if (Normalize(src) == Normalize(ex.CheckSource) || src.Contains("Exercises.", StringComparison.Ordinal) ||
                src.Contains("ExerciseResult", StringComparison.Ordinal) || IsCheckLike(src, ex))
                found[ex.Id] = next;
        }
        return found;
    }

    /// <summary>An edited check cell still calls the checker (`X.Method(...)` as one short expression).</summary>
    static bool IsCheckLike(string src, ExerciseCells ex)
    {
        var method = Regex.Match(ex.CheckSource, @"\.(\w+)\(").Groups[1].Value;
        var code = string.Join("\n", Normalize(src).Split('\n').Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)));
        return method.Length > 0 && Regex.IsMatch(code, @"^[\w.:]+\." + Regex.Escape(method) + @"\(") && !code.Contains('{');
    }
}
