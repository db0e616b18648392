namespace WganCourse.Runner.Execution;

static class Repo
{
    /// <summary>The repository root: the folder holding WganCourse.sln, above the working directory or the runner.</summary>
    public static string Root { get; } = Find();

    static string Find()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "WganCourse.sln"))) return d.FullName;
        throw new InvalidOperationException("Run the runner from inside the WganCourse repository (no WganCourse.sln found above " + Environment.CurrentDirectory + ").");
    }

    public static string Artifacts => Path.Combine(Root, "artifacts");
    public static string Notebooks => Path.Combine(Root, "notebooks");
}
