// Timed blocking waits are the point here: a kernel or build that hangs must fail the test at its deadline.
#pragma warning disable xUnit1031
using System.Diagnostics;
using Xunit;

namespace WganCourse.Tests.Runtime;

/// <summary>A build of the runner for each platform restores that platform's libtorch and SkiaSharp natives and puts
/// them in its output (built from a copy of the sources, so this worktree's own build is untouched). Slow the first
/// time: it restores libtorch for Windows and macOS (≈ 600 MB of packages).</summary>
public class PlatformBuildTests
{
    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("linux-x64", new[] { "libLibTorchSharp.so", "libtorch_cpu.so", "libc10.so", "libSkiaSharp.so", "TorchSharp.dll" })]
    [InlineData("win-x64", new[] { "LibTorchSharp.dll", "torch_cpu.dll", "c10.dll", "libSkiaSharp.dll", "TorchSharp.dll" })]
    [InlineData("osx-arm64", new[] { "libLibTorchSharp.dylib", "libtorch_cpu.dylib", "libc10.dylib", "libSkiaSharp.dylib", "TorchSharp.dll" })]
    public void A_build_for_each_platform_contains_its_natives(string rid, string[] natives)
    {
        var root = Directory.CreateTempSubdirectory($"wgan-rid-{rid}-").FullName;
        try
        {
            foreach (var f in new[] { "Directory.Build.props", "Directory.Packages.props" })
                File.Copy(Path.Combine(TestPaths.Repo, f), Path.Combine(root, f));
            foreach (var project in new[] { "WganCourse", "WganCourse.Runner" })
                Copy(Path.Combine(TestPaths.Repo, "lib", project), Path.Combine(root, "lib", project));
            var output = Path.Combine(root, "out");
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "build", "lib/WganCourse.Runner", "-c", "Release", "-r", rid, "--no-self-contained", "-o", output })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"dotnet build -r {rid} failed:\n{stdout[^Math.Min(4000, stdout.Length)..]}\n{err.Result}");
            var files = Directory.GetFiles(output, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToHashSet();
            foreach (var n in natives) Assert.True(files.Contains(n), $"{rid}: {n} missing from the build output");
            // and no other platform's libtorch
            var foreign = new[] { "libtorch_cpu.so", "torch_cpu.dll", "libtorch_cpu.dylib" }.Where(n => !natives.Contains(n) && files.Contains(n));
            Assert.Empty(foreign);
        }
        finally { try { Directory.Delete(root, true); } catch (IOException) { } }
    }

    static void Copy(string from, string to)
    {
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, f);
            if (rel.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj") continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(to, rel))!);
            File.Copy(f, Path.Combine(to, rel));
        }
    }
}
