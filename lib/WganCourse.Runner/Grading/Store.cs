using System.Text.Json;

namespace WganCourse.Runner.Grading;

/// <summary>
/// Graded rows kept on disk, one file per student notebook (written atomically when its grading ends), keyed by a
/// content hash: a killed class run loses at most the notebooks being graded at that moment, and a rerun grades only
/// what is missing or changed.
/// </summary>
public sealed class Store(string outDir)
{
    sealed record Entry(string Hash, List<Row> Rows);

    string PathOf(string student, string notebook) => Path.Combine(outDir, "rows", Grader.Safe(student), Path.GetFileNameWithoutExtension(notebook) + ".json");

    public List<Row>? Get(string student, string notebook, string hash)
    {
        var p = PathOf(student, notebook);
        if (!File.Exists(p)) return null;
        try
        {
            var e = JsonSerializer.Deserialize<Entry>(File.ReadAllText(p));
            return e is not null && e.Hash == hash ? e.Rows : null;
        }
        catch (JsonException) { return null; }
    }

    public void Put(string student, string notebook, string hash, List<Row> rows)
    {
        var p = PathOf(student, notebook);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        var tmp = p + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(new Entry(hash, rows)));
        File.Move(tmp, p, overwrite: true);
    }
}
