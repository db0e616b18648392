using TorchSharp;
using WganCourse.Data;
using WganCourse.Runtime;
using static TorchSharp.torch;

namespace WganCourse.Training;

/// <summary>
/// Where the trainer gets real batches. <see cref="Next"/> returns X of shape [batch, ...] and, for labelled data,
/// Y of shape [batch] (int64), both on the CPU (the trainer moves them to its device).
/// </summary>
public interface IBatchSource
{
    /// <summary>The next real batch (and its labels, or null for unlabelled data).</summary>
    (Tensor X, Tensor? Y) Next(int batchSize);

    /// <summary>Restarts the stream from <paramref name="seed"/>: the same seed gives the same batches.</summary>
    void Reset(int seed);
}

/// <summary>
/// A batch source whose position in its stream can be saved and restored, so that a training run resumed from a
/// <see cref="Checkpoint"/> sees exactly the batches the uninterrupted run would have seen.
/// </summary>
public interface IResumableBatchSource : IBatchSource
{
    /// <summary>Writes everything that decides the next batches (generator state, epoch order, position).</summary>
    void SaveState(BinaryWriter writer);
    /// <summary>Reads what <see cref="SaveState"/> wrote; the next batches are then those that followed the save.</summary>
    void LoadState(BinaryReader reader);
}

/// <summary>Fresh samples from a toy distribution at every call (an infinite data set), from a private seeded generator.</summary>
public sealed class ToyBatches : IResumableBatchSource
{
    Generator generator;

    public IToyDistribution Distribution { get; }

    public ToyBatches(IToyDistribution distribution, int seed = Seeds.Default)
    {
        Distribution = distribution ?? throw new ArgumentNullException(nameof(distribution));
        generator = Seeds.Generator(seed);
    }

    public (Tensor X, Tensor? Y) Next(int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be ≥ 1");
        return (Distribution.Sample(batchSize, generator), null);
    }

    public void Reset(int seed)
    {
        generator.Dispose();
        generator = Seeds.Generator(seed);
    }

    /// <summary>The next batch of every source, [K, n, d], bit for bit <c>stack(sources.Select(s
    /// =&gt; s.Next(n).X))</c>, drawn with one mode lookup for all when they share a Gaussian
    /// mixture (the seed-batch trainer's toy step, where K per-source draws were most of the
    /// libtorch calls); null when they do not.</summary>
    public static Tensor? NextEach(IReadOnlyList<ToyBatches> sources, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be ≥ 1");
        if (sources.Count == 0 || sources[0].Distribution is not GaussianMixture mixture)
            return null;
        if (sources.Any(s => !ReferenceEquals(s.Distribution, mixture))) return null;
        return mixture.SampleEach(batchSize, sources.Select(s => s.generator).ToList());
    }

    public void SaveState(BinaryWriter writer) => Checkpoint.WriteGenerator(writer, generator);

    public void LoadState(BinaryReader reader) => Checkpoint.ReadGenerator(reader, generator, "toy batch source");
}

/// <summary>
/// Minibatches of a finite image set in shuffled epochs: each epoch is a fresh seeded permutation, and an epoch's last
/// incomplete batch is dropped (so every batch has the requested size and no image repeats within an epoch).
/// </summary>
public sealed class ImageBatches : IResumableBatchSource
{
    Generator generator;
    Tensor? order;
    int position;

    public ImageSet Set { get; }
    /// <summary>Completed passes over the set.</summary>
    public int Epoch { get; private set; } = -1;

    public ImageBatches(ImageSet set, int seed = Seeds.Default)
    {
        Set = set ?? throw new ArgumentNullException(nameof(set));
        generator = Seeds.Generator(seed);
    }

    public (Tensor X, Tensor? Y) Next(int batchSize)
    {
        if (batchSize < 1 || batchSize > Set.Count)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batch size must be in [1, {Set.Count}] for {Set.Name}");
        if (order is null || position + batchSize > Set.Count)
        {
            order?.Dispose();
            order = randperm(Set.Count, generator: generator).DetachFromDisposeScope();
            position = 0;
            Epoch++;
        }
        using var scope = NewDisposeScope();
        var idx = order[position..(position + batchSize)];
        position += batchSize;
        var x = Set.Images.index_select(0, idx);
        var y = Set.Labels.index_select(0, idx);
        return (x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }

    public void Reset(int seed)
    {
        generator.Dispose();
        generator = Seeds.Generator(seed);
        order?.Dispose();
        order = null;
        Epoch = -1;
    }

    public void SaveState(BinaryWriter writer)
    {
        writer.Write(Set.Count);
        Checkpoint.WriteGenerator(writer, generator);
        writer.Write(Epoch);
        writer.Write(position);
        writer.Write(order is not null);
        if (order is not null) Checkpoint.WriteTensor(writer, order);
    }

    public void LoadState(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count != Set.Count)
            throw new ArgumentException($"the checkpoint's image batches came from a set of {count} images, this source holds {Set.Count} ({Set.Name})");
        Checkpoint.ReadGenerator(reader, generator, "image batch source");
        Epoch = reader.ReadInt32();
        position = reader.ReadInt32();
        order?.Dispose();
        order = reader.ReadBoolean() ? Checkpoint.ReadTensor(reader) : null;
    }
}
