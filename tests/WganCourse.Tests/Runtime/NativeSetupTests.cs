using System.Diagnostics;
using TorchSharp;
using WganCourse.Runtime;
using Xunit;
using WganCourse.Hosting;

namespace WganCourse.Tests.Runtime;

public class NativeSetupTests
{
    [Fact]
    public void A_torch_operation_runs_in_the_test_process()
    {
        Course.Setup();
        using var a = torch.tensor(new float[] { 1, 2, 3 });
        using var b = a * a;
        Assert.Equal(14f, b.sum().item<float>());
    }

    [Fact]
    public void The_patch_only_weakens_missing_libstdcxx_versions_and_changes_nothing_else()
    {
        var report = NativeSetup.Ensure();
        var original = ElfFile.Read(report.LibTorchSharp);
        var stdcxx = NativeSetup.FindLibStdCxx();
        Assert.NotNull(stdcxx);
        var provided = ElfFile.Read(stdcxx!).DefinedVersions().ToHashSet();
        var missing = original.RequiredVersions().Where(v => v.File == "libstdc++.so.6" && !provided.Contains(v.Version)).ToList();
        Assert.Equal(missing.Count > 0, report.PatchNeeded);
        if (!report.PatchNeeded) { Assert.Null(report.PatchedCopy); return; }

        Assert.StartsWith(TestPaths.Repo, report.PatchedCopy!); // written inside the repository, not the NuGet cache
        Assert.DoesNotContain(".nuget", report.PatchedCopy!);
        var patched = ElfFile.Read(report.PatchedCopy!);
        Assert.Equal(original.Bytes.Length, patched.Bytes.Length);
        var changed = Enumerable.Range(0, original.Bytes.Length).Where(i => original.Bytes[i] != patched.Bytes[i]).ToList();
        Assert.Equal(missing.Count, changed.Count); // one flags byte per weakened version
        foreach (var v in patched.RequiredVersions())
            Assert.Equal(missing.Any(m => m.Version == v.Version && m.File == v.File), v.IsWeak);
        Assert.Contains("GLIBCXX_3.4.32", report.WeakenedVersions);
    }

    [Fact]
    public void Libstdcxx_of_debian_12_is_read_correctly()
    {
        var versions = ElfFile.Read(NativeSetup.FindLibStdCxx()!).DefinedVersions();
        Assert.Contains("GLIBCXX_3.4", versions);
        Assert.Contains("CXXABI_1.3", versions);
    }

    [Fact]
    public void No_native_copy_is_made_into_the_torchsharp_package()
    {
        Course.Setup();
        var torchDir = Path.GetDirectoryName(typeof(torch).Assembly.Location)!;
        Assert.False(Directory.Exists(Path.Combine(torchDir, "cpu")), $"TorchSharp fell back to copying natives into {torchDir}/cpu");
    }

    /// <summary>
    /// A foreign libtorch first on the library path (as Debian's python3-torch puts libtorch 1.13 on the system path)
    /// must not be bound: fake libtorch.so/libc10.so/libtorch_cpu.so with no symbols would break any load that used them.
    /// </summary>
    [GccFact]
    public void Loads_its_own_libtorch_when_a_foreign_one_is_on_the_library_path()
    {
        var fake = Directory.CreateTempSubdirectory("foreign-libtorch-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(fake, "empty.c"), "int foreign_libtorch_marker = 1;\n");
            foreach (var so in new[] { "libtorch.so", "libc10.so", "libtorch_cpu.so" })
                Run("gcc", $"-shared -fPIC -o {so} -Wl,-soname,{so} empty.c", fake, null);
            var output = Run("dotnet", $"\"{RunnerDll}\" selfcheck", fake, fake);
            Assert.Contains("torch check: (1,2,3)·(1,2,3) = 14", output);
            Assert.DoesNotContain($"mapped: {fake}", output);
        }
        finally { Directory.Delete(fake, recursive: true); }
    }

    /// <summary>Debian's real libtorch 1.13 (python3-torch), when installed, on LD_LIBRARY_PATH ahead of everything.</summary>
    [DebianLibTorchFact]
    public void Loads_its_own_libtorch_beside_debians_python3_torch()
    {
        const string debian = "/usr/lib/x86_64-linux-gnu";
        var foreign = Directory.GetFiles(debian, "libtorch.so*").Concat(Directory.GetFiles(debian, "libc10.so*")).ToList();
        Assert.NotEmpty(foreign); // the attribute skips (outside CI) when python3-torch is missing
        var output = Run("dotnet", $"\"{RunnerDll}\" selfcheck", TestPaths.Repo, debian);
        Assert.Contains("= 14", output);
        Assert.DoesNotContain($"mapped: {debian}/libtorch", output);
    }

    static string RunnerDll => Path.Combine(AppContext.BaseDirectory, "WganCourse.Runner.dll");

    static string Run(string file, string args, string cwd, string? ldLibraryPath)
    {
        var psi = new ProcessStartInfo(file, args) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        if (ldLibraryPath is not null) psi.Environment["LD_LIBRARY_PATH"] = ldLibraryPath;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"{file} {args} timed out"); }
        var all = stdout.Result + stderr.Result;
        Assert.True(p.ExitCode == 0, $"{file} {args} exited {p.ExitCode}:\n{all}");
        return all;
    }
}

public class BackendSwitchTests
{
    static readonly System.Reflection.Assembly Torch = typeof(torch).Assembly;

    [Fact]
    public void Cuda_backend_without_the_cuda_package_says_how_to_restore_it()
    {
        var e = Assert.Throws<DllNotFoundException>(() => NativeSetup.Locate(Torch, "cuda", Path.GetTempPath()));
        Assert.Contains("-p:TorchBackend=cuda", e.Message);
        Assert.Contains(NativeSetup.CudaPackage, e.Message);
    }

    [Fact]
    public void Cuda_backend_uses_an_app_that_ships_the_cuda_libraries()
    {
        var app = Directory.CreateTempSubdirectory("cuda-app-").FullName;
        try
        {
            foreach (var f in new[] { "libLibTorchSharp.so", "libtorch_cpu.so", "libtorch_cuda.so" }) File.WriteAllBytes(Path.Combine(app, f), Array.Empty<byte>());
            var (lts, dir) = NativeSetup.Locate(Torch, "cuda", app);
            Assert.Equal(app, dir);
            Assert.Equal(Path.Combine(app, "libLibTorchSharp.so"), lts);
        }
        finally { Directory.Delete(app, true); }
    }

    [Fact]
    public void Cpu_is_the_default_and_a_typo_is_named()
    {
        var (_, dir) = NativeSetup.Locate(Torch, null, Path.GetTempPath());
        Assert.True(File.Exists(Path.Combine(dir, "libtorch_cpu.so")));
        Assert.False(File.Exists(Path.Combine(dir, "libtorch_cuda.so")));
        Assert.Contains("use cpu or cuda", Assert.Throws<ArgumentException>(() => NativeSetup.Locate(Torch, "gpu", Path.GetTempPath())).Message);
    }
}
