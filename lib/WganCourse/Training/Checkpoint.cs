using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using WganCourse.Models;
using WganCourse.Objectives;
using static TorchSharp.torch;

namespace WganCourse.Training;

/// <summary>What a checkpoint file says about the run that wrote it (read with <see cref="Checkpoint.ReadInfo"/>).</summary>
/// <param name="Version">File format version.</param>
/// <param name="Objective">Name of the objective that trained it.</param>
/// <param name="Generator">Type name of G (checked on resume).</param>
/// <param name="Critic">Type name of D, the critic (checked on resume).</param>
/// <param name="BatchSize">Batch size of the run.</param>
/// <param name="LogEvery">Logging interval of the run.</param>
/// <param name="Step">Generator steps completed when it was saved.</param>
/// <param name="TotalSteps">The <see cref="TrainOptions.Steps"/> of the run that saved it.</param>
public sealed record CheckpointInfo(int Version, string Objective, string Generator, string Critic, int BatchSize, int LogEvery,
                                    int Step, int TotalSteps);

/// <summary>
/// Checkpoints of <see cref="Trainer.Run"/>: everything that decides the rest of a run, so that a run interrupted after
/// step k and resumed (<see cref="TrainOptions.ResumeFrom"/>) ends bit-identical to the uninterrupted run on the CPU.
/// A checkpoint holds G and D (parameters and buffers, e.g. BatchNorm's running statistics), both optimizers' state
/// (Adam's moments and step counts, RMSProp's averages), the step counter, the trainer's private z stream (seeded runs),
/// libtorch's global CPU generator (WGAN-GP's ε, and z in unseeded runs, come from it), the batch source's position (<see cref="IResumableBatchSource"/>), the loss history, the
/// losses of the log window in progress, and the snapshots taken so far.
/// <para>Not saved: a private generator that you gave an objective (e.g. <c>new WganGp(generator: ...)</c>) and the CUDA
/// generator; runs that use them resume correctly but not bit-identically. One file per checkpoint, written to a
/// temporary file and renamed.</para>
/// </summary>
public static class Checkpoint
{
    public const int FormatVersion = 2; // 2: the trainer's private z stream is saved too
    const string Magic = "WGANCOURSE-CHECKPOINT";

    /// <summary>The trainer's live objects that a checkpoint saves and restores.</summary>
    internal sealed record TrainerState(Objective Objective, GeneratorNet G, CriticNet D, optim.Optimizer CriticOptimizer,
        optim.Optimizer GeneratorOptimizer, IBatchSource Data, TrainOptions Options, TrainHistory History,
        List<TrainSnapshot> Snapshots, Tensor CriticWindow, Tensor GeneratorWindow, Generator? LatentGenerator);

    /// <summary>Reads the header of a checkpoint (no tensors are loaded).</summary>
    public static CheckpointInfo ReadInfo(string path)
    {
        using var reader = Open(path);
        return ReadHeader(reader, path);
    }

    internal static void Save(string path, TrainerState s, int step, int windowStart)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp";
        using (var stream = File.Create(tmp))
        using (var w = new BinaryWriter(stream, Encoding.UTF8))
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            w.Write(s.Objective.Name);
            w.Write(s.G.GetType().Name);
            w.Write(s.D.GetType().Name);
            w.Write(s.Options.BatchSize);
            w.Write(s.Options.LogEvery);
            w.Write(step);
            w.Write(s.Options.Steps);

            w.Write(windowStart);
            s.G.save(w);
            s.D.save(w);
            Helper(s.CriticOptimizer).save_state_dict(w);
            Helper(s.GeneratorOptimizer).save_state_dict(w);
            using (var rng = torch.get_rng_state()) WriteTensor(w, rng);
            w.Write(s.LatentGenerator is not null);
            if (s.LatentGenerator is not null) WriteGenerator(w, s.LatentGenerator);
            ((IResumableBatchSource)s.Data).SaveState(w);

            w.Write(s.History.Count);
            for (int i = 0; i < s.History.Count; i++)
            {
                w.Write(s.History.Step[i]);
                w.Write(s.History.CriticLoss[i]);
                w.Write(s.History.GeneratorLoss[i]);
            }
            int pending = step - windowStart; // losses of the window in progress, still on the device
            using (var scope = NewDisposeScope())
            {
                WriteTensor(w, s.CriticWindow[..pending].cpu());
                WriteTensor(w, s.GeneratorWindow[..pending].cpu());
            }
            w.Write(s.Snapshots.Count);
            foreach (var snap in s.Snapshots)
            {
                w.Write(snap.Step);
                WriteTensor(w, snap.Samples);
                w.Write(snap.Labels is not null);
                if (snap.Labels is not null) WriteTensor(w, snap.Labels);
            }
        }
        File.Move(tmp, full, overwrite: true);
    }

    /// <summary>Restores everything into the trainer's objects; returns (steps completed, start of the window in progress).</summary>
    internal static (int Step, int WindowStart) Restore(string path, TrainerState s)
    {
        using var r = Open(path);
        var info = ReadHeader(r, path);
        var o = s.Options;
        string Mismatch(string what, object saved, object now) =>
            $"checkpoint {path} was saved with {what} {saved}, this run has {now}; resume with the same {what}";
        if (info.Objective != s.Objective.Name) throw new ArgumentException(Mismatch("objective", info.Objective, s.Objective.Name));
        if (info.Generator != s.G.GetType().Name) throw new ArgumentException(Mismatch("generator", info.Generator, s.G.GetType().Name));
        if (info.Critic != s.D.GetType().Name) throw new ArgumentException(Mismatch("critic", info.Critic, s.D.GetType().Name));
        if (info.BatchSize != o.BatchSize) throw new ArgumentException(Mismatch("BatchSize", info.BatchSize, o.BatchSize));
        if (info.LogEvery != o.LogEvery) throw new ArgumentException(Mismatch("LogEvery", info.LogEvery, o.LogEvery));
        if (info.Step > o.Steps)
            throw new ArgumentException($"checkpoint {path} is at step {info.Step}, beyond this run's Steps = {o.Steps} (Steps is the total, not the remainder)");

        int windowStart = r.ReadInt32();
        Load(s.G, r, path, "generator");
        Load(s.D, r, path, "critic");
        Helper(s.CriticOptimizer).load_state_dict(r);
        Helper(s.GeneratorOptimizer).load_state_dict(r);
        using (var rng = ReadTensor(r)) torch.set_rng_state(rng);
        if (r.ReadBoolean())
        {
            if (s.LatentGenerator is null)
                throw new ArgumentException($"checkpoint {path} was saved by a seeded run (private z stream); resume with TrainOptions.Seed set");
            ReadGenerator(r, s.LatentGenerator, "the trainer's z stream");
        }
        ((IResumableBatchSource)s.Data).LoadState(r);

        s.History.Step.Clear(); s.History.CriticLoss.Clear(); s.History.GeneratorLoss.Clear();
        int n = r.ReadInt32();
        for (int i = 0; i < n; i++)
        {
            s.History.Step.Add(r.ReadInt32());
            s.History.CriticLoss.Add(r.ReadDouble());
            s.History.GeneratorLoss.Add(r.ReadDouble());
        }
        using (var critic = ReadTensor(r))
        using (var gen = ReadTensor(r))
        {
            long pending = critic.shape[0];
            if (pending >= s.CriticWindow.shape[0] && pending > 0)
                throw new ArgumentException($"checkpoint {path} holds {pending} losses of an unfinished log window, more than this run's window of {s.CriticWindow.shape[0]} steps");
            if (pending > 0)
            {
                using var _ = no_grad();
                s.CriticWindow[..(int)pending].copy_(critic);
                s.GeneratorWindow[..(int)pending].copy_(gen);
            }
        }
        foreach (var old in s.Snapshots) { old.Samples.Dispose(); old.Labels?.Dispose(); }
        s.Snapshots.Clear();
        int snaps = r.ReadInt32();
        for (int i = 0; i < snaps; i++)
        {
            int step = r.ReadInt32();
            var samples = ReadTensor(r);
            var labels = r.ReadBoolean() ? ReadTensor(r) : null;
            s.Snapshots.Add(new TrainSnapshot(step, samples, labels));
        }
        return (info.Step, windowStart);
    }

    /// <summary>Writes a generator's state (for <see cref="IResumableBatchSource"/> implementations).</summary>
    public static void WriteGenerator(BinaryWriter writer, Generator generator)
    {
        using var state = generator.get_state();
        WriteTensor(writer, state);
    }

    /// <summary>Restores a generator's state written by <see cref="WriteGenerator"/>.</summary>
    public static void ReadGenerator(BinaryReader reader, Generator generator, string who)
    {
        using var state = ReadTensor(reader);
        try { generator.set_state(state); }
        catch (Exception e) { throw new ArgumentException($"the checkpoint's {who} generator state does not fit this generator: {e.Message}", e); }
    }

    /// <summary>Writes a tensor (dtype, shape, data) from any device.</summary>
    public static void WriteTensor(BinaryWriter writer, Tensor t)
    {
        using var cpu = t.detach().cpu();
        cpu.Save(writer);
    }

    /// <summary>Reads a tensor written by <see cref="WriteTensor"/>, on the CPU.</summary>
    public static Tensor ReadTensor(BinaryReader reader) => TensorExtensionMethods.Load(reader);

    static BinaryReader Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no checkpoint at {Path.GetFullPath(path)}", path);
        return new BinaryReader(File.OpenRead(path), Encoding.UTF8);
    }

    static CheckpointInfo ReadHeader(BinaryReader r, string path)
    {
        string magic;
        try { magic = r.ReadString(); }
        catch (Exception e) when (e is EndOfStreamException or IOException) { magic = ""; }
        if (magic != Magic) throw new ArgumentException($"{path} is not a WganCourse checkpoint (written by Trainer.Run with CheckpointEvery > 0)");
        int version = r.ReadInt32();
        if (version != FormatVersion)
            throw new ArgumentException($"{path} is a checkpoint of format {version}; this library reads format {FormatVersion}");
        return new CheckpointInfo(version, r.ReadString(), r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
    }

    static void Load(nn.Module module, BinaryReader r, string path, string who)
    {
        try { module.load(r, strict: true); }
        catch (Exception e)
        {
            throw new ArgumentException($"the {who} in checkpoint {path} does not fit this {module.GetName()} (different widths or layers?): {e.Message}", e);
        }
    }

    static OptimizerHelper Helper(optim.Optimizer opt) => opt as OptimizerHelper
        ?? throw new NotSupportedException($"optimizer {opt.GetType().Name} cannot save its state (expected a TorchSharp OptimizerHelper such as Adam, RMSProp or SGD)");
}
