using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;
using WganCourse.Hosting;

namespace WganCourse.Tests.Notebooks;

/// <summary>Every notebook's `#r "nuget: X, V"` agrees with Directory.Packages.props, and every notebook starts with the shared setup.</summary>
public class PinDriftTests
{
    static Dictionary<string, string> Pins() =>
        XDocument.Load(Path.Combine(TestPaths.Repo, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(e => e.Attribute("Include")!.Value.ToLowerInvariant(), e => e.Attribute("Version")!.Value);

    public static IEnumerable<object[]> AllNotebooks() =>
        new[] { "notebooks", "tests/fixtures/notebooks" }
            .SelectMany(d => Directory.GetFiles(Path.Combine(TestPaths.Repo, d), "*.ipynb", SearchOption.AllDirectories))
            .Select(p => new object[] { Path.GetRelativePath(TestPaths.Repo, p) });

    /// <summary>The course's notebooks and their solutions (the runner fixtures keep a minimal set-up cell).</summary>
    public static IEnumerable<object[]> CourseNotebooks() => AllNotebooks().Where(n => ((string)n[0]).StartsWith("notebooks"));

    static IEnumerable<string> CodeCells(string relPath) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Repo, relPath))).RootElement.GetProperty("cells").EnumerateArray()
            .Where(c => c.GetProperty("cell_type").GetString() == "code")
            .Select(c => c.GetProperty("source").ValueKind == JsonValueKind.Array
                ? string.Concat(c.GetProperty("source").EnumerateArray().Select(s => s.GetString())) : c.GetProperty("source").GetString()!);

    [Theory]
    [MemberData(nameof(AllNotebooks))]
    public void Nuget_references_match_the_central_pins(string notebook)
    {
        var pins = Pins();
        var refs = CodeCells(notebook).SelectMany(c => Regex.Matches(c, "#r\\s+\"nuget:\\s*([^,\"]+),\\s*([^\"]+)\"")).ToList();
        Assert.NotEmpty(refs);
        foreach (Match m in refs)
        {
            var id = m.Groups[1].Value.Trim().ToLowerInvariant();
            Assert.True(pins.ContainsKey(id), $"{notebook} references {id}, which Directory.Packages.props does not pin");
            Assert.True(pins[id] == m.Groups[2].Value.Trim(), $"{notebook}: {id} {m.Groups[2].Value} but Directory.Packages.props pins {pins[id]}");
        }
    }

    [Theory]
    [MemberData(nameof(AllNotebooks))]
    public void First_code_cell_is_the_shared_setup(string notebook)
    {
        var first = CodeCells(notebook).First();
        foreach (var pkg in new[] { "TorchSharp", "Plotly.NET", "Plotly.NET.CSharp", "SkiaSharp" })
            Assert.Contains($"#r \"nuget: {pkg}, ", first);
        // no platform package: the library's build restores the natives of the machine (NativeSetup loads them)
        Assert.DoesNotMatch("(?i)libtorch-|NativeAssets|linux|win-x64|osx", first);
        // the build before the first use: the course's notebooks load the build check, the fixtures say what to run
        Assert.Matches("#load \"(\\.\\./)+lib/BuildCheck\\.csx\"|dotnet build lib/WganCourse -c Release", first);
        Assert.All(first.Split('\n'), l => Assert.True(l.Length <= 100, $"{notebook}: line longer than 100: {l}"));
        Assert.Matches("#r \"(\\.\\./)+lib/WganCourse/bin/WganCourse.dll\"", first);
        Assert.Contains("WganCourse.Notebook.Setup(", first);
        var depth = Path.GetDirectoryName(notebook)!.Split('/', '\\').Length;
        Assert.Contains("#r \"" + string.Concat(Enumerable.Repeat("../", depth)) + "lib/WganCourse/bin/WganCourse.dll\"", first);
    }

    /// <summary>The set-up cell is the same everywhere (up to the `../` depth of its paths), and its first part,
    /// the `#load` of lib/BuildCheck.csx, which builds a missing or stale library, runs before any `#r` is compiled.
    /// </summary>
    [Theory]
    [MemberData(nameof(CourseNotebooks))]
    public void First_code_cell_is_identical_and_builds_before_the_first_reference(string notebook)
    {
        static string Canonical(string nb) =>
            WganCourse.Runner.Grading.CheckCells.CanonicalSetup(CodeCells(nb).First());
        Assert.Equal(Canonical(Path.Combine("notebooks", "00-setup-and-tour.ipynb")), Canonical(notebook));
        var first = CodeCells(notebook).First();
        var split = first.IndexOf("\n#!csharp\n", StringComparison.Ordinal);
        Assert.True(split > 0 && split < first.IndexOf("#r ", StringComparison.Ordinal),
                    "the build check must be a part of its own (before `#!csharp`) ahead of every `#r`");
        var up = string.Concat(Enumerable.Repeat("../", Path.GetDirectoryName(notebook)!.Split('/', '\\').Length));
        Assert.Contains($"#load \"{up}lib/BuildCheck.csx\"", first[..split]);
        var check = File.ReadAllText(Path.Combine(TestPaths.Repo, "lib", "BuildCheck.csx"));
        Assert.Contains("\"build lib/WganCourse -c Release\"", check);
    }

    [Theory]
    [MemberData(nameof(AllNotebooks))]
    public void Notebooks_are_committed_without_outputs(string notebook)
    {
        foreach (var c in JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Repo, notebook))).RootElement.GetProperty("cells").EnumerateArray()
                     .Where(c => c.GetProperty("cell_type").GetString() == "code"))
            Assert.Empty(c.GetProperty("outputs").EnumerateArray());
    }

    [Fact]
    public void The_library_pins_the_libtorch_version_it_loads()
    {
        foreach (var rid in WganCourse.Hosting.NativeSetup.SupportedRids)
            Assert.Equal(WganCourse.Hosting.NativeSetup.LibTorchVersion, Pins()["libtorch-cpu-" + rid]);
    }
}
