using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using WganCourse.Runtime;
using Xunit;
using WganCourse.Hosting;

namespace WganCourse.Tests.Runtime;

/// <summary>Windows x64, macOS arm64, Linux x64: the natives chosen per platform (OS injected), the packages the
/// library's build restores, and no absolute Unix path baked into the library or the runner.</summary>
public class PlatformTests
{
    [Theory]
    [InlineData("LINUX", Architecture.X64, "linux-x64", "libtorch-cpu-linux-x64", "libLibTorchSharp.so", "SkiaSharp.NativeAssets.Linux.NoDependencies", "libSkiaSharp.so")]
    [InlineData("WINDOWS", Architecture.X64, "win-x64", "libtorch-cpu-win-x64", "LibTorchSharp.dll", "SkiaSharp.NativeAssets.Win32", "libSkiaSharp.dll")]
    [InlineData("OSX", Architecture.Arm64, "osx-arm64", "libtorch-cpu-osx-arm64", "libLibTorchSharp.dylib", "SkiaSharp.NativeAssets.macOS", "libSkiaSharp.dylib")]
    public void Each_platform_gets_its_own_natives(string os, Architecture arch, string rid, string libtorch, string bridge, string skia, string skiaFile)
    {
        var plan = NativeSetup.PlanFor(OSPlatform.Create(os), arch);
        Assert.Equal(rid, plan.Rid);
        Assert.Equal(libtorch, plan.LibTorchPackage);
        Assert.Equal(bridge, plan.LibTorchSharp);
        Assert.Equal(skia, plan.SkiaPackage);
        Assert.Equal(skiaFile, plan.SkiaFile);
        Assert.Contains(plan.Probe, plan.Preload); // libtorch itself is loaded by absolute path before the bridge
    }

    [Fact]
    public void An_unsupported_platform_is_named_with_the_supported_ones()
    {
        var e = Assert.Throws<PlatformNotSupportedException>(() => NativeSetup.PlanFor(OSPlatform.Create("FREEBSD"), Architecture.X64));
        Assert.Contains("linux-x64, win-x64, osx-arm64", e.Message);
        Assert.Throws<PlatformNotSupportedException>(() => NativeSetup.PlanFor(OSPlatform.OSX, Architecture.X64));
    }

    [Fact]
    public void This_machine_uses_the_linux_plan_and_the_central_pins_cover_every_platform_package()
    {
        Assert.Equal("linux-x64", NativeSetup.CurrentPlan.Rid);
        var pins = XDocument.Load(Path.Combine(TestPaths.Repo, "Directory.Packages.props")).Descendants("PackageVersion")
            .Select(e => e.Attribute("Include")!.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var rid in NativeSetup.SupportedRids)
        {
            var plan = NativeSetup.PlanFor(rid switch { "win-x64" => OSPlatform.Windows, "osx-arm64" => OSPlatform.OSX, _ => OSPlatform.Linux },
                                           rid == "osx-arm64" ? Architecture.Arm64 : Architecture.X64);
            Assert.Contains(plan.LibTorchPackage, pins);
            Assert.Contains(plan.SkiaPackage, pins);
        }
    }

    /// <summary>No `/usr/bin/...`-style absolute path in the library or the runner (tools are found on PATH).</summary>
    [Fact]
    public void No_absolute_unix_tool_path_is_baked_into_the_library_or_runner()
    {
        var offenders = new[] { "lib/WganCourse", "lib/WganCourse.Runner" }
            .SelectMany(d => Directory.GetFiles(Path.Combine(TestPaths.Repo, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(f => File.ReadLines(f).Select((l, i) => (f, i, l)))
            .Where(x => Regex.IsMatch(x.l, "\"/usr/(local/)?bin/"))
            .Select(x => $"{Path.GetRelativePath(TestPaths.Repo, x.f)}:{x.i + 1}: {x.l.Trim()}").ToList();
        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    [Fact]
    public void A_library_older_than_its_sources_says_what_to_run()
    {
        var root = Directory.CreateTempSubdirectory("buildcheck-").FullName;
        try
        {
            var project = Path.Combine(root, "lib", "WganCourse");
            Directory.CreateDirectory(Path.Combine(project, "bin"));
            File.WriteAllText(Path.Combine(project, "WganCourse.csproj"), "<Project/>");
            var source = Path.Combine(project, "A.cs");
            File.WriteAllText(source, "class A {}");
            var dll = Path.Combine(project, "bin", "WganCourse.dll");
            File.WriteAllText(dll, "");
            var t = DateTime.UtcNow;
            File.SetLastWriteTimeUtc(source, t.AddMinutes(-10));
            File.SetLastWriteTimeUtc(Path.Combine(project, "WganCourse.csproj"), t.AddMinutes(-10));
            File.SetLastWriteTimeUtc(dll, t.AddMinutes(-5));
            Assert.Null(BuildCheck.Stale(dll));
            File.SetLastWriteTimeUtc(source, t); // a git pull changed a source after the build
            var msg = BuildCheck.Stale(dll);
            Assert.NotNull(msg);
            Assert.Contains("dotnet build lib/WganCourse -c Release", msg);
            Assert.Contains("A.cs", msg);
            Assert.Null(BuildCheck.Stale(Path.Combine(root, "elsewhere", "WganCourse.dll"))); // not beside its sources
        }
        finally { Directory.Delete(root, true); }
    }
}
