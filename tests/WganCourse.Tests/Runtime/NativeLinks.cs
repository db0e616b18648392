using System.Buffers.Binary;
using ELFSharp.MachO;
using LibObjectFile.Elf;
using LibObjectFile.PE;
using WganCourse.Hosting;

namespace WganCourse.Tests.Runtime;

/// <summary>One imported symbol; <paramref name="From"/> is the library it binds to where the
/// format says (PE: always; Mach-O: the library ordinal; ELF: versioned symbols only).</summary>
sealed record Import(string? From, string Symbol);

/// <summary>What a native library asks of the dynamic loader and what it offers, read with
/// LibObjectFile (PE, ELF) and ELFSharp (Mach-O).</summary>
sealed record NativeImage(string Path, string Machine, string? InstallName,
                          IReadOnlyList<string> Needed, IReadOnlyList<Import> Imports,
                          IReadOnlySet<string> Exports, IReadOnlyList<string> Versions,
                          string? MinimumOs)
{
    public string Name => System.IO.Path.GetFileName(Path);

    public static NativeImage Read(string path)
    {
        using var s = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        s.ReadExactly(magic);
        s.Position = 0;
        if (magic[0] == 'M' && magic[1] == 'Z') return ReadPe(path, s);
        if (magic[0] == 0x7f && magic[1] == 'E') return ReadElf(path, s);
        return ReadMachO(path);
    }

    static NativeImage ReadPe(string path, Stream s)
    {
        var pe = PEFile.Read(s);
        var imports = new List<Import>();
        var needed = new List<string>();
        foreach (var e in pe.Directories.Import?.Entries ?? new())
        {
            var dll = e.ImportDllNameLink.Resolve() ?? "";
            needed.Add(dll);
            imports.AddRange(e.ImportLookupTable.Entries.Select(f => new Import(dll,
                f.IsImportByOrdinal ? "#" + f.Ordinal : f.HintName.Resolve().Name ?? "")));
        }
        var exports = pe.Directories.Export?.ExportNameTable?.Values
            .Select(v => v.Resolve() ?? "").ToHashSet() ?? new HashSet<string>();
        var machine = pe.CoffHeader.Machine.ToString().ToLowerInvariant();
        return new(path, machine == "amd64" ? "x64" : machine, null, needed, imports, exports,
                   Array.Empty<string>(), null);
    }

    static NativeImage ReadElf(string path, Stream s)
    {
        var elf = LibObjectFile.Elf.ElfFile.Read(s, new ElfReaderOptions { UseSubStream = true });
        var dynsym = elf.Sections.OfType<ElfSymbolTable>()
            .First(t => t.Type == ElfSectionType.DynamicLinkerSymbolTable).Entries;
        var needed = elf.Sections.OfType<ElfDynamicLinkingTable>().FirstOrDefault()
            ?.GetNeededLibraries().ToList() ?? new List<string>();
        // symbol versions: the project's own reader (LibObjectFile keeps .gnu.version_r raw)
        var own = Hosting.ElfFile.Read(path);
        var required = own.RequiredVersions();
        var versioned = required
            .SelectMany(v => own.SymbolsBoundTo(v.Index).Select(n => (n, v.File)))
            .GroupBy(p => p.n).ToDictionary(g => g.Key, g => g.First().File);
        static bool Undefined(ElfSymbol e) => !e.IsEmpty && e.SectionLink.GetIndex() == 0;
        static bool Visible(ElfSymbol e) =>
            e.Visibility is ElfSymbolVisibility.Default or ElfSymbolVisibility.Protected;
        var imports = dynsym
            .Where(e => Undefined(e) && e.Bind != ElfSymbolBind.Weak && e.Name.Value != null)
            .Select(e => new Import(versioned.GetValueOrDefault(e.Name.Value!), e.Name.Value!))
            .ToList();
        var exports = dynsym
            .Where(e => !e.IsEmpty && !Undefined(e) && e.Bind != ElfSymbolBind.Local && Visible(e))
            .Select(e => e.Name.Value ?? "").ToHashSet();
        // a version whose symbols are all never called is weakened by NativeSetup at load time
        bool Weakened(Hosting.ElfFile.VersionNeed v) => own.SymbolsBoundTo(v.Index) is
            { Count: > 0 } bound && bound.All(NativeSetup.IsHarmless);
        var versions = required.Where(v => !v.IsWeak && !Weakened(v))
            .Select(v => $"{v.File} {v.Version}").ToList();
        var machine = elf.Arch == ElfArch.X86_64 ? "x64" : elf.Arch.ToString().ToLowerInvariant();
        return new(path, machine, null, needed, imports, exports, versions, null);
    }

    const uint LcSymtab = 0x2, LcBuildVersion = 0x32, LcReqDyld = 0x80000000;
    // load, weak, reexport, lazy, upward: the commands library ordinals count
    static readonly uint[] DylibCommands =
        { 0xC, 0x18 | LcReqDyld, 0x1F | LcReqDyld, 0x20, 0x23 | LcReqDyld };

    static NativeImage ReadMachO(string path)
    {
        var macho = MachOReader.Load(path);
        var symbols = macho.GetCommandsOfType<SymbolTable>().Single().Symbols.ToList();
        // ELFSharp gives names and load commands, not nlist flags, library ordinals or the
        // minimum macOS: those few fields are read here
        var b = File.ReadAllBytes(path);
        uint U32(long o) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan((int)o));
        if (U32(0) != 0xFEEDFACF) throw new InvalidDataException($"{path}: not a 64-bit Mach-O");
        long p = 32, symoff = 0, nsyms = 0;
        string? minos = null;
        var loads = new List<string>();
        for (uint i = 0, n = U32(16); i < n; i++, p += U32(p + 4))
        {
            uint cmd = U32(p);
            if (cmd == LcSymtab) { symoff = U32(p + 8); nsyms = U32(p + 12); }
            else if (cmd == LcBuildVersion)
                minos = $"{U32(p + 12) >> 16}.{(U32(p + 12) >> 8) & 0xff}";
            else if (DylibCommands.Contains(cmd))
            {
                long name = p + U32(p + 8), end = name;
                while (b[end] != 0) end++;
                loads.Add(System.Text.Encoding.UTF8.GetString(b, (int)name, (int)(end - name)));
            }
        }
        if (nsyms != symbols.Count)
            throw new InvalidDataException($"{path}: read {symbols.Count} of {nsyms} symbols");
        var imports = new List<Import>();
        var exports = new HashSet<string>();
        for (int i = 0; i < nsyms; i++)
        {
            long e = symoff + 16 * i;
            byte type = b[e + 4];
            int ordinal = b[e + 7]; // high byte of n_desc
            if ((type & 0xE0) != 0 || (type & 0x01) == 0) continue; // debug entries, local symbols
            if ((type & 0x0E) == 0xE) exports.Add(symbols[i].Name); // N_SECT: defined here
            else if ((type & 0x0E) == 0)
                imports.Add(new(ordinal >= 1 && ordinal <= loads.Count ? loads[ordinal - 1] : null,
                                symbols[i].Name));
        }
        var id = macho.GetCommandsOfType<IdDylib>().FirstOrDefault()?.Name;
        var machine = macho.Machine == ELFSharp.MachO.Machine.Arm64 ? "arm64" : $"{macho.Machine}";
        return new(path, machine, id, loads, imports, exports, Array.Empty<string>(), minos);
    }
}

/// <summary>One platform's link check: LibTorchSharp against the pinned libtorch package.</summary>
sealed record LinkCheck(string Rid, int Checked, IReadOnlyList<string> Unresolved,
                        IReadOnlyList<string> MachineMismatches,
                        IReadOnlyList<string> SystemLibraries, IReadOnlyList<string> Unexplained,
                        IReadOnlyList<string> Versions, string? MinimumOs, string Summary)
{
    public bool Links =>
        Unresolved.Count == 0 && MachineMismatches.Count == 0 && Unexplained.Count == 0;

    /// <summary>Components of every supported Windows (the UCRT too, since Windows 10).</summary>
    static bool PartOfWindows(string dll) =>
        dll.StartsWith("api-ms-win-", StringComparison.OrdinalIgnoreCase) ||
        new[] { "KERNEL32.dll", "ADVAPI32.dll", "ole32.dll", "OLEAUT32.dll", "WS2_32.dll",
                "USER32.dll", "SHELL32.dll", "SHLWAPI.dll", "dbghelp.dll", "imagehlp.dll",
                "IPHLPAPI.DLL", "USERENV.dll", "WINTRUST.dll", "bcrypt.dll", "PSAPI.DLL",
                "ntdll.dll" }
            .Contains(dll, StringComparer.OrdinalIgnoreCase);

    static bool PartOfMacOs(string path) =>
        path.StartsWith("/usr/lib/") || path.StartsWith("/System/Library/");

    /// <summary>Checks <paramref name="bridge"/> (LibTorchSharp) against the libtorch natives in
    /// <paramref name="libtorchDir"/> that NativeSetup loads for <paramref name="rid"/>.</summary>
    public static LinkCheck Run(string rid, string bridge, string libtorchDir)
    {
        var plan = NativeSetup.PlanFor(rid);
        var files = Directory.GetFiles(libtorchDir).ToDictionary(f => Path.GetFileName(f), f =>
            new Lazy<NativeImage>(() => NativeImage.Read(f)), StringComparer.OrdinalIgnoreCase);
        var loaded = plan.Preload.SelectMany(g => Directory.GetFiles(libtorchDir, g))
            .Select(f => files[Path.GetFileName(f)].Value).ToList();
        var lts = NativeImage.Read(bridge);
        var all = loaded.Prepend(lts).ToList();
        var machine = rid.EndsWith("arm64") ? "arm64" : "x64";
        var mismatches = all.Where(l => l.Machine != machine)
            .Select(l => $"{l.Name} is {l.Machine}, {rid} needs {machine}").ToList();

        // the package file a needed name stands for: by install name (Mach-O: libomp's is
        // Homebrew's path), else by file name unless it is an absolute system path
        NativeImage? InPackage(string needed) =>
            loaded.FirstOrDefault(l => l.InstallName == needed) ?? (needed.StartsWith('/') ? null
                : files.GetValueOrDefault(Path.GetFileName(needed))?.Value);
        var union = lts.Needed.Select(InPackage).OfType<NativeImage>()
            .SelectMany(l => l.Exports).ToHashSet();
        var checkedImports = lts.Imports.Where(i => i.From is null || InPackage(i.From) is not null)
            .ToList();
        var unresolved = checkedImports
            .Where(i => !(i.From is { } f ? InPackage(f)!.Exports : union).Contains(i.Symbol))
            .Select(i => $"{i.Symbol} (from {i.From ?? "libtorch"})").ToList();

        var rt = NativeDiagnosis.For(rid);
        var system = all.SelectMany(l => l.Needed).Where(n => InPackage(n) is null)
            .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
        var unexplained = system
            .Where(n => !rt.Libraries.Contains(n, StringComparer.OrdinalIgnoreCase)
            && !(rid == "win-x64" && PartOfWindows(n)) && !(rid == "osx-arm64" && PartOfMacOs(n)))
            .ToList();
        var versions = NewestVersions(all.SelectMany(l => l.Versions));
        var minos = all.Select(l => l.MinimumOs).OfType<string>().MaxBy(Version.Parse);

        var perLib = checkedImports
            .GroupBy(i => i.From is null ? "libtorch" : Path.GetFileName(i.From))
            .Select(g => $"{g.Key} {g.Count()}");
        var summary =
            $"{rid}: {lts.Name} imports {checkedImports.Count} libtorch symbols " +
            $"({string.Join(", ", perLib)}); unresolved {unresolved.Count}; machine " +
            (mismatches.Count == 0 ? machine : string.Join("; ", mismatches)) +
            $"\n  system libraries: {string.Join(", ", system)}" +
            (versions.Count == 0 ? "" : $"\n  newest versions: {string.Join(", ", versions)}") +
            (minos is null ? "" : $"\n  minimum macOS: {minos}") +
            $"\n  to install: {rt.What}" + (rt.Install == "" ? "" : $": `{rt.Install}`") +
            (unexplained.Count > 0 ? $"\n  NOT EXPLAINED: {string.Join(", ", unexplained)}" : "");
        return new(rid, checkedImports.Count, unresolved, mismatches, system, unexplained, versions,
                   minos, summary);
    }

    /// <summary>"libstdc++.so.6 GLIBCXX_3.4.30", … → the newest of each version family.</summary>
    static List<string> NewestVersions(IEnumerable<string> needs) => needs
        .Select(n => n.Split(' ')[1]).Where(v => v.Contains('_'))
        .GroupBy(v => v[..v.IndexOf('_')])
        .Where(g => g.Key is "GLIBC" or "GLIBCXX" or "CXXABI")
        .Select(g => g.MaxBy(v => Version.Parse(Pad(v[(v.IndexOf('_') + 1)..])))!)
        .Order().ToList();

    static string Pad(string v) => v.Contains('.') ? v : v + ".0";
}
