using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using WganCourse.Plots;
using WganCourse.Runtime;

namespace WganCourse.Claims;

/// <summary>Whether a claim needs training (then the smoke profile records it as skipped), is analytic (always checked), or
/// needs more compute than the cpu profile has (<see cref="FullProfileOnly"/>: judged only in the full profile; in smoke and
/// cpu it is recorded as skipped with the value measured there, so a reader still sees the number). A <see cref="Check"/> is
/// an identity that holds by construction (the same integrand twice, a formula at hand-picked numbers): always evaluated,
/// shown with its own badge and recorded with kind "check", so it is never counted as evidence for the theory.</summary>
public enum ClaimKind { Training, Analytic, FullProfileOnly, Check }

/// <summary>
/// One checked claim: what the theory says (expected), what this run measured, the tolerance, and pass/fail.
/// Shown inline as a badge; recorded for the runner's claims.json when WGAN_COURSE_CLAIMS_FILE is set.
/// </summary>
public sealed record ClaimResult(
    string Id, string Statement, string Source, string Expected, string Measured, string Tolerance,
    bool Passed, bool Skipped, string Profile, string? Note, string Kind = "claim", string? KnownFailure = null,
    double? Margin = null) : IHtmlDisplay
{
    /// <summary>pass, FAIL, skipped, or "not reproduced": a failure the course documents (the notebook says so with the
    /// numbers and why) — judged like any claim, shown in red, counted apart, and not a pass.</summary>
    [JsonIgnore] public string Status => Skipped ? "skipped" : Passed ? "pass" : KnownFailure is null ? "FAIL" : "not reproduced";
    [JsonIgnore] public bool IsCheck => Kind == "check";

    public string ToHtml()
    {
        var (bg, fg) = Skipped ? ("#eef0f3", "#555") : Passed ? ("#e6f4ea", "#137333") : ("#fce8e6", "#a50e0e");
        string E(string s) => WebUtility.HtmlEncode(s);
        var word = IsCheck ? "CHECK " + (Passed ? "OK" : "FAILED") : Status.ToUpperInvariant();
        if (IsCheck) (bg, fg) = Passed ? ("#e8f0fe", "#1a56b0") : ("#fce8e6", "#a50e0e");
        return $"<div class=\"wgan-claim wgan-{E(Kind)}\" style=\"border-left:6px solid {fg};background:{bg};padding:6px 10px;margin:4px 0;font-family:sans-serif;font-size:13px\">" +
               $"<b style=\"color:{fg}\">{E(word)}</b> · <code>{E(Id)}</code> — {E(Statement)}<br/>" +
               $"expected <b>{E(Expected)}</b> · measured <b>{E(Measured)}</b>" + (Tolerance.Length > 0 ? $" · tolerance {E(Tolerance)}" : "") +
               (Margin is double m ? $" · margin <b>{E(FormatMargin(m))}</b>" : "") +
               $" · <span style=\"color:#666\">{E(Source)} · profile {E(Profile)}</span>" + (Note is null ? "" : $"<br/><i>{E(Note)}</i>") +
               (KnownFailure is null || Passed || Skipped ? "" : $"<br/><b>Does not reproduce here</b>: {E(KnownFailure)}") + "</div>";
    }

    public override string ToString() => $"[{(IsCheck ? "check " : "")}{Status}] {Id}: {Statement} — expected {Expected}, measured {Measured}" + (Tolerance.Length > 0 ? $" ({Tolerance})" : "") +
        (Margin is double m ? $", margin {FormatMargin(m)}" : "");

    /// <summary>A margin in units of the claim's own spread (σ), signed: positive is the passing side.</summary>
    public static string FormatMargin(double m) =>
        double.IsPositiveInfinity(m) ? "+∞ σ" : double.IsNegativeInfinity(m) ? "−∞ σ" :
        (m >= 0 ? "+" : "−") + Math.Abs(m).ToString("0.0", CultureInfo.InvariantCulture) + " σ";
}

/// <summary>The claims API: one call per claim cell. Numbers are formatted for people; raw values go to the record.</summary>
public static class Claim
{
    public const string FileVariable = "WGAN_COURSE_CLAIMS_FILE";
    static readonly object gate = new();

    /// <summary>|measured − expected| ≤ tolerance (absolute), or ≤ tolerance·|expected| when <paramref name="relative"/>.</summary>
    public static ClaimResult Near(string id, string statement, string source, double expected, double measured, double tolerance,
                                   bool relative = false, ClaimKind kind = ClaimKind.Training, string? note = null,
                                   string? knownFailure = null)
    {
        if (!(tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), "tolerance must be ≥ 0");
        var bound = relative ? tolerance * Math.Abs(expected) : tolerance;
        var pass = double.IsFinite(measured) ? Math.Abs(measured - expected) <= bound : measured.Equals(expected);
        return Record(id, statement, source, F(expected), F(measured), relative ? $"±{tolerance:P1} (relative)" : $"±{F(tolerance)}", pass, kind, note,
                      knownFailure);
    }

    /// <summary>measured ≥ threshold. With <paramref name="spread"/> (the measured value's own standard deviation or
    /// error) the claim reports its margin, (measured − threshold) / spread.</summary>
    public static ClaimResult AtLeast(string id, string statement, string source, double threshold, double measured,
                                      ClaimKind kind = ClaimKind.Training, string? note = null,
                                      string? knownFailure = null, double? spread = null) =>
        Record(id, statement, source, "≥ " + F(threshold), F(measured), "", measured >= threshold, kind, note, knownFailure,
               Margin(measured - threshold, spread));

    /// <summary>measured ≤ threshold; margin (threshold − measured) / spread when <paramref name="spread"/> is given.</summary>
    public static ClaimResult AtMost(string id, string statement, string source, double threshold, double measured,
                                     ClaimKind kind = ClaimKind.Training, string? note = null,
                                     string? knownFailure = null, double? spread = null) =>
        Record(id, statement, source, "≤ " + F(threshold), F(measured), "", measured <= threshold, kind, note, knownFailure,
               Margin(threshold - measured, spread));

    /// <summary>The false-failure rate every seed-based claim is designed for: a correct course fails it at most once
    /// in 100 runs.</summary>
    public const double FalseFailureRate = 0.01;

    /// <summary>
    /// A count-of-seeds claim with a derived threshold. <paramref name="assumedRate"/> is the per-seed success rate the
    /// claim assumes (say why in the notebook); the threshold is the largest k with P(Binomial(n, p) &lt; k) ≤ 1 %, so a
    /// course whose seeds succeed at that rate fails the claim at most once in 100 runs. The margin is
    /// (successes − k) / √(n p (1 − p)); a claim that needs every seed and gets them has none (nothing to spare).
    /// </summary>
    public static ClaimResult SeedCount(string id, string statement, string source, IReadOnlyList<bool> perSeed,
                                        double assumedRate, ClaimKind kind = ClaimKind.Training, string? note = null,
                                        string? knownFailure = null)
    {
        int n = perSeed.Count, count = perSeed.Count(b => b);
        var t = Binomial.Threshold(n, assumedRate, FalseFailureRate);
        var sd = Math.Sqrt(n * assumedRate * (1 - assumedRate));
        var expected = $"≥ {t.K} of {n} seeds";
        var tolerance = $"assumes p ≥ {assumedRate:0.####} per seed: P(< {t.K} of {n}) = {t.FalseFailure:0.0##%}";
        // too few seeds for any threshold at 1 % ("≥ 0 of n") judges nothing: it fails rather than passing empty
        if (t.K == 0) tolerance += " — too few seeds to judge";
        // "every seed" (k = n) leaves no room above the threshold: a margin would read "+0.0σ" on every pass
        return Record(id, statement, source, expected, $"{count} of {n}", tolerance, t.K >= 1 && count >= t.K, kind,
                      note, knownFailure, t.K == n && count == n ? null : Margin(count - t.K, sd));
    }

    /// <summary>The seed mean is at least <paramref name="threshold"/> by 3 standard errors (mean − 3·SE ≥ threshold):
    /// a normal mean lands 3 SE below its expectation with probability 0.13 %. Margin (mean − threshold) / SE.</summary>
    public static ClaimResult MeanAtLeast(string id, string statement, string source, IReadOnlyList<double> perSeed,
                                          double threshold, ClaimKind kind = ClaimKind.Training, string? note = null,
                                          string? knownFailure = null) =>
        Mean(id, statement, source, perSeed, threshold, +1, kind, note, knownFailure);

    /// <summary>The seed mean is at most <paramref name="threshold"/> by 3 standard errors (mean + 3·SE ≤ threshold).</summary>
    public static ClaimResult MeanAtMost(string id, string statement, string source, IReadOnlyList<double> perSeed,
                                         double threshold, ClaimKind kind = ClaimKind.Training, string? note = null,
                                         string? knownFailure = null) =>
        Mean(id, statement, source, perSeed, threshold, -1, kind, note, knownFailure);

    /// <summary>Standard errors a mean claim needs between its seed mean and its threshold.</summary>
    public const double MeanMarginSe = 3;

    static ClaimResult Mean(string id, string statement, string source, IReadOnlyList<double> perSeed, double threshold,
                            int side, ClaimKind kind, string? note, string? knownFailure)
    {
        if (perSeed.Count < 3) throw new ArgumentException("a mean over seeds needs at least 3 seeds", nameof(perSeed));
        var s = MeanAndError(perSeed);
        var margin = s.Se > 0 ? side * (s.Mean - threshold) / s.Se
            : side * (s.Mean - threshold) > 0 ? double.PositiveInfinity : double.NegativeInfinity;
        if (double.IsNaN(s.Mean)) margin = double.NegativeInfinity; // a NaN seed fails the claim
        var expected = $"mean {(side > 0 ? "≥" : "≤")} {F(threshold)} by {MeanMarginSe:0} SE";
        var measured = $"{F(s.Mean)} ± {F(s.Se)} (SE, {perSeed.Count} seeds)";
        return Record(id, statement, source, expected, measured, "", margin >= MeanMarginSe, kind, note, knownFailure,
                      margin);
    }

    /// <summary>Seed mean and its standard error (sample SD / √n).</summary>
    public static (double Mean, double Se) MeanAndError(IReadOnlyList<double> v)
    {
        double mean = v.Average();
        double sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
        return (mean, sd / Math.Sqrt(v.Count));
    }

    static double? Margin(double distance, double? spread) =>
        spread is not double s ? null : s > 0 ? distance / s
        : distance >= 0 ? double.PositiveInfinity : double.NegativeInfinity;

    /// <summary>A predicate claim: the caller states in words what was expected and what was seen (and, when it has
    /// one, the margin in units of the claim's own spread).</summary>
    public static ClaimResult That(string id, string statement, string source, string expected, string measured, bool holds,
                                   ClaimKind kind = ClaimKind.Training, string? note = null,
                                   string? knownFailure = null, double? margin = null) =>
        Record(id, statement, source, expected, measured, "", holds, kind, note, knownFailure, margin);

    static ClaimResult Record(string id, string statement, string source, string expected, string measured, string tolerance,
                              bool passed, ClaimKind kind, string? note, string? knownFailure = null, double? margin = null)
    {
        if (string.IsNullOrWhiteSpace(id)) throw new ArgumentException("a claim needs an id, e.g. \"01.dstar\"", nameof(id));
        if (knownFailure is not null && (kind == ClaimKind.Check || knownFailure.Trim().Length < 20))
            throw new ArgumentException("knownFailure documents why a claim does not reproduce (a sentence with the numbers); " +
                                        "checks cannot have one", nameof(knownFailure));
        var skipped = kind switch
        {
            ClaimKind.Training => !Profile.ChecksTrainingClaims,
            ClaimKind.FullProfileOnly => Profile.Current != ProfileName.Full,
            _ => false,
        };
        if (skipped) note = (note is null ? "" : note + " ") + (kind == ClaimKind.FullProfileOnly
            ? $"Checked only in the full profile: it needs more compute than the {Profile.Describe()} profile has; the value measured here is shown, not judged."
            : "Skipped in the smoke profile (structure only): the budgets are too small for this claim to mean anything.");
        var r = new ClaimResult(id, statement, source, expected, measured, tolerance, passed, skipped, Profile.Describe(), note,
                                kind == ClaimKind.Check ? "check" : "claim", knownFailure, margin);
        lock (gate)
        {
            var file = Environment.GetEnvironmentVariable(FileVariable);
            if (!string.IsNullOrEmpty(file))
                File.AppendAllText(file, JsonSerializer.Serialize(ClaimRecord.From(r)) + "\n");
        }
        return r;
    }

    /// <summary>Numbers as people read them: 4 significant digits, ∞ for infinities.</summary>
    public static string F(double v) => double.IsPositiveInfinity(v) ? "+∞" : double.IsNegativeInfinity(v) ? "−∞" : double.IsNaN(v) ? "NaN"
        : v.ToString(Math.Abs(v) >= 1e-3 && Math.Abs(v) < 1e5 || v == 0 ? "0.####" : "0.###e0", CultureInfo.InvariantCulture);
}

/// <summary>The line the runner reads back (one JSON object per claim).</summary>
public sealed record ClaimRecord(string id, string statement, string source, string expected, string measured, string tolerance,
                                 bool passed, bool skipped, string profile, string? note, string kind = "claim",
                                 string? known_failure = null,
                                 [property: JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
                                 double? margin = null)
{
    public static ClaimRecord From(ClaimResult r) =>
        new(r.Id, r.Statement, r.Source, r.Expected, r.Measured, r.Tolerance, r.Passed, r.Skipped, r.Profile, r.Note, r.Kind,
            r.KnownFailure, r.Margin is double m && double.IsFinite(m) ? Math.Round(m, 3) : r.Margin);
}

/// <summary>Binomial tails for count-of-seeds claims.</summary>
public static class Binomial
{
    /// <summary>P(X ≤ k) for X ~ Binomial(n, p).</summary>
    public static double Cdf(int k, int n, double p)
    {
        if (k < 0) return 0;
        if (k >= n) return 1;
        double sum = 0;
        for (int i = 0; i <= k; i++) sum += Math.Exp(LogChoose(n, i) + i * Math.Log(p) + (n - i) * Math.Log(1 - p));
        return Math.Min(1, sum);
    }

    /// <summary>The largest k with P(X &lt; k) ≤ <paramref name="alpha"/>, and that probability (the false-failure
    /// rate of "≥ k of n").</summary>
    public static (int K, double FalseFailure) Threshold(int n, double p, double alpha)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), "a count of seeds needs at least one seed");
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), "the assumed rate lies strictly between 0 and 1");
        int k = 0;
        while (k + 1 <= n && Cdf(k, n, p) <= alpha) k++; // P(X < k + 1) = P(X ≤ k)
        return (k, Cdf(k - 1, n, p));
    }

    static double LogChoose(int n, int k)
    {
        double s = 0;
        for (int i = 1; i <= k; i++) s += Math.Log(n - k + i) - Math.Log(i);
        return s;
    }
}
