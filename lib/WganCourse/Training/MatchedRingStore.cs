using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using WganCourse.Runtime;
using static TorchSharp.torch;

namespace WganCourse.Training;

/// <summary> The matched ring's samples on disk, so that one training serves notebooks 03, 07 and
/// 08 and the course command's stage (issue #21, item 2). A file holds one objective's read-out
/// samples ([K, n, 2] per step) and the run's wall time; the rows are measured again from them
/// on load, by the same code as after a training. It is keyed by everything that decides the
/// numbers — objective, steps, read-out steps, seeds, seed block, batch, width, samples, device,
/// libtorch threads, the arithmetic switches (ATEN_CPU_CAPABILITY, MKL_CBWR,
/// MKL_ENABLE_INSTRUCTIONS, ONEDNN_MAX_CPU_ISA), the machine, TorchSharp's version and this
/// library's build (its module version id changes with every change of the code) — so a file is
/// read only where training again would give the same numbers bit for bit. </summary>
public static class MatchedRingStore
{
    const string Magic = "wgan-course/matched-ring/v2";

    /// <summary>Environment variables that change libtorch's or MKL's arithmetic.</summary>
    public static readonly IReadOnlyList<string> ArithmeticVariables = new[]
    {
        "ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA",
    };

    /// <summary>The course's default folder: artifacts/matched-ring beside data/ (gitignored), as
    /// the digit classifier's cache.</summary>
    public static string DefaultDirectory() => Path.Combine(
        Path.GetDirectoryName(Path.GetFullPath(Data.Digits.DataRoot()))!, "artifacts",
        "matched-ring");

    /// <summary>The key of one objective's run: a readable text (kept in the file and compared on
    /// load) whose hash names the file.</summary>
    public static string Key(RingObjective which, MatchedRingOptions options,
                             IReadOnlyList<int> readAt)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(readAt);
        var inv = CultureInfo.InvariantCulture;
        var env = string.Join(";", ArithmeticVariables.Select(v =>
            $"{v}={Environment.GetEnvironmentVariable(v) ?? ""}"));
        return string.Join("|", new[]
        {
            Magic, $"objective={which}", $"steps={options.Steps.ToString(inv)}",
            $"readAt={string.Join(",", readAt.Select(s => s.ToString(inv)))}",
            $"seeds={string.Join(",", options.Seeds.Select(s => s.ToString(inv)))}",
            $"block={Seeds.Block.ToString(inv)}", $"batch={options.BatchSize.ToString(inv)}",
            $"hidden={options.Hidden.ToString(inv)}", $"samples={options.Samples.ToString(inv)}",
            $"device={Devices.Current}", $"threads={get_num_threads().ToString(inv)}", env,
            $"machine={Environment.MachineName}/{RuntimeInformation.ProcessArchitecture}",
            $"torchsharp={typeof(TorchSharp.torch).Assembly.GetName().Version}",
            $"library={typeof(MatchedRingStore).Assembly.ManifestModule.ModuleVersionId}",
        });
    }

    /// <summary>The file of <paramref name="key"/> in <paramref name="directory"/>.</summary>
    public static string PathOf(string directory, RingObjective which, string key)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        return Path.Combine(directory, $"{which}-{hash[..16].ToLowerInvariant()}.bin");
    }

    /// <summary>One stored run: the samples at every read-out step (CPU, float32, [K, n, 2]), the
    /// wall time of the whole run, its steps, when it was trained, and the final generators'
    /// weights (the K copies' stacked parameters, by name; notebook 07 probes them).</summary>
    public sealed record Entry(IReadOnlyList<(int Step, Tensor Samples)> Snapshots,
                               TimeSpan WallTime, int Steps, DateTime TrainedUtc,
                               IReadOnlyList<(string Name, Tensor Value)> Generator);

    /// <summary>Writes a run beside its final name, then renames it: a reader (another notebook of
    /// the course command) never sees half a file.</summary>
    public static void Save(string path, string key, Entry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var part = $"{path}.{Environment.ProcessId}.part";
        using (var w = new BinaryWriter(File.Create(part)))
        {
            w.Write(key);
            w.Write(entry.WallTime.Ticks);
            w.Write(entry.Steps);
            w.Write(entry.TrainedUtc.ToBinary());
            w.Write(entry.Snapshots.Count);
            foreach (var (step, samples) in entry.Snapshots)
            {
                w.Write(step);
                WriteTensor(w, samples);
            }
            w.Write(entry.Generator.Count);
            foreach (var (name, value) in entry.Generator)
            {
                w.Write(name);
                WriteTensor(w, value);
            }
        }
        File.Move(part, path, overwrite: true);
    }

    /// <summary>The stored run of <paramref name="key"/>, or null when there is none, it was
    /// written under another key, or it cannot be read (then it is trained again).</summary>
    public static Entry? TryLoad(string path, string key)
    {
        if (!File.Exists(path)) return null;
        var snaps = new List<(int, Tensor)>();
        var gen = new List<(string, Tensor)>();
        try
        {
            using var r = new BinaryReader(File.OpenRead(path));
            if (r.ReadString() != key) return null;
            var wall = TimeSpan.FromTicks(r.ReadInt64());
            int steps = r.ReadInt32();
            var trained = DateTime.FromBinary(r.ReadInt64());
            int count = r.ReadInt32();
            for (int i = 0; i < count; i++)
            {
                int step = r.ReadInt32();
                snaps.Add((step, ReadTensor(r)));
            }
            int weights = r.ReadInt32();
            for (int i = 0; i < weights; i++)
            {
                var name = r.ReadString();
                gen.Add((name, ReadTensor(r)));
            }
            return new Entry(snaps, wall, steps, trained, gen);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ArgumentException)
        {
            foreach (var (_, t) in snaps) t.Dispose();
            foreach (var (_, t) in gen) t.Dispose();
            return null;
        }
    }

    static void WriteTensor(BinaryWriter w, Tensor t)
    {
        using var cpu = t.detach().to(ScalarType.Float32, CPU).contiguous();
        w.Write(cpu.shape.Length);
        foreach (var d in cpu.shape) w.Write(d);
        var data = cpu.data<float>().ToArray();
        w.Write(MemoryMarshal.AsBytes(data.AsSpan()));
    }

    static Tensor ReadTensor(BinaryReader r)
    {
        int rank = r.ReadInt32();
        if (rank is < 0 or > 8) throw new ArgumentException("not a stored tensor");
        var shape = new long[rank];
        for (int d = 0; d < rank; d++) shape[d] = r.ReadInt64();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (count < 0 || count > r.BaseStream.Length) throw new ArgumentException("not a stored tensor");
        var data = new float[count];
        r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
        return tensor(data, shape);
    }
}
