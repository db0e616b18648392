namespace WganCourse.Hosting;

/// <summary>What one platform's natives need from the machine that no package ships.</summary>
/// <param name="Rid">.NET runtime identifier.</param>
/// <param name="Libraries">System libraries the natives link to that the user must have.</param>
/// <param name="What">Where they come from, in words.</param>
/// <param name="Install">The one command that installs them ("" where the OS has them).</param>
/// <param name="MinimumOs">The oldest OS release the natives are built for.</param>
public sealed record SystemRuntime(
    string Rid, IReadOnlyList<string> Libraries, string What, string Install, string MinimumOs);

/// <summary>
/// Says why libtorch did not load, instead of TorchSharp's "doesn't contain a reference to
/// libtorch-…". Its tables are checked against the natives and the README (NativeLinkTests).
/// </summary>
public static class NativeDiagnosis
{
    /// <summary>Installs or updates the Visual C++ 2015–2022 redistributable (x64).</summary>
    public const string VcRedistInstall = "winget install Microsoft.VCRedist.2015+.x64";
    /// <summary>The newest libstdc++ version the linux-x64 natives need once NativeSetup has
    /// weakened GLIBCXX_3.4.32 (one symbol, never called); Debian 12 and Ubuntu 22.04 have it.
    /// </summary>
    public const string LinuxGlibcxx = "GLIBCXX_3.4.30";
    /// <summary>The newest C++ ABI version they need (GCC 11 or later).</summary>
    public const string LinuxCxxAbi = "CXXABI_1.3.13";
    /// <summary>The newest glibc version they need (Debian 12: 2.36, Ubuntu 22.04: 2.35).</summary>
    public const string LinuxGlibc = "GLIBC_2.34";
    /// <summary>Fallback when the package's libomp.dylib cannot be loaded first.</summary>
    public const string BrewLibOmp = "brew install libomp";

    /// <summary>The system runtime of each supported platform.</summary>
    public static SystemRuntime For(string rid) => rid switch
    {
        "win-x64" => new(rid, new[] { "MSVCP140.dll", "VCRUNTIME140.dll", "VCRUNTIME140_1.dll" },
            "the Microsoft Visual C++ 2015–2022 redistributable (x64), which no package ships",
            VcRedistInstall, "Windows 10"),
        "osx-arm64" => new(rid, new[] { "/usr/lib/libc++.1.dylib", "/usr/lib/libSystem.B.dylib" },
            "part of macOS; the package's own libomp.dylib stands in for Homebrew's", "",
            "macOS 15.0"),
        "linux-x64" => new(rid, new[] { "libstdc++.so.6", "libgcc_s.so.1", "libc.so.6", "libm.so.6",
                "libdl.so.2", "librt.so.1", "libpthread.so.0", "ld-linux-x86-64.so.2" },
            $"libstdc++ with {LinuxGlibcxx} and {LinuxCxxAbi}, glibc with {LinuxGlibc}",
            "sudo apt-get install libstdc++6", "Debian 12 or Ubuntu 22.04"),
        _ => throw new PlatformNotSupportedException($"no system runtime known for {rid}"),
    };

    /// <summary>
    /// Why the natives in <paramref name="libtorchDir"/> did not load. <paramref name="canLoad"/>
    /// answers for a bare system library name or a full path; injected so that a machine without
    /// a library can be simulated on any OS.
    /// </summary>
    public static string Explain(string rid, string libtorchDir, Func<string, bool> canLoad,
                                 string error)
    {
        var rt = For(rid);
        var missing = rt.Libraries.FirstOrDefault(l => !canLoad(l));
        var tail = $" (the loader said: {error.Trim()})";
        if (rid == "win-x64")
            return missing is not null
                ? $"libtorch cannot load: {missing} is missing. It is part of {rt.What}. " +
                  $"Install it with `{rt.Install}`, then restart the kernel (or run the command " +
                  "again)." + tail
                : $"libtorch cannot load although {string.Join(", ", rt.Libraries)} are " +
                  "installed: an older Visual C++ runtime gives 'procedure not found' " +
                  $"(0x8007007F). Update it with `{rt.Install}`, then restart the kernel. If " +
                  "that does not help, use WSL 2 with the Linux set-up (README, Platforms)." + tail;
        if (rid == "osx-arm64")
        {
            var omp = Path.Combine(libtorchDir, "libomp.dylib");
            if (!canLoad(omp))
                return $"libtorch cannot load: {omp} did not load, so libtorch_cpu.dylib looks " +
                       $"for Homebrew's libomp. Install it with `{BrewLibOmp}`, then restart the " +
                       "kernel." + tail;
            return missing is not null
                ? $"libtorch cannot load: the system's {missing} did not load ({rt.What})." + tail
                : $"libtorch cannot load: TorchSharp's LibTorchSharp.dylib is built for " +
                  $"{rt.MinimumOs} or later on Apple silicon; update macOS (System Settings → " +
                  "Software Update)." + tail;
        }
        return missing is not null
            ? $"libtorch cannot load: {missing} is missing. Install it with `{rt.Install}`." + tail
            : $"libtorch cannot load: it needs {rt.What}; {rt.MinimumOs} is the oldest system " +
              "this course runs on (NativeSetup works around GLIBCXX_3.4.32 there)." + tail;
    }
}
