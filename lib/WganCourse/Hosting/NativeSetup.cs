using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace WganCourse.Hosting;

/// <summary>The native files of one platform: which packages hold them and how they are named.</summary>
/// <param name="Rid">.NET runtime identifier (linux-x64, win-x64, osx-arm64).</param>
/// <param name="LibTorchPackage">The libtorch CPU package of that platform (its natives under runtimes/&lt;Rid&gt;/native).</param>
/// <param name="LibTorchSharp">TorchSharp's native bridge, in the TorchSharp package under runtimes/&lt;Rid&gt;/native.</param>
/// <param name="Probe">A file every libtorch folder of that platform holds.</param>
/// <param name="Preload">libtorch libraries loaded by absolute path before the bridge, dependencies first (globs).</param>
/// <param name="SkiaPackage">The package with SkiaSharp's native library for that platform.</param>
/// <param name="SkiaRid">The runtimes/ folder SkiaSharp uses there.</param>
/// <param name="SkiaFile">SkiaSharp's native library.</param>
public sealed record NativePlan(string Rid, string LibTorchPackage, string LibTorchSharp, string Probe, IReadOnlyList<string> Preload,
                                string SkiaPackage, string SkiaRid, string SkiaFile);

/// <summary>What <see cref="NativeSetup.Ensure"/> found and did, in words a student can act on.</summary>
public sealed record NativeReport(
    string LibTorchSharp, string LibTorchDir, bool PatchNeeded, string? PatchedCopy,
    IReadOnlyList<string> WeakenedVersions, string Message)
{
    /// <summary>What was done with libtorch's oneDNN switch (<see cref="ConvBackends"/>).</summary>
    public string OneDnn { get; init; } = "";
}

/// <summary>
/// Loads TorchSharp's native libraries so that TorchSharp works on Debian 12 and beside a foreign libtorch.
/// <list type="bullet">
/// <item>libLibTorchSharp.so (TorchSharp 0.107) requires GLIBCXX_3.4.32; Debian 12's libstdc++ stops at 3.4.30.
/// The only symbol bound to that version is never called, so a copy with the requirement marked weak
/// (VER_FLG_WEAK) loads and works. The copy goes under this library's own folder (inside the repository);
/// the NuGet cache is never modified. Where libstdc++ already has the version, nothing is patched.</item>
/// <item>Every libtorch library is loaded by absolute path from TorchSharp's own package, dependencies first,
/// so a libtorch elsewhere on the library path (Debian's python3-torch) is never bound.</item>
/// <item>Because LibTorchSharp is then already loaded, TorchSharp's first regular load succeeds and it never
/// falls back to copying ~500 MB of natives into a <c>cpu/</c> folder.</item>
/// </list>
/// </summary>
public static class NativeSetup
{
    /// <summary>The libtorch version TorchSharp 0.107.0 was built against (pinned in Directory.Packages.props).</summary>
    public const string LibTorchVersion = "2.10.0";
    /// <summary>Symbols known to be bound to a missing version and never called by TorchSharp.</summary>
    static readonly HashSet<string> HarmlessSymbols = new() { "_ZSt21ios_base_library_initv" };
    /// <summary>True for a symbol bound to a missing version that TorchSharp never calls.</summary>
    public static bool IsHarmless(string symbol) => HarmlessSymbols.Contains(symbol);
    /// <summary>The CUDA libtorch package a `-p:TorchBackend=cuda` build restores (not served by this project's registry).</summary>
    public const string CudaPackage = "libtorch-cuda-12.8-linux-x64";
    /// <summary>WGAN_COURSE_TORCH_BACKEND=cuda makes notebooks load libtorch from the CUDA package in the NuGet cache.</summary>
    public const string BackendVariable = "WGAN_COURSE_TORCH_BACKEND";
    /// <summary>Set WGAN_COURSE_NATIVE_DIR to put the patched copy elsewhere.</summary>
    public const string NativeDirVariable = "WGAN_COURSE_NATIVE_DIR";

    static readonly object gate = new();
    static NativeReport? report;
    static readonly Dictionary<string, IntPtr> handles = new();

    /// <summary>The platforms the course is built for (tested on linux-x64; see README).</summary>
    public static readonly IReadOnlyList<string> SupportedRids = new[] { "linux-x64", "win-x64", "osx-arm64" };

    /// <summary>The natives this process needs.</summary>
    public static NativePlan CurrentPlan =>
        PlanFor(OperatingSystem.IsWindows() ? OSPlatform.Windows : OperatingSystem.IsMacOS() ? OSPlatform.OSX
                : OperatingSystem.IsLinux() ? OSPlatform.Linux : OSPlatform.Create(RuntimeInformation.OSDescription),
                RuntimeInformation.ProcessArchitecture);

    /// <summary>The natives for an operating system and architecture (injectable, so every choice is unit-tested here).</summary>
    public static NativePlan PlanFor(OSPlatform os, Architecture arch)
    {
        if (os == OSPlatform.Linux && arch == Architecture.X64)
            return new("linux-x64", "libtorch-cpu-linux-x64", "libLibTorchSharp.so", "libtorch_cpu.so",
                new[] { "libgomp-*.so.1", "libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so" },
                "SkiaSharp.NativeAssets.Linux.NoDependencies", "linux-x64", "libSkiaSharp.so");
        if (os == OSPlatform.Windows && arch == Architecture.X64)
            return new("win-x64", "libtorch-cpu-win-x64", "LibTorchSharp.dll", "torch_cpu.dll",
                new[] { "libiomp5md.dll", "uv.dll", "c10.dll", "torch_cpu.dll", "torch.dll" },
                "SkiaSharp.NativeAssets.Win32", "win-x64", "libSkiaSharp.dll");
        if (os == OSPlatform.OSX && arch == Architecture.Arm64)
            return new("osx-arm64", "libtorch-cpu-osx-arm64", "libLibTorchSharp.dylib", "libtorch_cpu.dylib",
                new[] { "libomp.dylib", "libc10.dylib", "libtorch_cpu.dylib", "libtorch.dylib" },
                "SkiaSharp.NativeAssets.macOS", "osx", "libSkiaSharp.dylib");
        throw new PlatformNotSupportedException(
            $"WganCourse runs on {string.Join(", ", SupportedRids)}; this machine is {os} {arch.ToString().ToLowerInvariant()}. " +
            "TorchSharp 0.107 has CPU libtorch packages only for those (and win-arm64, untested by the course).");
    }

    /// <summary>The natives of one of <see cref="SupportedRids"/>.</summary>
    public static NativePlan PlanFor(string rid) => rid switch
    {
        "win-x64" => PlanFor(OSPlatform.Windows, Architecture.X64),
        "osx-arm64" => PlanFor(OSPlatform.OSX, Architecture.Arm64),
        "linux-x64" => PlanFor(OSPlatform.Linux, Architecture.X64),
        _ => throw new PlatformNotSupportedException(
            $"{rid} is not one of {string.Join(", ", SupportedRids)}"),
    };

    /// <summary>Idempotent; call before the first TorchSharp operation.</summary>
    public static NativeReport Ensure()
    {
        lock (gate)
        {
            if (report is not null) return report;
            report = OperatingSystem.IsLinux() ? LoadLinux() : LoadOther(CurrentPlan);
            TryLoadSkia(CurrentPlan);
            return report;
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int SetNativeEnv(string name, string value, int overwrite);

    /// <summary>
    /// libtorch's OpenMP threads spin while waiting by default; on a busy machine (a notebook kernel beside an editor, CI)
    /// two spinning threads on two cores made small models 10–45× slower. PASSIVE makes them sleep instead. Results are
    /// bit-identical. Set natively (libgomp reads the C environment when it loads); a user's own setting wins.
    /// </summary>
    public const string OmpWaitPolicy = "PASSIVE";

    static NativeReport LoadLinux()
    {
        SetNativeEnv("OMP_WAIT_POLICY", OmpWaitPolicy, 0);
        var torchAssembly = typeof(TorchSharp.torch).Assembly; // loads the managed assembly only
        var (lts, libtorchDir) = Locate(torchAssembly);
        var need = ElfFile.Read(lts);
        var stdcxx = FindLibStdCxx();
        var provided = stdcxx is null ? new HashSet<string>() : ElfFile.Read(stdcxx).DefinedVersions().ToHashSet();
        var missing = need.RequiredVersions()
            .Where(v => v.File == "libstdc++.so.6" && !v.IsWeak && !provided.Contains(v.Version)).ToList();

        string toLoad = lts;
        string? patched = null;
        if (missing.Count > 0)
        {
            foreach (var m in missing)
            {
                var bound = need.SymbolsBoundTo(m.Index).Where(s => !HarmlessSymbols.Contains(s)).ToList();
                if (bound.Count > 0)
                    throw new NotSupportedException(
                        $"{lts} needs {m.Version} of libstdc++ (found {stdcxx ?? "no libstdc++.so.6"}) for symbols that " +
                        $"TorchSharp may call: {string.Join(", ", bound)}. Install a newer libstdc++ (GCC 13 or later).");
            }
            patched = WritePatchedCopy(lts, missing);
            toLoad = patched;
        }

        // Dependencies first, each by absolute path, so DT_NEEDED lookups bind to these by SONAME.
        // (the CUDA libraries exist only in the CUDA package; their own dependencies resolve through RUNPATH $ORIGIN)
        var plan = PlanFor("linux-x64");
        var lib = LoadExplained(plan.Rid, libtorchDir, toLoad, plan.Preload);
        TrySetResolver(torchAssembly, lib);
        var oneDnn = ConvBackends.Bind(Load(Path.Combine(libtorchDir, plan.Probe)), plan.Rid);

        var msg = missing.Count == 0
            ? $"TorchSharp natives loaded from {Path.GetDirectoryName(lts)} and {libtorchDir} (no patch needed)"
            : $"system libstdc++ lacks {string.Join(", ", missing.Select(m => m.Version))}: loaded a copy of libLibTorchSharp.so " +
              $"with that requirement marked weak, {patched} (the NuGet cache is untouched)";
        return new NativeReport(lts, libtorchDir, missing.Count > 0, patched, missing.Select(m => m.Version).ToList(), msg)
            { OneDnn = oneDnn };
    }

    /// <summary>Windows and macOS: no patch; load libtorch then the bridge by absolute path from the packages (built for,
    /// not yet run on those systems; see README).</summary>
    static NativeReport LoadOther(NativePlan plan)
    {
        var torchAssembly = typeof(TorchSharp.torch).Assembly;
        var (lts, libtorchDir) = Locate(torchAssembly);
        TrySetResolver(torchAssembly, LoadExplained(plan.Rid, libtorchDir, lts, plan.Preload));
        var oneDnn = ConvBackends.Bind(Load(Path.Combine(libtorchDir, plan.Probe)), plan.Rid);
        return new NativeReport(lts, libtorchDir, false, null, Array.Empty<string>(),
            $"TorchSharp natives ({plan.Rid}) loaded from {Path.GetDirectoryName(lts)} and {libtorchDir}") { OneDnn = oneDnn };
    }

    /// <summary>SkiaSharp's native library (the image grids): next to the app, else from the package the library's build
    /// restored for this platform, so the notebooks' first cell names no platform package. Silent if absent: SkiaSharp
    /// then searches itself and reports what is missing when an image grid is drawn.</summary>
    static void TryLoadSkia(NativePlan plan)
    {
        try
        {
            var skia = typeof(SkiaSharp.SKBitmap).Assembly;
            var asmDir = Path.GetDirectoryName(skia.Location) ?? "";
            var version = skia.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+', '-')[0];
            var candidates = new[] { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", plan.SkiaRid, "native"),
                                     Path.Combine(AppContext.BaseDirectory, "runtimes", plan.Rid, "native") }
                .Concat(PackageRoots(asmDir).Select(r => Path.Combine(r, plan.SkiaPackage.ToLowerInvariant(), version ?? "", "runtimes", plan.SkiaRid, "native")));
            var file = candidates.Select(d => Path.Combine(d, plan.SkiaFile)).FirstOrDefault(File.Exists);
            if (file is null) return;
            var lib = Load(file);
            NativeLibrary.SetDllImportResolver(skia, (name, _, _) => name is "libSkiaSharp" or "SkiaSharp" ? lib : IntPtr.Zero);
        }
        catch (InvalidOperationException) { } // a resolver is already set
        catch (DllNotFoundException) { }
    }

    /// <summary>NuGet package folders: the one a package assembly lives in, NUGET_PACKAGES, ~/.nuget/packages.</summary>
    static IEnumerable<string> PackageRoots(string packageAssemblyDir)
    {
        // NuGet layout: <packages>/<id>/<ver>/lib/<tfm>/X.dll
        var fromAssembly = Path.GetFullPath(Path.Combine(packageAssemblyDir, "..", "..", "..", ".."));
        return new[] { fromAssembly, Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? "",
                       Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages") }
            .Where(r => r.Length > 0).Distinct();
    }

    static IntPtr LoadExplained(string rid, string dir, string bridge, IEnumerable<string> preload) =>
        LoadExplained(rid, dir, bridge, preload, Load, n => NativeLibrary.TryLoad(n, out _));

    /// <summary>Loads libtorch (dependencies first, globs) then the bridge; a failure says which
    /// system library is missing and the command that installs it (<see cref="NativeDiagnosis"/>).
    /// Loader and probe are parameters so that a machine without a library can be simulated.</summary>
    public static IntPtr LoadExplained(string rid, string libtorchDir, string bridge,
                                       IEnumerable<string> preload, Func<string, IntPtr> load,
                                       Func<string, bool> canLoad)
    {
        try
        {
            foreach (var name in preload)
                foreach (var file in Directory.GetFiles(libtorchDir, name))
                    load(file);
            return load(bridge);
        }
        catch (DllNotFoundException e)
        {
            var why = NativeDiagnosis.Explain(rid, libtorchDir, canLoad, e.Message);
            throw new DllNotFoundException(why, e);
        }
    }

    static IntPtr Load(string path)
    {
        if (handles.TryGetValue(path, out var h)) return h;
        try { h = NativeLibrary.Load(path); }
        catch (DllNotFoundException e)
        {
            throw new DllNotFoundException($"Could not load {path}: {e.Message}", e);
        }
        handles[path] = h;
        return h;
    }

    static void TrySetResolver(Assembly torchAssembly, IntPtr lib)
    {
        try
        {
            NativeLibrary.SetDllImportResolver(torchAssembly, (name, _, _) =>
                name == "LibTorchSharp" || name == "libLibTorchSharp" || name == "libLibTorchSharp.so" ? lib : IntPtr.Zero);
        }
        catch (InvalidOperationException) { /* a resolver is already set (second setup in one process) */ }
    }

    /// <summary>Finds libLibTorchSharp.so and the libtorch folder: next to the app, or in the NuGet package layout.</summary>
    public static (string LibTorchSharp, string LibTorchDir) Locate(Assembly torchAssembly) =>
        Locate(torchAssembly, Environment.GetEnvironmentVariable(BackendVariable), AppContext.BaseDirectory, CurrentPlan);

    /// <summary>
    /// <paramref name="backend"/> "cuda" looks for libtorch in the CUDA package of the NuGet cache first (notebooks: the `#r`
    /// lines name the CPU package, but the natives are loaded from here); anything else uses what the app ships or the CPU package.
    /// </summary>
    public static (string LibTorchSharp, string LibTorchDir) Locate(Assembly torchAssembly, string? backend, string appBase) =>
        Locate(torchAssembly, backend, appBase, PlanFor(OSPlatform.Linux, Architecture.X64));

    public static (string LibTorchSharp, string LibTorchDir) Locate(Assembly torchAssembly, string? backend, string appBase, NativePlan plan)
    {
        string lts = plan.LibTorchSharp, cpu = plan.Probe, rid = plan.Rid;
        var cuda = string.Equals(backend?.Trim(), "cuda", StringComparison.OrdinalIgnoreCase);
        if (backend is not null && backend.Trim().Length > 0 && !cuda && !string.Equals(backend.Trim(), "cpu", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{BackendVariable}='{backend}' is not a backend; use cpu or cuda.");
        var asmDir = Path.GetDirectoryName(torchAssembly.Location) ?? AppContext.BaseDirectory;
        var appDirs = new[] { appBase, Path.Combine(appBase, "runtimes", rid, "native"),
                              asmDir, Path.Combine(asmDir, "runtimes", rid, "native") };
        var ltsPath = appDirs.Select(d => Path.Combine(d, lts)).FirstOrDefault(File.Exists);
        var torchDir = appDirs.FirstOrDefault(d => File.Exists(Path.Combine(d, cpu)));

        // NuGet layout: <packages>/torchsharp/<ver>/lib/<tfm>/TorchSharp.dll
        var home = Path.GetFullPath(Path.Combine(asmDir, "..", ".."));
        var packages = Path.GetFullPath(Path.Combine(home, ".."));
        ltsPath ??= new[] { Path.Combine(home, "runtimes", rid, "native", lts) }.FirstOrDefault(File.Exists);
        var roots = new[] { Path.GetDirectoryName(packages)!, Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? "",
                            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages") };
        string? InCache(string package) => roots.Where(r => r.Length > 0)
            .Select(r => Path.Combine(r, package, LibTorchVersion, "runtimes", rid, "native"))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, cpu)));
        if (cuda)
        {
            if (rid != "linux-x64")
                throw new PlatformNotSupportedException($"{BackendVariable}=cuda is built for Linux x64 only ({CudaPackage}); unset it on {rid}.");
            if (torchDir is null || !File.Exists(Path.Combine(torchDir, "libtorch_cuda.so")))
                torchDir = InCache(CudaPackage) ?? throw new DllNotFoundException(
                    $"{BackendVariable}=cuda but {CudaPackage} {LibTorchVersion} is not in the NuGet cache. Restore it once with " +
                    "`dotnet build -p:TorchBackend=cuda` on a machine with internet access (see docs/NATIVES.md, 'GPU'), or unset the variable.");
        }
        torchDir ??= InCache(plan.LibTorchPackage);
        if (ltsPath is null || torchDir is null)
            throw new DllNotFoundException(
                $"TorchSharp's native libraries were not found (looked for {lts} and {cpu} next to {AppContext.BaseDirectory}, " +
                $"{asmDir} and in the NuGet cache). Fix: build the library once on this machine, `dotnet build lib/WganCourse -c Release` " +
                $"(it restores {plan.LibTorchPackage} {LibTorchVersion} for {rid}); in your own project reference TorchSharp 0.107.0 and " +
                $"{plan.LibTorchPackage} {LibTorchVersion}.");
        return (ltsPath, torchDir);
    }

    /// <summary>The libstdc++.so.6 this process uses (if loaded) or the dynamic linker would find.</summary>
    public static string? FindLibStdCxx()
    {
        try
        {
            var mapped = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(p => p.Length >= 6 && p[5].EndsWith("/libstdc++.so.6", StringComparison.Ordinal) || p.Length >= 6 && p[5].Contains("/libstdc++.so.6."))
                .Select(p => p[5]).FirstOrDefault();
            if (mapped is not null && File.Exists(mapped)) return mapped;
        }
        catch (IOException) { }
        var dirs = (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib" });
        return dirs.Select(d => Path.Combine(d, "libstdc++.so.6")).FirstOrDefault(File.Exists);
    }

    static string WritePatchedCopy(string source, IReadOnlyList<ElfFile.VersionNeed> missing)
    {
        var elf = ElfFile.Read(source);
        foreach (var m in elf.RequiredVersions().Where(r => missing.Any(m => m.File == r.File && m.Version == r.Version)))
            elf.MarkWeak(m);
        var hash = Convert.ToHexString(SHA256.HashData(elf.Bytes))[..16].ToLowerInvariant();
        var root = Environment.GetEnvironmentVariable(NativeDirVariable);
        if (string.IsNullOrEmpty(root))
            root = Path.Combine(Path.GetDirectoryName(typeof(NativeSetup).Assembly.Location) ?? AppContext.BaseDirectory, "native-fix");
        var dir = Path.Combine(root, hash);
        var target = Path.Combine(dir, "libLibTorchSharp.so");
        if (!File.Exists(target) || !SHA256.HashData(File.ReadAllBytes(target)).AsSpan().SequenceEqual(SHA256.HashData(elf.Bytes)))
        {
            Directory.CreateDirectory(dir);
            var tmp = target + "." + Environment.ProcessId + ".tmp";
            File.WriteAllBytes(tmp, elf.Bytes);
            File.Move(tmp, target, overwrite: true);
        }
        return target;
    }
}
