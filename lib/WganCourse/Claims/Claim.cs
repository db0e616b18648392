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
    bool Passed, bool Skipped, string Profile, string? Note, string Kind = "claim", string? KnownFailure = null) : IHtmlDisplay
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
               $" · <span style=\"color:#666\">{E(Source)} · profile {E(Profile)}</span>" + (Note is null ? "" : $"<br/><i>{E(Note)}</i>") +
               (KnownFailure is null || Passed || Skipped ? "" : $"<br/><b>Does not reproduce here</b>: {E(KnownFailure)}") + "</div>";
    }

    public override string ToString() => $"[{(IsCheck ? "check " : "")}{Status}] {Id}: {Statement} — expected {Expected}, measured {Measured}" + (Tolerance.Length > 0 ? $" ({Tolerance})" : "");
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

    /// <summary>measured ≥ threshold.</summary>
    public static ClaimResult AtLeast(string id, string statement, string source, double threshold, double measured,
                                      ClaimKind kind = ClaimKind.Training, string? note = null,
                                      string? knownFailure = null) =>
        Record(id, statement, source, "≥ " + F(threshold), F(measured), "", measured >= threshold, kind, note, knownFailure);

    /// <summary>measured ≤ threshold.</summary>
    public static ClaimResult AtMost(string id, string statement, string source, double threshold, double measured,
                                     ClaimKind kind = ClaimKind.Training, string? note = null,
                                     string? knownFailure = null) =>
        Record(id, statement, source, "≤ " + F(threshold), F(measured), "", measured <= threshold, kind, note, knownFailure);

    /// <summary>A predicate claim: the caller states in words what was expected and what was seen.</summary>
    public static ClaimResult That(string id, string statement, string source, string expected, string measured, bool holds,
                                   ClaimKind kind = ClaimKind.Training, string? note = null,
                                   string? knownFailure = null) =>
        Record(id, statement, source, expected, measured, "", holds, kind, note, knownFailure);

    static ClaimResult Record(string id, string statement, string source, string expected, string measured, string tolerance,
                              bool passed, ClaimKind kind, string? note, string? knownFailure = null)
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
                                kind == ClaimKind.Check ? "check" : "claim", knownFailure);
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
                                 string? known_failure = null)
{
    public static ClaimRecord From(ClaimResult r) =>
        new(r.Id, r.Statement, r.Source, r.Expected, r.Measured, r.Tolerance, r.Passed, r.Skipped, r.Profile, r.Note, r.Kind,
            r.KnownFailure);
}
