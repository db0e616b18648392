using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace WganCourse.Data;

/// <summary>Raised when a data file is missing or not the file the course expects; the message says how to restore it.</summary>
public sealed class DataFileException(string message) : Exception(message);

/// <summary>The IDX format of LeCun's MNIST files (big-endian header, raw unsigned bytes), gzip-compressed.</summary>
public static class Idx
{
    public const int ImagesMagic = 0x00000803, LabelsMagic = 0x00000801;

    public static byte[] ImagesFile(IReadOnlyList<byte[]> images, int rows = 28, int cols = 28)
    {
        var bytes = new byte[16 + images.Count * rows * cols];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), images.Count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i].Length != rows * cols) throw new ArgumentException($"image {i} has {images[i].Length} pixels, expected {rows * cols}");
            images[i].CopyTo(bytes, 16 + i * rows * cols);
        }
        return bytes;
    }

    public static byte[] LabelsFile(IReadOnlyList<byte> labels)
    {
        var bytes = new byte[8 + labels.Count];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Count);
        for (int i = 0; i < labels.Count; i++) bytes[8 + i] = labels[i];
        return bytes;
    }

    /// <summary>gzip with a zero timestamp, so the same input always gives the same file (and checksum).</summary>
    public static byte[] Gzip(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true)) gz.Write(raw);
        return ms.ToArray();
    }

    public static byte[] Gunzip(byte[] gz)
    {
        using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    /// <summary>Reads a file, checks its SHA-256 (when given) and returns its decompressed IDX bytes.</summary>
    public static byte[] ReadVerified(string path, string? expectedSha256, string howToRestore)
    {
        if (!File.Exists(path))
            throw new DataFileException($"Data file missing: {path}. {howToRestore}");
        var bytes = File.ReadAllBytes(path);
        if (expectedSha256 is not null)
        {
            var actual = Sha256(bytes);
            if (actual != expectedSha256)
                throw new DataFileException(
                    $"Data file corrupt: {path} has SHA-256 {actual}, expected {expectedSha256} ({bytes.Length} bytes read). {howToRestore}");
        }
        try { return path.EndsWith(".gz", StringComparison.Ordinal) ? Gunzip(bytes) : bytes; }
        catch (InvalidDataException e) { throw new DataFileException($"Data file unreadable: {path} is not valid gzip ({e.Message}). {howToRestore}"); }
    }

    /// <summary>Parses IDX image bytes into (count, rows, cols, pixels).</summary>
    public static (int Count, int Rows, int Cols, ReadOnlyMemory<byte> Pixels) ParseImages(byte[] raw, string path)
    {
        if (raw.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(raw) != ImagesMagic)
            throw new DataFileException($"{path} is not an IDX image file (magic 0x{ImagesMagic:x8} expected).");
        int n = BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(4)), r = BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(8)), c = BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(12));
        if (raw.Length != 16 + (long)n * r * c)
            throw new DataFileException($"{path} is truncated: header says {n}×{r}×{c} pixels, file holds {raw.Length - 16}.");
        return (n, r, c, raw.AsMemory(16));
    }

    public static ReadOnlyMemory<byte> ParseLabels(byte[] raw, string path)
    {
        if (raw.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(raw) != LabelsMagic)
            throw new DataFileException($"{path} is not an IDX label file (magic 0x{LabelsMagic:x8} expected).");
        int n = BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(4));
        if (raw.Length != 8 + n)
            throw new DataFileException($"{path} is truncated: header says {n} labels, file holds {raw.Length - 8}.");
        return raw.AsMemory(8);
    }
}
