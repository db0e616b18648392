using System.Runtime.InteropServices;

namespace WganCourse.Runner.Execution;

/// <summary>External programs are found on PATH (no path of one system baked in); a missing one gives one line with the
/// fix for this operating system.</summary>
public static class Tools
{
    /// <summary>The full path of <paramref name="name"/> on PATH (with .exe/.cmd on Windows), or null.</summary>
    public static string? Find(string name, string? path = null)
    {
        var dirs = (path ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var names = OperatingSystem.IsWindows() ? new[] { name + ".exe", name + ".cmd", name } : new[] { name };
        return dirs.SelectMany(d => names.Select(n => Path.Combine(d, n))).FirstOrDefault(File.Exists);
    }

    /// <summary>Every <paramref name="name"/> on PATH, in PATH order (several Pythons are common: pyenv's shim first, the
    /// system's later).</summary>
    public static IEnumerable<string> FindAll(string name, string? path = null)
    {
        var dirs = (path ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var names = OperatingSystem.IsWindows() ? new[] { name + ".exe", name + ".cmd", name } : new[] { name };
        return dirs.SelectMany(d => names.Select(n => Path.Combine(d, n))).Where(File.Exists).Distinct();
    }

    /// <summary>The first python3 (or python) on PATH that imports all of <paramref name="modules"/>, or null: the first
    /// Python on PATH is often not the one that has Jupyter's client or Debian's torch.</summary>
    public static string? PythonWith(params string[] modules)
    {
        var key = string.Join(",", modules);
        lock (pythons)
        {
            if (pythons.TryGetValue(key, out var known)) return known;
            string? found = null;
            foreach (var py in FindAll("python3").Concat(FindAll("python")))
            {
                try
                {
                    var psi = new System.Diagnostics.ProcessStartInfo(py) { RedirectStandardError = true, RedirectStandardOutput = true };
                    psi.ArgumentList.Add("-c");
                    psi.ArgumentList.Add("import " + key);
                    using var p = System.Diagnostics.Process.Start(psi)!;
                    p.StandardOutput.ReadToEnd(); p.StandardError.ReadToEnd();
                    if (p.WaitForExit(60_000) && p.ExitCode == 0) { found = py; break; }
                }
                catch (System.ComponentModel.Win32Exception) { }
            }
            return pythons[key] = found;
        }
    }
    static readonly Dictionary<string, string?> pythons = new();

    /// <summary>The first of <paramref name="names"/> found on PATH, or an exception whose message is one line with the fix.</summary>
    public static string Require(string what, string fixKey, params string[] names) =>
        names.Select(n => Find(n)).FirstOrDefault(p => p is not null)
        ?? throw new InvalidOperationException($"{what} not found on PATH ({string.Join(" / ", names)}): {Fix(fixKey, CurrentOs)}");

    public static OSPlatform CurrentOs =>
        OperatingSystem.IsWindows() ? OSPlatform.Windows : OperatingSystem.IsMacOS() ? OSPlatform.OSX : OSPlatform.Linux;

    /// <summary>One line for a failed `dotnet tool restore` of the pinned kernel: offline (NuGet unreachable) or
    /// another cause, with the fix for <paramref name="os"/>.</summary>
    public static string ToolRestoreFailed(string version, string output, string repo, OSPlatform os)
    {
        var cache = os == OSPlatform.Windows ? @"%USERPROFILE%\.nuget\packages" : "~/.nuget/packages";
        var offline = new[] { "Unable to load the service index", "NU1301", "No such host", "Name or service not known",
                              "nodename nor servname", "Connection refused", "timed out" }
            .Any(m => output.Contains(m, StringComparison.OrdinalIgnoreCase));
        var source = System.Text.RegularExpressions.Regex.Match(output, @"source (\S+?)\.?(\s|$)").Groups[1].Value;
        return offline
            ? $"the pinned kernel (dotnet-interactive {version}) is not restored and NuGet is unreachable" +
              (source.Length > 0 ? $" ({source})" : "") + ": connect to the internet (or add a reachable source: " +
              $"`dotnet nuget add source URL`) and run `dotnet tool restore` in {repo}; with no network at all, copy " +
              $"{cache}/microsoft.dotnet-interactive/{version} from a machine that has it"
            : $"`dotnet tool restore` of the pinned kernel (dotnet-interactive {version}) failed: " +
              $"{output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0)} — run it in {repo} to see why";
    }

    /// <summary>How to install a prerequisite on an operating system (injectable for tests).</summary>
    public static string Fix(string key, OSPlatform os)
    {
        bool win = os == OSPlatform.Windows, mac = os == OSPlatform.OSX;
        return key switch
        {
            "jupyter" => win ? "install Python 3, then `py -m pip install nbclient nbconvert jupyter_client ipykernel`"
                       : mac ? "`brew install python` then `python3 -m pip install nbclient nbconvert jupyter_client ipykernel`"
                       : "`sudo apt-get install python3-nbclient python3-jupyter-client python3-ipykernel jupyter-nbconvert`",
            "chromium" => win ? "`winget install Google.Chrome` (or `choco install chromium`), then put chrome.exe's folder on PATH"
                        : mac ? "`brew install --cask chromium`"
                        : "`sudo apt-get install chromium`",
            "sdk" => win ? "`winget install Microsoft.DotNet.SDK.10`"
                   : mac ? "`brew install --cask dotnet-sdk` (or the installer from https://dot.net)"
                   : "`sudo apt-get install dotnet-sdk-10.0` (Debian: add Microsoft's package feed first, " +
                     "https://learn.microsoft.com/dotnet/core/install/linux-debian)",
            _ => $"install {key}",
        };
    }
}
