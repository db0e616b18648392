using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit;

namespace WganCourse.Tests.Notebooks;

/// <summary>
/// Issue #22, item 4 (REVIEW §E): a result is phrased as an expectation before its cell and read from the run after
/// it, never typed into the markdown by hand. The markdown cells next to a claim cell (a code cell calling
/// <c>Claim.</c>) are scanned for hand-quoted measurements: a number with a unit of time, a percentage, orders of
/// magnitude or a speed-up, or "measured" followed by a number. A number right after a threshold word ("at least",
/// "within", "≥", "allows", …) is a claim's bar, stated before the run, and passes; so do the numbers on the
/// allow-list below, each a theory, geometry or paper value with the reason it may stand in the text.
/// </summary>
public class MarkdownNumbersTests
{
    /// <summary>Numbers in claim-adjacent markdown that are not this run's measurements. The fragment must occur in the
    /// cell's text and contain the flagged number; a stale entry (no longer found) fails the test too.</summary>
    public static readonly (string Notebook, string Fragment, string Why)[] Allowed =
    {
        ("02-js-saturation.ipynb", "5 orders of magnitude in 4000",
            "Arjovsky & Bottou's own result (their Figure 2), quoted as the paper's, not as ours"),
        ("03-kl-imbalance-and-mode-collapse.ipynb", "fair 12.5 %",
            "arithmetic: one mode in 8 of a balanced ring"),
        ("04-cgan.ipynb", "exceed 99 % on the full",
            "LeCun et al. 1998's published accuracy, the source of the 95 % bar"),
        ("04-cgan.ipynb", "about 10 % correctly",
            "chance level of a 10-class classifier, theory"),
        ("06-wasserstein-distance.ipynb", "by about 1 % at",
            "the expected finite-sample bias of W1 between two samples, stated before the run to justify the 3 % bar"),
        ("06-wasserstein-distance.ipynb", "the 3 % allowance",
            "the claim's tolerance (named after the number), stated before the run"),
    };

    static readonly string[] ThresholdWords =
    {
        "at least", "at most", "within", "allows", "allowance", "fixed at", "asks", "threshold", "≥", "≤", "<", ">",
        "below", "above", "under", "exceed",
    };

    static readonly Regex NumberWithUnit = new(
        @"(?<![\w.$\\^{])[−-]?\d+(?:[.,]\d+)?\s?" +
        @"(?:ms|µs|s|min|minutes?|seconds?|%|orders?(?: of magnitude)?|×|GFLOP/s|MiB)(?!\w)",
        RegexOptions.CultureInvariant);

    static readonly Regex MeasuredNumber = new(
        @"\bmeasured\s*(?:[:=]|as|at|was|were|to be)?\s*[−-]?\d", RegexOptions.CultureInvariant);

    public static IEnumerable<object[]> StudentNotebooks() =>
        Directory.GetFiles(Path.Combine(TestPaths.Repo, "notebooks"), "*.ipynb")
            .Select(Path.GetFileName).Order().Select(n => new object[] { n! });

    static string Source(JsonNode cell) => string.Concat(cell["source"]!.AsArray().Select(s => (string?)s));

    static bool IsClaimCell(JsonNode? cell) =>
        cell is not null && (string?)cell["cell_type"] == "code" && Source(cell).Contains("Claim.");

    /// <summary>"cell i: …context…" for every hand-quoted number in markdown next to a claim cell, except those inside
    /// one of <paramref name="allowedFragments"/>.</summary>
    public static List<string> HandQuoted(string notebookJson, IReadOnlyCollection<string> allowedFragments)
    {
        var cells = JsonNode.Parse(notebookJson)!["cells"]!.AsArray();
        var found = new List<string>();
        for (int i = 0; i < cells.Count; i++)
        {
            if ((string?)cells[i]!["cell_type"] != "markdown") continue;
            if (!IsClaimCell(i > 0 ? cells[i - 1] : null) && !IsClaimCell(i + 1 < cells.Count ? cells[i + 1] : null))
                continue;
            var text = Source(cells[i]!);
            foreach (Match m in NumberWithUnit.Matches(text).Concat(MeasuredNumber.Matches(text)))
            {
                var before = text[Math.Max(0, m.Index - 30)..m.Index];
                if (!m.Value.StartsWith("measured") &&
                    ThresholdWords.Any(w => before.Contains(w, StringComparison.OrdinalIgnoreCase)))
                    continue;
                if (allowedFragments.Any(f => Covers(text, f, m))) continue;
                var start = Math.Max(0, m.Index - 40);
                var context = text[start..Math.Min(text.Length, m.Index + m.Length + 20)].Replace('\n', ' ');
                found.Add($"cell {i}: \"{m.Value}\" in …{context}…");
            }
        }
        return found;
    }

    /// <summary>Whether an occurrence of <paramref name="fragment"/> in <paramref name="text"/> contains the match.</summary>
    static bool Covers(string text, string fragment, Match m)
    {
        for (int at = text.IndexOf(fragment, StringComparison.Ordinal); at >= 0;
             at = text.IndexOf(fragment, at + 1, StringComparison.Ordinal))
            if (at <= m.Index && m.Index + m.Length <= at + fragment.Length) return true;
        return false;
    }

    [Theory]
    [MemberData(nameof(StudentNotebooks))]
    public void No_hand_quoted_measurement_next_to_a_claim(string notebook)
    {
        var json = File.ReadAllText(Path.Combine(TestPaths.Repo, "notebooks", notebook));
        var allowed = Allowed.Where(a => a.Notebook == notebook).Select(a => a.Fragment).ToList();
        var found = HandQuoted(json, allowed);
        Assert.True(found.Count == 0,
            $"{notebook}: numbers typed into the markdown next to a claim — phrase them as an expectation with its " +
            "source, render them from the run, or allow-list them with the reason they are not a measurement:\n" +
            string.Join("\n", found));
    }

    [Fact]
    public void Every_allowed_fragment_is_still_in_its_notebook()
    {
        foreach (var (notebook, fragment, why) in Allowed)
        {
            Assert.False(string.IsNullOrWhiteSpace(why));
            var json = File.ReadAllText(Path.Combine(TestPaths.Repo, "notebooks", notebook));
            var markdown = JsonNode.Parse(json)!["cells"]!.AsArray()
                .Where(c => (string?)c!["cell_type"] == "markdown").Select(c => Source(c!));
            Assert.True(markdown.Any(t => t.Contains(fragment)), $"{notebook}: stale allow-list entry \"{fragment}\"");
        }
    }

    static string Fixture(params (string Type, string Source)[] cells) =>
        new JsonObject
        {
            ["cells"] = new JsonArray(cells.Select(c => (JsonNode)new JsonObject
            {
                ["cell_type"] = c.Type,
                ["source"] = new JsonArray(JsonValue.Create(c.Source)),
            }).ToArray()),
        }.ToJsonString();

    const string HandQuotedText =
        "The run took 42 s, the gradient fell by −4 orders and the DCGAN was 2.6× closer (measured 0.93).";

    [Fact]
    public void A_hand_quoted_result_next_to_a_claim_is_found()
    {
        var json = Fixture(("markdown", HandQuotedText), ("code", "Claim.AtLeast(\"x.y\", …)"));
        var found = HandQuoted(json, Array.Empty<string>());
        Assert.Equal(4, found.Count);
        Assert.Contains(found, f => f.Contains("\"42 s\""));
        Assert.Contains(found, f => f.Contains("\"−4 orders\""));
        Assert.Contains(found, f => f.Contains("\"2.6×\""));
        Assert.Contains(found, f => f.Contains("\"measured 0\""));
        // the same text after the claim cell is found as well
        Assert.Equal(4, HandQuoted(Fixture(("code", "Claim.That(…)"), ("markdown", HandQuotedText)),
            Array.Empty<string>()).Count);
    }

    [Fact]
    public void Thresholds_allow_listed_values_and_cells_away_from_claims_pass()
    {
        var thresholds = "The claim, stated before the run: the gradient falls by at least 2 orders, within 10 %.";
        Assert.Empty(HandQuoted(Fixture(("markdown", thresholds), ("code", "Claim.AtLeast(…)")),
            Array.Empty<string>()));
        var paper = "Their Figure 2: it falls by up to 5 orders of magnitude in 4000 iterations.";
        Assert.Empty(HandQuoted(Fixture(("markdown", paper), ("code", "Claim.AtLeast(…)")),
            new[] { "5 orders of magnitude in 4000" }));
        Assert.Single(HandQuoted(Fixture(("markdown", paper), ("code", "Claim.AtLeast(…)")),
            new[] { "5 orders of magnitude in 3000" }));
        Assert.Empty(HandQuoted(Fixture(("markdown", HandQuotedText), ("code", "var x = 1;")),
            Array.Empty<string>()));
    }
}
