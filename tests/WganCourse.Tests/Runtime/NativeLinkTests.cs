using System.Diagnostics;
using System.Xml.Linq;
using WganCourse.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace WganCourse.Tests.Runtime;

/// <summary>
/// Every platform's natives, checked statically on this Linux machine: each symbol LibTorchSharp
/// imports from libtorch is exported by the pinned libtorch package, and the system libraries the
/// natives need are the ones <see cref="NativeDiagnosis"/> and the README tell users to have.
/// </summary>
public class NativeLinkTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("linux-x64")]
    [InlineData("win-x64")]
    [InlineData("osx-arm64")]
    public void LibTorchSharp_links_to_the_pinned_libtorch_and_the_readme_names_the_system_runtime(
        string rid)
    {
        var (bridge, libtorch) = NativePackages.Pair(rid);
        var check = LinkCheck.Run(rid, bridge, libtorch);
        output.WriteLine(check.Summary);
        Assert.True(check.Checked > 1000, $"{rid}: only {check.Checked} libtorch imports read");
        Assert.True(check.Links, $"{check.Summary}\n{string.Join("\n", check.Unresolved)}");

        var rt = NativeDiagnosis.For(rid);
        var ignoreCase = StringComparer.OrdinalIgnoreCase;
        switch (rid)
        {
            case "win-x64": // exactly the redistributable's DLLs are needed beyond Windows itself
                Assert.Equal(rt.Libraries.Order(ignoreCase),
                    check.SystemLibraries.Intersect(rt.Libraries, ignoreCase).Order(ignoreCase));
                break;
            case "osx-arm64":
                Assert.Subset(check.SystemLibraries.ToHashSet(), rt.Libraries.ToHashSet());
                Assert.Equal(rt.MinimumOs, "macOS " + check.MinimumOs);
                break;
            default:
                Assert.Equal(new[] { NativeDiagnosis.LinuxCxxAbi, NativeDiagnosis.LinuxGlibc,
                                     NativeDiagnosis.LinuxGlibcxx }, check.Versions);
                break;
        }
        var gaps = ReadmeGaps(rid, File.ReadAllText(Path.Combine(TestPaths.Repo, "README.md")));
        Assert.True(gaps.Count == 0, $"README's {rid} row does not name {string.Join(", ", gaps)}");
    }

    /// <summary>A deliberately mismatched pair: the win-arm64 bridge with the win-x64 libtorch.
    /// </summary>
    [Fact]
    public void A_mismatched_pair_fails_the_check()
    {
        var (_, libtorch) = NativePackages.Pair("win-x64");
        var arm64 = Path.Combine(NativePackages.TorchSharpNative("win-arm64"), "LibTorchSharp.dll");
        var check = LinkCheck.Run("win-x64", arm64, libtorch);
        output.WriteLine(check.Summary.Replace("win-x64:", "win-arm64 bridge, win-x64 libtorch:"));
        Assert.False(check.Links);
        Assert.Contains(check.MachineMismatches, m => m.StartsWith("LibTorchSharp.dll is arm64"));
    }

    /// <summary>A real version mismatch: the 0.107.0 bridge (built on libtorch 2.10) against
    /// Debian's libtorch 1.13 (python3-torch), under the names the bridge asks for, as a foreign
    /// libtorch on the library path would be bound.</summary>
    [ForeignLibTorchFact]
    public void A_foreign_libtorch_version_fails_the_check()
    {
        var (bridge, _) = NativePackages.Pair("linux-x64");
        var foreign = ForeignLibTorch()!;
        var dir = Directory.CreateTempSubdirectory("wgan-foreign-").FullName;
        try
        {
            foreach (var name in new[] { "libc10", "libtorch_cpu", "libtorch" })
                File.CreateSymbolicLink(Path.Combine(dir, name + ".so"),
                    Directory.GetFiles(foreign, name + ".so.*").OrderBy(f => f.Length).First());
            var check = LinkCheck.Run("linux-x64", bridge, dir);
            output.WriteLine(check.Summary.Replace("linux-x64:", $"linux-x64 bridge, {foreign}:"));
            foreach (var u in check.Unresolved.Take(5)) output.WriteLine("  unresolved: " + u);
            Assert.False(check.Links);
            Assert.Contains("_ZNK3c105Error4whatEv (from libtorch)", check.Unresolved);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>WGAN_COURSE_FOREIGN_LIBTORCH (a folder with libtorch_cpu.so.1.*), else Debian's.
    /// </summary>
    internal static string? ForeignLibTorch() =>
        new[] { Environment.GetEnvironmentVariable("WGAN_COURSE_FOREIGN_LIBTORCH"),
                "/usr/lib/x86_64-linux-gnu" }
            .OfType<string>().FirstOrDefault(d => Directory.Exists(d) &&
                Directory.GetFiles(d, "libtorch_cpu.so.*").Length > 0);

    [Fact]
    public void A_readme_that_names_only_the_sdk_fails_the_windows_check()
    {
        var old = "| Windows x64 | `winget install Microsoft.DotNet.SDK.10` |"; // before #23
        var gaps = ReadmeGaps("win-x64", old);
        output.WriteLine("missing from the old Windows row: " + string.Join(", ", gaps));
        Assert.Contains(NativeDiagnosis.VcRedistInstall, gaps);
    }

    /// <summary>A Windows machine without VCRUNTIME140_1.dll, simulated: Windows fails c10.dll
    /// with "module not found" (126) and the probe cannot load the runtime DLL.</summary>
    [Fact]
    public void Without_the_vc_redistributable_windows_names_the_dll_and_the_winget_command()
    {
        var (bridge, libtorch) = NativePackages.Pair("win-x64");
        IntPtr Load(string path) => Path.GetFileName(path) is "c10.dll" or "torch_cpu.dll"
            ? throw new DllNotFoundException(
                $"Could not load {path}: The specified module could not be found.")
            : 1;
        var e = Assert.Throws<DllNotFoundException>(() => NativeSetup.LoadExplained(
            "win-x64", libtorch, bridge, NativeSetup.PlanFor("win-x64").Preload, Load,
            n => !n.Equals("VCRUNTIME140_1.dll", StringComparison.OrdinalIgnoreCase)));
        output.WriteLine(e.Message);
        Assert.StartsWith("libtorch cannot load: VCRUNTIME140_1.dll is missing", e.Message);
        Assert.Contains($"`{NativeDiagnosis.VcRedistInstall}`", e.Message);
        Assert.DoesNotContain("doesn't contain a reference", e.Message);

        // every runtime DLL there: an older runtime, 'procedure not found' (TorchSharp #1567)
        var old = NativeDiagnosis.Explain("win-x64", libtorch, _ => true, "error 127");
        output.WriteLine(old);
        Assert.Contains("0x8007007F", old);
        Assert.Contains(NativeDiagnosis.VcRedistInstall, old);
    }

    [Fact]
    public void macOS_and_linux_failures_name_their_fix()
    {
        var mac = NativeDiagnosis.Explain("osx-arm64", "/p", n => !n.EndsWith("libomp.dylib"), "x");
        var linux = NativeDiagnosis.Explain("linux-x64", "/pkg", n => n != "libstdc++.so.6", "x");
        output.WriteLine(mac + "\n" + linux);
        Assert.Contains(NativeDiagnosis.BrewLibOmp, mac);
        Assert.Contains("libstdc++.so.6 is missing", linux);
        Assert.Contains("macOS 15.0", NativeDiagnosis.Explain("osx-arm64", "/pkg", _ => true, "x"));
    }

    /// <summary>What the README's set-up row for a platform must name, and does not.</summary>
    internal static List<string> ReadmeGaps(string rid, string readme)
    {
        var label = rid switch
        {
            "win-x64" => "| Windows x64", "osx-arm64" => "| macOS arm64", _ => "| Linux x64",
        };
        var row = readme.Split('\n').FirstOrDefault(l => l.StartsWith(label)) ?? "";
        var needed = rid switch
        {
            "win-x64" => new[] { NativeDiagnosis.VcRedistInstall },
            "osx-arm64" => new[] { NativeDiagnosis.For(rid).MinimumOs.Replace(".0", "") },
            _ => new[] { NativeDiagnosis.LinuxGlibcxx, NativeDiagnosis.LinuxGlibc },
        };
        return needed.Where(n => !row.Contains(n)).ToList();
    }
}

/// <summary>Needs a libtorch other than the pinned one (Debian's python3-torch, or the folder
/// named by WGAN_COURSE_FOREIGN_LIBTORCH); skipped with the reason elsewhere, not in CI.</summary>
public sealed class ForeignLibTorchFactAttribute : FactAttribute
{
    public ForeignLibTorchFactAttribute()
    {
        if (NativeLinkTests.ForeignLibTorch() is null &&
            Requires.Skip(Requires.DebianLibTorch) is { } why)
            Skip = why;
    }
}

/// <summary>The pinned TorchSharp and libtorch packages in the NuGet cache, restored if missing.
/// </summary>
static class NativePackages
{
    static readonly object gate = new();

    static string Pin(string id) =>
        XDocument.Load(Path.Combine(TestPaths.Repo, "Directory.Packages.props"))
            .Descendants("PackageVersion").Single(e => (string?)e.Attribute("Include") == id)
            .Attribute("Version")!.Value;

    static string Cache =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
                       ".nuget", "packages");

    public static string TorchSharpNative(string rid) =>
        Path.Combine(Ensure("TorchSharp"), "runtimes", rid, "native");

    /// <summary>LibTorchSharp of <paramref name="rid"/> and the folder of its libtorch.</summary>
    public static (string Bridge, string LibTorch) Pair(string rid)
    {
        var plan = NativeSetup.PlanFor(rid);
        var libtorch = Path.Combine(Ensure(plan.LibTorchPackage), "runtimes", rid, "native");
        return (Path.Combine(TorchSharpNative(rid), plan.LibTorchSharp), libtorch);
    }

    /// <summary>The package folder; a missing package is restored once (as PlatformBuildTests
    /// does), and a restore that fails fails the test with the reason.</summary>
    static string Ensure(string id)
    {
        var dir = Path.Combine(Cache, id.ToLowerInvariant(), Pin(id));
        lock (gate)
        {
            if (Directory.Exists(Path.Combine(dir, "runtimes"))) return dir;
            var root = Directory.CreateTempSubdirectory("wgan-natives-").FullName;
            try
            {
                File.WriteAllText(Path.Combine(root, "r.csproj"), $"""
                    <Project Sdk="Microsoft.NET.Sdk">
                      <PropertyGroup>
                        <TargetFramework>net10.0</TargetFramework>
                        <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                      </PropertyGroup>
                      <ItemGroup>
                        <PackageDownload Include="{id}" Version="[{Pin(id)}]" />
                      </ItemGroup>
                    </Project>
                    """);
                var psi = new ProcessStartInfo("dotnet", "restore r.csproj")
                {
                    WorkingDirectory = root,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                };
                using var p = Process.Start(psi)!;
                var err = p.StandardError.ReadToEndAsync();
                var log = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0 || !Directory.Exists(Path.Combine(dir, "runtimes")))
                    throw new InvalidOperationException($"{id} {Pin(id)} is not in the cache " +
                        $"({Cache}) and could not be restored:\n{log}{err.Result}");
            }
            finally { try { Directory.Delete(root, true); } catch (IOException) { } }
            return dir;
        }
    }
}
