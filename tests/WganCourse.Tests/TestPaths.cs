namespace WganCourse.Tests;

static class TestPaths
{
    /// <summary>The repository root (the folder holding WganCourse.sln).</summary>
    public static string Repo { get; } = Find();

    static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "WganCourse.sln"))) return d.FullName;
        throw new InvalidOperationException("tests must run inside the repository");
    }
}
