using System.Globalization;

namespace WganCourse.Metrics;

/// <summary>
/// "Which objective leads in each column" for a table of toy runs (notebook 08, section 6): per data set one row with
/// the objectives that have the most modes (≥ 1 % and standard), the most high-quality samples, the most even mode
/// histogram (lowest reverse KL) and the slowest wall time.
/// </summary>
public static class Leaders
{
    /// <summary>The column names of <see cref="Row"/>, in its order.</summary>
    public static readonly IReadOnlyList<string> Columns = new[]
    {
        "data", "most modes (≥ 1 %)", "most modes (standard)", "most samples near a mode", "most even (reverse KL)",
        "slowest",
    };

    /// <summary>
    /// The row of <see cref="Columns"/> for one data set: every value is the mean over seeds; a reverse KL of +∞ (a seed
    /// with no sample near a mode) ranks last, as the worst value it stands for.
    /// </summary>
    public static IReadOnlyList<string> Row(string data, IReadOnlyList<(string Name, SeedSummary Summary, double MsPerStep)> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ArgumentException("no runs to compare", nameof(runs));
        string Column(Func<SeedSummary, double> value, bool highest) =>
            Top(runs.Select(r => (r.Name, value(r.Summary))).ToList(), highest);
        return new[]
        {
            data, Column(s => s.Modes.Mean, true), Column(s => s.ModesStandard.Mean, true),
            Column(s => s.HighQuality.Mean, true), Column(s => s.ReverseKl.Mean, false),
            runs.MaxBy(r => r.MsPerStep).Name,
        };
    }

    /// <summary>
    /// The names with the highest (or lowest) value and that value, "A, B (0.93)"; "all tie (0.93)" when every row has
    /// it. A NaN (a value that was not measured) takes no part; "none (no value)" when no row has one. Infinities
    /// compare as the extremes they are and show as "+∞" / "−∞".
    /// </summary>
    public static string Top(IReadOnlyList<(string Name, double Value)> rows, bool highest, string format = "0.00")
    {
        ArgumentNullException.ThrowIfNull(rows);
        var valued = rows.Where(r => !double.IsNaN(r.Value)).ToList();
        if (valued.Count == 0) return "none (no value)";
        double best = highest ? valued.Max(r => r.Value) : valued.Min(r => r.Value);
        var names = valued.Where(r => r.Value == best).Select(r => r.Name).ToList();
        string shown = double.IsPositiveInfinity(best) ? "+∞"
                     : double.IsNegativeInfinity(best) ? "−∞" : best.ToString(format, CultureInfo.InvariantCulture);
        return names.Count == rows.Count ? $"all tie ({shown})" : $"{string.Join(", ", names)} ({shown})";
    }
}
