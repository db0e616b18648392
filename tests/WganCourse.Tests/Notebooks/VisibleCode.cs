using System.Text.Json.Nodes;
using WganCourse.Training;
using Xunit;

namespace WganCourse.Tests.Notebooks;

/// <summary>The lines between two marker lines, trimmed and without blank lines: how the tests hold a notebook's
/// visible training loop to the library's (or a test's) copy of it, line for line.</summary>
static class VisibleCode
{
    public static string[] Marked(IEnumerable<string> lines, string begin, string end)
    {
        var all = lines.ToList();
        int b = all.FindIndex(l => l.Trim() == begin), e = all.FindIndex(l => l.Trim() == end);
        Assert.True(b >= 0 && e > b, $"markers '{begin}' … '{end}' not found");
        return all.Skip(b + 1).Take(e - b - 1).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
    }

    /// <summary>The lines of the one code cell of <paramref name="notebook"/> (a path under the repository) that holds
    /// the line <paramref name="begin"/>.</summary>
    public static string[] CellHolding(string notebook, string begin)
    {
        var nb = JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Repo, notebook)))!;
        var cells = nb["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code")
            .Select(c => string.Concat(c!["source"]!.AsArray().Select(s => (string?)s)).Split('\n')).ToList();
        var holding = cells.Where(c => c.Any(l => l.Trim() == begin)).ToList();
        Assert.True(holding.Count == 1, $"{notebook}: {holding.Count} code cells hold '{begin}', expected one");
        return holding[0];
    }

    /// <summary>The lines between <paramref name="begin"/> and <paramref name="end"/> in <paramref name="libraryFile"/> (a
    /// path under the repository) are those of the code cell holding <paramref name="begin"/> in
    /// <paramref name="notebook"/> and in its copy under notebooks/solutions: the library's copy is a public static
    /// member of a class, the cell's a local function, so "public static " is dropped before comparing.</summary>
    public static void CellIsLibraryFunction(string libraryFile, string notebook, string begin, string end)
    {
        string[] Marked(IEnumerable<string> lines) => VisibleCode.Marked(lines, begin, end)
            .Select(l => l.StartsWith("public static ") ? l["public static ".Length..] : l).ToArray();
        var lib = Marked(File.ReadAllLines(Path.Combine(TestPaths.Repo, libraryFile)));
        foreach (var nb in new[] { Path.Combine("notebooks", notebook), Path.Combine("notebooks", "solutions", notebook) })
            Assert.Equal(lib, Marked(CellHolding(nb, begin)));
    }

    /// <summary>A loop's per-step losses, averaged over windows of <paramref name="every"/> steps, equal the window means
    /// Trainer.Run logged (to 1e-6 relative).</summary>
    public static void SameWindowMeans(IReadOnlyList<double> loggedCritic, IReadOnlyList<double> loggedGenerator,
                                       IReadOnlyList<double> critic, IReadOnlyList<double> generator, int every)
    {
        for (int w = 0; w < critic.Count / every; w++)
        {
            double c = critic.Skip(w * every).Take(every).Average(), gl = generator.Skip(w * every).Take(every).Average();
            Assert.Equal(loggedCritic[w], c, 1e-6 * Math.Max(1e-3, Math.Abs(c)) + 1e-9);
            Assert.Equal(loggedGenerator[w], gl, 1e-6 * Math.Max(1e-3, Math.Abs(gl)) + 1e-9);
        }
        Assert.NotEqual(critic[0], critic[^1]); // it trained
    }

    /// <summary>A visible seed-batch loop trained exactly what the library's batched trainer trained: the same snapshots
    /// and weights, bit for bit, and the run moved (first and last snapshot differ).</summary>
    public static void SameSeedBatch(SeedBatchResult library, SeedBatchResult cell)
    {
        Assert.Equal(library.Snapshots.Select(s => s.Step), cell.Snapshots.Select(s => s.Step));
        for (int i = 0; i < library.Snapshots.Count; i++)
            Assert.True(library.Snapshots[i].Samples.equal(cell.Snapshots[i].Samples).all().item<bool>(), $"snapshot {i} differs");
        foreach (var (a, b) in library.Critic.parameters().Zip(cell.Critic.parameters())
                     .Concat(library.Generator.parameters().Zip(cell.Generator.parameters())))
            Assert.Equal(0.0, (a - b).abs().max().item<float>());
        Assert.False(library.Snapshots[0].Samples.equal(library.Snapshots[^1].Samples).all().item<bool>()); // it trained
    }
}
