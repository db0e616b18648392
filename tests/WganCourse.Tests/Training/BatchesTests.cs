using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

public class BatchesTests
{
    public BatchesTests() => Course.Setup();

    // 10 one-pixel "images" whose pixel value is their index, and label = index mod 3
    static ImageSet Indexed(int n = 10) =>
        new("indexed", arange(n, dtype: float32).reshape(n, 1, 1, 1), arange(n, dtype: int64).remainder(3));

    static long[] Ids(Tensor x) => x.flatten().to_type(int64).data<long>().ToArray();

    [Fact]
    public void Image_batches_cover_each_epoch_without_repeats_and_drop_the_incomplete_tail()
    {
        using var set = Indexed();
        var src = new ImageBatches(set, seed: 4);
        var epoch1 = new List<long>();
        for (int i = 0; i < 3; i++)
        {
            var (x, y) = src.Next(3);
            Assert.Equal(new long[] { 3, 1, 1, 1 }, x.shape);
            Assert.Equal(Ids(x).Select(v => v % 3), y!.data<long>().ToArray()); // labels travel with their images
            epoch1.AddRange(Ids(x));
        }
        Assert.Equal(9, epoch1.Distinct().Count());   // no repeats; one image left over
        Assert.Equal(0, src.Epoch);
        src.Next(3);                                  // 3 > 1 left: a new shuffled epoch starts
        Assert.Equal(1, src.Epoch);
        Assert.NotEqual(Enumerable.Range(0, 9).Select(i => (long)i), epoch1); // shuffled, not in file order
    }

    [Fact]
    public void Image_batches_are_reproducible_by_seed_and_reset()
    {
        using var set = Indexed();
        var a = new ImageBatches(set, seed: 1);
        var first = Enumerable.Range(0, 5).SelectMany(_ => Ids(a.Next(4).X)).ToArray();
        a.Reset(1);
        var again = Enumerable.Range(0, 5).SelectMany(_ => Ids(a.Next(4).X)).ToArray();
        var b = new ImageBatches(set, seed: 2);
        var other = Enumerable.Range(0, 5).SelectMany(_ => Ids(b.Next(4).X)).ToArray();
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Next(11));
    }

    [Fact]
    public void Toy_batches_are_reproducible_by_seed_and_reset()
    {
        var src = new ToyBatches(Toy.Ring8(), seed: 3);
        var x1 = src.Next(5).X;
        src.Reset(3);
        Assert.True(x1.eq(src.Next(5).X).all().item<bool>());
        Assert.Null(src.Next(2).Y);
    }

    // A conditional G and D that record the labels they see; G(z, y) = y (as a float), D(x, y) = x − y.
    sealed class RecordingG : GeneratorNet
    {
        public readonly List<long[]> Seen = new();
        readonly TorchSharp.Modules.Parameter w = nn.Parameter(zeros(1));
        public RecordingG() : base("RecordingG") => RegisterComponents();
        public override int LatentDim => 1;
        public override bool IsConditional => true;
        public override Tensor forward(Tensor z) => throw new InvalidOperationException("conditional: use Generate");
        public override Tensor Generate(Tensor z, Tensor? labels)
        {
            Seen.Add(labels!.data<long>().ToArray());
            return labels.to_type(float32).reshape(-1, 1, 1, 1) + w * z.reshape(-1, 1, 1, 1);
        }
    }

    sealed class RecordingD : CriticNet
    {
        public readonly List<(long[] X, long[] Y)> Seen = new();
        readonly TorchSharp.Modules.Parameter b = nn.Parameter(zeros(1));
        public RecordingD() : base("RecordingD") => RegisterComponents();
        public override bool IsConditional => true;
        public override Tensor forward(Tensor x) => throw new InvalidOperationException("conditional: use Score");
        public override Tensor Score(Tensor x, Tensor? labels)
        {
            Seen.Add((x.flatten().round().to_type(int64).data<long>().ToArray(), labels!.data<long>().ToArray()));
            return x.reshape(-1, 1) - labels.to_type(float32).reshape(-1, 1) + b;
        }
    }

    [Fact]
    public void Conditional_models_see_the_real_batch_labels_for_real_and_fake_samples()
    {
        using var set = Indexed(12);
        var g = new RecordingG();
        var d = new RecordingD();
        Trainer.Run(new GanNonSaturating(), g, d, new ImageBatches(set), new TrainOptions { Steps = 3, BatchSize = 4, LogEvery = 1, Device = CPU });
        // per step: D scores real, D scores fake (critic step), D scores fake (generator step)
        Assert.Equal(9, d.Seen.Count);
        for (int s = 0; s < 3; s++)
        {
            var (realX, realY) = d.Seen[3 * s];
            Assert.Equal(realX.Select(v => v % 3), realY);          // the real batch's own labels
            Assert.Equal(realY, d.Seen[3 * s + 1].Y);              // fakes of the critic step: the same labels
            Assert.Equal(realY, g.Seen[2 * s]);
            Assert.Equal(realY, d.Seen[3 * s + 2].Y);              // generator step: the last real batch's labels
        }
        var unlabelled = new ToyBatches(GaussianMixture.OneD("n", (1.0, 0.0, 1.0)));
        var ex = Assert.Throws<ArgumentException>(() => Trainer.Run(new GanNonSaturating(), new RecordingG(), new RecordingD(), unlabelled,
            new TrainOptions { Steps = 1, Device = CPU }));
        Assert.Contains("labels", ex.Message);
    }
}
