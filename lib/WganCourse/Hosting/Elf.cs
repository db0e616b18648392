using System.Buffers.Binary;
using System.Text;

namespace WganCourse.Hosting;

/// <summary>
/// Just enough of ELF64 (little-endian) to read and weaken symbol-version requirements.
/// Used for the TorchSharp-on-Debian-12 fix: libLibTorchSharp.so asks for GLIBCXX_3.4.32,
/// which Debian 12's libstdc++ lacks, although the only symbol bound to it is never called.
/// </summary>
public sealed class ElfFile
{
    const uint ShtDynsym = 11, ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
    /// <summary>VER_FLG_WEAK: a missing version is then a warning, not a load failure.</summary>
    public const ushort VerFlagWeak = 0x2;

    public byte[] Bytes { get; }
    readonly List<Section> sections = new();

    record struct Section(uint Type, long Offset, long Size, uint Link, long EntSize);

    /// <summary>One required version (a Vernaux entry) of one needed library.</summary>
    public sealed record VersionNeed(string File, string Version, ushort Flags, ushort Index, long FlagsOffset)
    {
        public bool IsWeak => (Flags & VerFlagWeak) != 0;
    }

    public ElfFile(byte[] bytes)
    {
        Bytes = bytes;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF files are supported");
        long shoff = (long)U64(0x28);
        int shentsize = U16(0x3A), shnum = U16(0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + (long)i * shentsize;
            sections.Add(new Section(U32(h + 4), (long)U64(h + 24), (long)U64(h + 32), U32(h + 40), (long)U64(h + 56)));
        }
    }

    public static ElfFile Read(string path) => new(File.ReadAllBytes(path));

    ushort U16(long o) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes.AsSpan((int)o));
    uint U32(long o) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan((int)o));
    ulong U64(long o) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes.AsSpan((int)o));

    string Str(Section strtab, uint offset)
    {
        int start = (int)(strtab.Offset + offset), end = start;
        while (Bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(Bytes, start, end - start);
    }

    /// <summary>Versions this file defines (for a library such as libstdc++.so.6).</summary>
    public IReadOnlyList<string> DefinedVersions()
    {
        var result = new List<string>();
        foreach (var s in sections.Where(s => s.Type == ShtGnuVerdef))
        {
            var strtab = sections[(int)s.Link];
            long p = s.Offset;
            while (true)
            {
                uint aux = U32(p + 12), next = U32(p + 16);
                result.Add(Str(strtab, U32(p + aux)));
                if (next == 0) break;
                p += next;
            }
        }
        return result;
    }

    /// <summary>Versions this file requires of the libraries it needs.</summary>
    public IReadOnlyList<VersionNeed> RequiredVersions()
    {
        var result = new List<VersionNeed>();
        foreach (var s in sections.Where(s => s.Type == ShtGnuVerneed))
        {
            var strtab = sections[(int)s.Link];
            long p = s.Offset;
            while (true)
            {
                ushort cnt = U16(p + 2);
                string file = Str(strtab, U32(p + 4));
                long a = p + U32(p + 8);
                for (int i = 0; i < cnt; i++)
                {
                    result.Add(new VersionNeed(file, Str(strtab, U32(a + 8)), U16(a + 4), U16(a + 6), a + 4));
                    uint anext = U32(a + 12);
                    if (anext == 0) break;
                    a += anext;
                }
                uint next = U32(p + 12);
                if (next == 0) break;
                p += next;
            }
        }
        return result;
    }

    /// <summary>Dynamic symbols bound to the given version index (from .gnu.version).</summary>
    public IReadOnlyList<string> SymbolsBoundTo(ushort versionIndex)
    {
        var versym = sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        var dynsym = sections.FirstOrDefault(s => s.Type == ShtDynsym);
        if (versym.Size == 0 || dynsym.Size == 0) return Array.Empty<string>();
        var strtab = sections[(int)dynsym.Link];
        long count = dynsym.Size / 24;
        var result = new List<string>();
        for (long i = 0; i < count; i++)
        {
            ushort v = (ushort)(U16(versym.Offset + 2 * i) & 0x7fff);
            if (v == versionIndex) result.Add(Str(strtab, U32(dynsym.Offset + 24 * i)));
        }
        return result;
    }

    /// <summary>Sets VER_FLG_WEAK on one required version, in memory.</summary>
    public void MarkWeak(VersionNeed need)
    {
        ushort flags = (ushort)(U16(need.FlagsOffset) | VerFlagWeak);
        BinaryPrimitives.WriteUInt16LittleEndian(Bytes.AsSpan((int)need.FlagsOffset), flags);
    }
}
