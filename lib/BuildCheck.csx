// The build check that each notebook's set-up cell loads (`#load "../lib/BuildCheck.csx"`) before
// its `#r` lines: runs `dotnet build lib/WganCourse -c Release` when the library is missing or
// older than its sources (the first build restores packages: a few minutes). In a kernel that has
// already loaded the library it does not build over it but says to restart the kernel; where the
// sources are not beside the notebook it does nothing. SetupCellBuildTests checks it in the kernel.
using IO = System.IO;
{
    var root = new IO.DirectoryInfo(IO.Directory.GetCurrentDirectory());
    string Lib(IO.DirectoryInfo d) => IO.Path.Combine(d.FullName, "lib", "WganCourse");
    for (int up = 0; up < 3 && root is not null; up++)
        if (!IO.File.Exists(IO.Path.Combine(Lib(root), "WganCourse.csproj"))) root = root.Parent;
        else break;
    var lib = root is null ? "" : Lib(root);
    if (IO.File.Exists(IO.Path.Combine(lib, "WganCourse.csproj"))) // no sources (grading): no check
    {
        var dll = IO.Path.Combine(lib, "bin", "WganCourse.dll");
        var built = IO.File.Exists(dll) ? IO.File.GetLastWriteTimeUtc(dll) : default;
        string Top(string f) => IO.Path.GetRelativePath(lib, f).Split('/', '\\')[0];
        var sources = IO.Directory.EnumerateFiles(lib, "*.cs*", IO.SearchOption.AllDirectories)
            .Where(f => Top(f) is not ("bin" or "obj"))
            .Append(IO.Path.Combine(root!.FullName, "Directory.Build.props"))
            .Append(IO.Path.Combine(root.FullName, "Directory.Packages.props"))
            .Where(IO.File.Exists);
        if (sources.Max(IO.File.GetLastWriteTimeUtc) > built.AddSeconds(1))
        {
            if (AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "WganCourse"))
                throw new Exception("The library changed since this kernel loaded it: restart " +
                                    "the kernel, then run this cell again (it rebuilds it).");
            Console.WriteLine(built == default ? "Building the course library…" :
                              "The library is older than its sources: rebuilding…");
            var dotnet = Environment.ProcessPath ?? "dotnet"; // the SDK running this kernel
            if (IO.Path.GetFileNameWithoutExtension(dotnet) != "dotnet") dotnet = "dotnet";
            var args = "build lib/WganCourse -c Release";
            var build = new System.Diagnostics.ProcessStartInfo(dotnet, args)
            {
                WorkingDirectory = root.FullName,
                RedirectStandardOutput = true, RedirectStandardError = true,
            };
            using var p = System.Diagnostics.Process.Start(build)!;
            var output = p.StandardOutput.ReadToEndAsync();
            var errors = p.StandardError.ReadToEnd();
            p.WaitForExit();
            var lines = (output.Result + errors).Split('\n').Where(l => l.Contains("error"));
            if (p.ExitCode != 0)
                throw new Exception("The library did not build: run `dotnet build lib/WganCourse " +
                    $"-c Release` in {root.FullName} to see why.\n" +
                    string.Join("\n", lines.Distinct()));
            Console.WriteLine("Built.");
        }
    }
}
