namespace WganCourse.Runtime;

/// <summary>Is the library a notebook loaded older than its sources (e.g. after a <c>git pull</c>)?</summary>
public static class BuildCheck
{
    /// <summary>The command that builds the library, from the repository root.</summary>
    public const string BuildCommand = "dotnet build lib/WganCourse -c Release";

    /// <summary>One line saying what to run when <paramref name="dll"/> (in lib/WganCourse/bin/) is older than a source
    /// file of its project; null when it is up to date or the sources are not beside it (an app, a package).</summary>
    public static string? Stale(string dll)
    {
        var bin = Path.GetDirectoryName(Path.GetFullPath(dll));
        var project = bin is null ? null : Path.GetDirectoryName(bin);
        if (project is null || !File.Exists(dll) || !File.Exists(Path.Combine(project, "WganCourse.csproj"))) return null;
        var built = File.GetLastWriteTimeUtc(dll);
        var repo = Path.GetFullPath(Path.Combine(project, "..", ".."));
        var sources = Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsUnder(f, Path.Combine(project, "bin")) && !IsUnder(f, Path.Combine(project, "obj")))
            .Append(Path.Combine(project, "WganCourse.csproj"))
            .Concat(new[] { "Directory.Build.props", "Directory.Packages.props" }.Select(f => Path.Combine(repo, f)).Where(File.Exists));
        var newest = sources.Select(f => (File: f, Time: File.GetLastWriteTimeUtc(f))).MaxBy(x => x.Time);
        if (newest.Time <= built.AddSeconds(1)) return null;
        return $"The library is older than its sources ({Path.GetRelativePath(repo, newest.File)} changed after the last build): " +
               $"run `{BuildCommand}` at {repo}, then restart the kernel.";
    }

    static bool IsUnder(string file, string dir) =>
        file.StartsWith(dir + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
