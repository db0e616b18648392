using System.Diagnostics;
using WganCourse.Runner.Execution;
using Xunit;

namespace WganCourse.Tests;

/// <summary>What a test needs from the machine beyond the .NET SDK. On a fresh machine a test whose prerequisite is
/// missing is reported as *skipped* with the reason and the fix (never as passed); in CI (WGAN_COURSE_CI=1, set by
/// .ci/run, which installs everything) nothing is skipped, so a missing prerequisite fails loudly there.</summary>
static class Requires
{
    public static bool InCi => Environment.GetEnvironmentVariable("WGAN_COURSE_CI") == "1";

    /// <summary>python3 with Jupyter's notebook client (the runner still drives notebooks through it).</summary>
    public static string? Jupyter() => Lazy(ref jupyter, () =>
        Tools.PythonWith("nbclient", "nbformat", "jupyter_client") is not null ? null
            : "needs python3 with Jupyter's notebook client: " + Tools.Fix("jupyter", Tools.CurrentOs));

    /// <summary>Debian's python3-torch (a foreign libtorch 1.13 on the system library path).</summary>
    public static string? DebianLibTorch() => Lazy(ref debianTorch, () =>
        OperatingSystem.IsLinux() && Directory.Exists("/usr/lib/x86_64-linux-gnu") &&
        Directory.GetFiles("/usr/lib/x86_64-linux-gnu", "libtorch.so*").Length > 0 ? null
            : "needs Debian's python3-torch (a foreign libtorch on the library path): `sudo apt-get install python3-torch`");

    /// <summary>A C compiler (to build fake foreign libraries).</summary>
    public static string? Gcc() => Lazy(ref gcc, () =>
        Tools.Find("gcc") is not null ? null : "needs gcc: `sudo apt-get install gcc`");

    /// <summary>bubblewrap that can make grading's sandbox here (installed, and user namespaces allowed).</summary>
    public static string? Sandbox() => Lazy(ref sandbox, () =>
        WganCourse.Runner.Grading.Sandbox.Unavailable() is { } why ? "needs grading's sandbox: " + why : null);

    static string? jupyter, debianTorch, gcc, sandbox;
    static string? Lazy(ref string? field, Func<string?> check) => field ??= check() ?? "";

    static int Exit(string file, string args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            p.StandardOutput.ReadToEnd(); p.StandardError.ReadToEnd();
            return p.WaitForExit(60_000) ? p.ExitCode : -1;
        }
        catch (System.ComponentModel.Win32Exception) { return -1; }
    }

    /// <summary>The skip reason for a set of prerequisites ("" = all present), never skipping in CI.</summary>
    public static string? Skip(params Func<string?>[] checks)
    {
        if (InCi) return null;
        var missing = checks.Select(c => c()).Where(r => !string.IsNullOrEmpty(r)).ToList();
        return missing.Count == 0 ? null : string.Join("; ", missing);
    }
}

/// <summary>A fact that executes notebooks through Jupyter's client: skipped with the reason where it is missing.</summary>
public sealed class JupyterFactAttribute : FactAttribute
{
    public JupyterFactAttribute() { if (Requires.Skip(Requires.Jupyter) is { } why) Skip = why; }
}

/// <summary>A fact that needs Debian's python3-torch.</summary>
public sealed class DebianLibTorchFactAttribute : FactAttribute
{
    public DebianLibTorchFactAttribute() { if (Requires.Skip(Requires.DebianLibTorch) is { } why) Skip = why; }
}

/// <summary>A fact that needs gcc.</summary>
public sealed class GccFactAttribute : FactAttribute
{
    public GccFactAttribute() { if (Requires.Skip(Requires.Gcc) is { } why) Skip = why; }
}

/// <summary>A fact that grades students inside bubblewrap: skipped with the reason where no sandbox can be made.</summary>
public sealed class SandboxFactAttribute : FactAttribute
{
    public SandboxFactAttribute() { if (Requires.Skip(Requires.Sandbox) is { } why) Skip = why; }
}
