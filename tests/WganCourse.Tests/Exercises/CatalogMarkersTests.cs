using System.Text.Json;
using System.Text.RegularExpressions;
using WganCourse.Exercises;
using Xunit;

namespace WganCourse.Tests.Exercises;

/// <summary>The notebooks' `// EXERCISE id` markers, the library's catalogue and the reference solutions agree.</summary>
public class CatalogMarkersTests
{
    static readonly Regex Marker = new(@"^\s*//\s*EXERCISE\s+(\S+)", RegexOptions.Multiline);

    /// <summary>(exercise id, source of the cell after the marker cell) for every marker in one notebook.</summary>
    static List<(string Id, string Next)> Markers(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var cells = doc.RootElement.GetProperty("cells").EnumerateArray()
            .Select(c => (Type: c.GetProperty("cell_type").GetString(),
                          Src: string.Concat(c.GetProperty("source").EnumerateArray().Select(l => l.GetString()))))
            .ToList();
        var found = new List<(string, string)>();
        for (int i = 0; i < cells.Count; i++)
            if (cells[i].Type == "code" && Marker.Match(cells[i].Src) is { Success: true } m)
                found.Add((m.Groups[1].Value, i + 1 < cells.Count ? cells[i + 1].Src : ""));
        return found;
    }

    static IEnumerable<string> Notebooks(string dir) =>
        Directory.GetFiles(Path.Combine(TestPaths.Repo, dir), "*.ipynb").OrderBy(p => p, StringComparer.Ordinal);

    [Fact]
    public void Every_marker_in_the_student_notebooks_is_in_the_catalogue_and_every_catalogued_exercise_has_a_marker()
    {
        var catalogue = Exercise.Catalog().Select(e => e.Id).ToHashSet();
        var markers = Notebooks("notebooks").SelectMany(p => Markers(p).Select(m => (File: Path.GetFileName(p), m.Id)))
            .ToList();
        Assert.NotEmpty(markers);
        var unknown = markers.Where(m => !catalogue.Contains(m.Id)).Select(m => $"{m.File}: {m.Id}").ToList();
        Assert.True(unknown.Count == 0, "markers with no checker in the catalogue: " + string.Join(", ", unknown));
        var ids = markers.Select(m => m.Id).ToList();
        var missing = catalogue.Where(id => !ids.Contains(id)).ToList();
        Assert.True(missing.Count == 0, "catalogued exercises no notebook marks: " + string.Join(", ", missing));
        var twice = ids.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, "exercises marked more than once: " + string.Join(", ", twice));
        foreach (var m in markers)
            Assert.True(m.File.StartsWith(m.Id.Split('.')[0], StringComparison.Ordinal),
                        $"{m.Id} is marked in {m.File}, not in notebook {m.Id.Split('.')[0]}");
    }

    [Fact]
    public void Every_marker_is_followed_by_a_check_cell_that_calls_the_library_checker()
    {
        foreach (var nb in Notebooks("notebooks"))
            foreach (var (id, next) in Markers(nb))
            {
                var notebook = id.Split('.')[0];
                Assert.True(next.Contains($"Exercises.Ex{notebook}.", StringComparison.Ordinal),
                            $"{Path.GetFileName(nb)}: the cell after `// EXERCISE {id}` does not call Ex{notebook}'s checker");
            }
    }

    [Fact]
    public void The_reference_solutions_mark_the_same_exercises_as_the_student_notebooks()
    {
        foreach (var solution in Notebooks(Path.Combine("notebooks", "solutions")))
        {
            var student = Path.Combine(TestPaths.Repo, "notebooks", Path.GetFileName(solution));
            Assert.True(File.Exists(student), $"solution {Path.GetFileName(solution)} has no student notebook");
            Assert.Equal(Markers(student).Select(m => m.Id), Markers(solution).Select(m => m.Id));
        }
    }
}
