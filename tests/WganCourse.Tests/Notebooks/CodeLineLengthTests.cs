using System.Text.Json.Nodes;
using Xunit;

namespace WganCourse.Tests.Notebooks;

/// <summary>Code a student reads fits a notebook column: no code line of any notebook or solution is longer than 100
/// characters (the set-up cell included).</summary>
public class CodeLineLengthTests
{
    public const int MaxLength = 100;

    public static IEnumerable<object[]> Notebooks() =>
        Directory.GetFiles(Path.Combine(TestPaths.Repo, "notebooks"), "*.ipynb", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(TestPaths.Repo, p)).Order().Select(p => new object[] { p });

    /// <summary>(cell index, line) of every code line longer than <paramref name="max"/>.</summary>
    public static List<string> LongLines(string notebookJson, int max = MaxLength)
    {
        var cells = JsonNode.Parse(notebookJson)!["cells"]!.AsArray();
        var found = new List<string>();
        for (int i = 0; i < cells.Count; i++)
        {
            if ((string?)cells[i]!["cell_type"] != "code") continue;
            var source = string.Concat(cells[i]!["source"]!.AsArray().Select(s => (string?)s));
            foreach (var line in source.Split('\n'))
                if (line.TrimEnd('\r').Length > max) found.Add($"cell {i} ({line.Length} chars): {line}");
        }
        return found;
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Every_code_line_is_at_most_100_characters(string notebook)
    {
        var found = LongLines(File.ReadAllText(Path.Combine(TestPaths.Repo, notebook)));
        Assert.True(found.Count == 0, $"{notebook}: {found.Count} code lines > {MaxLength}:\n" + string.Join("\n", found));
    }

    [Fact]
    public void A_long_line_is_found()
    {
        var json = "{\"cells\":[{\"cell_type\":\"markdown\",\"source\":[\"" + new string('m', 150) + "\"]}," +
                   "{\"cell_type\":\"code\",\"source\":[\"short\\n\",\"" + new string('x', 101) + "\"]}]}";
        Assert.Equal(new[] { $"cell 1 (101 chars): {new string('x', 101)}" }, LongLines(json));
    }
}
