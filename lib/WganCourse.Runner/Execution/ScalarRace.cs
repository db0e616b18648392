namespace WganCourse.Runner.Execution;

/// <summary>
/// A failure that is TorchSharp's, not the notebook's: an implicitly created <c>TorchSharp.Scalar</c> (any
/// <c>tensor * 0.5</c>, and every step of TorchSharp's optimizers) is freed by its finalizer, and nothing keeps it
/// alive during the native call that reads it (<c>THSTensor_mul_scalar_(Handle, scalar.Handle)</c>): when another
/// thread of the kernel triggers a garbage collection during that call, libtorch reads a freed c10::Scalar and throws
/// from <c>c10/core/Scalar.h</c> ("Expected false to be true" in <c>toFloat</c>, or "Unknown scalar type"). Seen in
/// both clean-clone CIs of 2026-12-06 (notebook 07, cell 34; notebook 04, cell 10); docs/PLATFORMS.md has the details.
/// </summary>
public static class ScalarRace
{
    static readonly string[] Signatures = { "c10/core/Scalar.h", "Unknown scalar type" };

    /// <summary>How many more times <c>reproduce</c> runs a notebook that hit the race (it hit 2 of about 30 long
    /// notebook runs on 2026-12-06, p ≈ 0.07, so with two more runs a notebook fails by the race alone with p³ ≈ 3·10⁻⁴).</summary>
    public const int Reruns = 2;

    /// <summary>Whether a cell's error text carries the race's signature.</summary>
    public static bool Matches(string? error) =>
        error is not null && Signatures.Any(s => error.Contains(s, StringComparison.Ordinal));

    /// <summary>The error's line that names where libtorch threw, for the progress line.</summary>
    public static string Describe(string? error) =>
        (error ?? "").Split('\n').Select(l => l.Trim())
            .FirstOrDefault(l => Signatures.Any(s => l.Contains(s, StringComparison.Ordinal))) ?? "";
}
