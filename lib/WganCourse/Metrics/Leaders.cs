using System.Globalization;

namespace WganCourse.Metrics;

/// <summary>
/// "Which objective leads in each column" for a table of toy runs (notebook 08, section 6), per data set, ranking
/// only objectives whose runs converged: at least half of the seeds (and two) on the modes (<see
/// cref="ToyClaims.EnoughOnTheModes"/>, the rule of the ordering claims). Among those, over their seeds on the modes:
/// the most modes (≥ 1 % and standard) and the most even mode histogram (lowest reverse KL); over every objective the
/// most samples near a mode (the convergence measure itself); then the objectives left unranked, and the slowest.
/// </summary>
public static class Leaders
{
    /// <summary>The column names of <see cref="Row"/>, in its order.</summary>
    public static readonly IReadOnlyList<string> Columns = new[]
    {
        "data", "most modes (≥ 1 %)", "most modes (standard)", "most even (reverse KL)",
        "most samples near a mode", "not ranked: not converged (seeds on the modes)", "slowest",
    };

    /// <summary>
    /// The row of <see cref="Columns"/> for one data set. A seed is on the modes when at least
    /// <paramref name="minHighQuality"/> of its samples lie within 3σ of one; the mode and reverse-KL columns rank the
    /// converged objectives by the mean over their seeds on the modes, and say "none converged" when there is none.
    /// </summary>
    public static IReadOnlyList<string> Row(string data,
        IReadOnlyList<(string Name, SeedSummary Summary, double MsPerStep)> runs,
        double minHighQuality = ToyClaims.OnTheModes)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ArgumentException("no runs to compare", nameof(runs));
        var all = runs.Select(r => (r.Name, r.Summary, r.MsPerStep, On: r.Summary.Reports
            .Where(x => x.HighQualityFraction >= minHighQuality).ToList())).ToList();
        var ranked = all.Where(r => ToyClaims.EnoughOnTheModes(r.On.Count, r.Summary.Reports.Count)).ToList();
        var unranked = all.Except(ranked).ToList();
        string Column(Func<List<ToyReport>, int, double> value, bool highest) => ranked.Count == 0
            ? "none converged"
            : Top(ranked.Select(r => (r.Name, value(r.On, r.Summary.MinSamples))).ToList(), highest);
        return new[]
        {
            data,
            Column((on, min) => on.Average(x => (double)x.ModesWithAtLeast(min)), true),
            Column((on, _) => on.Average(x => (double)x.ModesCovered), true),
            Column((on, _) => on.Average(x => x.ReverseKl), false),
            Top(all.Select(r => (r.Name, r.Summary.HighQuality.Mean)).ToList(), true),
            unranked.Count == 0 ? "—" : string.Join(", ",
                unranked.Select(r => $"{r.Name} ({r.On.Count}/{r.Summary.Reports.Count})")),
            all.MaxBy(r => r.MsPerStep).Name,
        };
    }

    /// <summary>
    /// The names with the highest (or lowest) value and that value, "A, B (0.93)"; "all tie (0.93)" when every row of
    /// several has it. A NaN (a value that was not measured) takes no part; "none (no value)" when no row has one. Infinities
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
        return names.Count == rows.Count && rows.Count > 1 ? $"all tie ({shown})" : $"{string.Join(", ", names)} ({shown})";
    }
}
