using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

public class CheckpointTests : IDisposable
{
    readonly string dir = Path.Combine(Path.GetTempPath(), "wgancourse-ckpt-" + Guid.NewGuid().ToString("N"));

    public CheckpointTests()
    {
        Course.Setup();
        Directory.CreateDirectory(dir);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    sealed class Interrupted(int atStep) : Exception($"simulated crash after step {atStep}");

    /// <summary>
    /// Runs 2k steps straight, then the same run "crashing" a few steps after its checkpoint at k, then a resume from
    /// that checkpoint into models built with a different seed (so everything must come from the file), and checks
    /// that the resumed run ends bit-identical to the straight one: every logged loss, every parameter and buffer,
    /// every snapshot.
    /// </summary>
    void AssertResumeIsBitIdentical(Func<int, (GeneratorNet G, CriticNet D)> models, Func<Objective> objective,
                                    Func<IBatchSource> data, int k, int batch, int logEvery)
    {
        using var oneThread = Threads.Use(1); // tiny models: a second thread only adds waiting on a shared machine
        int steps = 2 * k;
        TrainOptions Options() => new()
        {
            Steps = steps, BatchSize = batch, LogEvery = logEvery, Seed = 11, Device = CPU,
            SnapshotAt = new[] { 0, k, steps }, SnapshotSamples = 16,
        };
        var (g0, d0) = models(1);
        var straight = Trainer.Run(objective(), g0, d0, data(), Options());

        var path = Path.Combine(dir, "run.ckpt");
        var (g1, d1) = models(1);
        Assert.Throws<Interrupted>(() => Trainer.Run(objective(), g1, d1, data(), Options() with
        {
            CheckpointEvery = k, CheckpointPath = path,
            AfterStep = done => { if (done == k + 3) throw new Interrupted(done); },
        }));
        var info = Checkpoint.ReadInfo(path);
        Assert.Equal(k, info.Step);
        Assert.Equal(steps, info.TotalSteps);

        var (g2, d2) = models(999); // other initial weights: the checkpoint must overwrite them
        var resumed = Trainer.Run(objective(), g2, d2, data(), Options() with { ResumeFrom = path, Seed = 12345 });

        Assert.Equal(k, resumed.FirstStep);
        Assert.Equal(straight.History.Step, resumed.History.Step);
        Assert.True(straight.History.CriticLoss.SequenceEqual(resumed.History.CriticLoss),   // exact double equality
            $"critic losses differ (threads {torch.get_num_threads()}):\n{string.Join(" ", straight.History.CriticLoss.Select(v => v.ToString("R")))}\n{string.Join(" ", resumed.History.CriticLoss.Select(v => v.ToString("R")))}");
        Assert.Equal(straight.History.GeneratorLoss, resumed.History.GeneratorLoss);
        AssertSameState(g0, g2);
        AssertSameState(d0, d2);
        Assert.Equal(straight.Snapshots.Select(s => s.Step), resumed.Snapshots.Select(s => s.Step));
        foreach (var (a, b) in straight.Snapshots.Zip(resumed.Snapshots))
            Assert.True(Same(a.Samples, b.Samples), $"snapshot at step {a.Step} differs");
    }

    static void AssertSameState(nn.Module a, nn.Module b)
    {
        var sa = a.state_dict();
        var sb = b.state_dict();
        Assert.Equal(sa.Keys, sb.Keys);
        foreach (var key in sa.Keys)
            Assert.True(Same(sa[key], sb[key]), $"{a.GetName()}.{key} differs after resuming");
    }

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static (GeneratorNet, CriticNet) ToyModels(int seed)
    {
        Seeds.Set(seed);
        return (Mlp.Generator(hidden: 32, layers: 2), Mlp.Critic(hidden: 32, layers: 2));
    }

    [Fact]
    public void A_GAN_resumed_mid_log_window_ends_bit_identical_to_the_uninterrupted_run()
    {
        // k = 30 is not a multiple of LogEvery = 7: the losses of the unfinished window travel in the checkpoint
        AssertResumeIsBitIdentical(ToyModels, () => new GanNonSaturating(), () => new ToyBatches(Toy.Ring8(), seed: 5),
                                   k: 30, batch: 64, logEvery: 7);
    }

    [Fact]
    public void WGAN_GP_with_Adam_and_WGAN_with_RMSProp_resume_bit_identically()
    {
        // WGAN-GP draws ε from the global generator between critic steps; the clipped WGAN's RMSProp keeps running averages
        AssertResumeIsBitIdentical(ToyModels, () => new WganGp(), () => new ToyBatches(Toy.Ring8(), seed: 5), k: 8, batch: 32, logEvery: 5);
        AssertResumeIsBitIdentical(ToyModels, () => new WganClip(), () => new ToyBatches(Toy.Ring8(), seed: 5), k: 8, batch: 32, logEvery: 4);
    }

    [Fact]
    public void A_DCGAN_with_BatchNorm_on_image_epochs_resumes_bit_identically()
    {
        // 40 images in batches of 8: the checkpoint falls inside an epoch, and epochs roll over after it
        var set = Synthetic(40);
        AssertResumeIsBitIdentical(seed => (new DcganGenerator(latentDim: 8, ngf: 4, seed: seed, device: CPU), new DcganDiscriminator(ndf: 4, seed: seed, device: CPU)),
                                   () => new GanNonSaturating(), () => new ImageBatches(set, seed: 3), k: 7, batch: 8, logEvery: 3);
    }

    static ImageSet Synthetic(int n)
    {
        using var g = Seeds.Generator(4);
        return new ImageSet("synthetic", rand(new long[] { n, 1, 28, 28 }, generator: g) * 2 - 1, arange(n, dtype: int64).remainder(10));
    }

    [Fact]
    public void Resuming_with_another_objective_batch_size_or_a_non_checkpoint_says_what_differs()
    {
        var path = Path.Combine(dir, "gan.ckpt");
        var (g, d) = ToyModels(1);
        var o = new TrainOptions { Steps = 4, BatchSize = 16, Device = CPU, CheckpointEvery = 2, CheckpointPath = path };
        Trainer.Run(new GanNonSaturating(), g, d, new ToyBatches(Toy.Ring8()), o);

        var e1 = Assert.Throws<ArgumentException>(() => Trainer.Run(new WganClip(), g, d, new ToyBatches(Toy.Ring8()), o with { ResumeFrom = path, CheckpointEvery = 0 }));
        Assert.Contains("objective GAN (non-sat.), this run has WGAN", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Trainer.Run(new GanNonSaturating(), g, d, new ToyBatches(Toy.Ring8()), o with { ResumeFrom = path, BatchSize = 32 }));
        Assert.Contains("BatchSize 16, this run has 32", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => Trainer.Run(new GanNonSaturating(), g, d, new ToyBatches(Toy.Ring8()), o with { ResumeFrom = path, Steps = 3 }));
        Assert.Contains("beyond this run's Steps = 3", e3.Message);
        var (gWide, dWide) = (Mlp.Generator(hidden: 64, layers: 2), Mlp.Critic(hidden: 64, layers: 2));
        var e4 = Assert.Throws<ArgumentException>(() => Trainer.Run(new GanNonSaturating(), gWide, dWide, new ToyBatches(Toy.Ring8()), o with { ResumeFrom = path }));
        Assert.Contains("does not fit", e4.Message);

        var junk = Path.Combine(dir, "junk.bin");
        File.WriteAllBytes(junk, new byte[] { 1, 2, 3 });
        Assert.Contains("is not a WganCourse checkpoint", Assert.Throws<ArgumentException>(() => Checkpoint.ReadInfo(junk)).Message);
        Assert.Throws<FileNotFoundException>(() => Checkpoint.ReadInfo(Path.Combine(dir, "missing.ckpt")));
    }

    sealed class PlainSource : IBatchSource
    {
        public (Tensor X, Tensor? Y) Next(int n) => (randn(n, 2), null);
        public void Reset(int seed) { }
    }

    [Fact]
    public void Checkpoint_options_are_validated_before_training()
    {
        var (g, d) = ToyModels(1);
        Assert.Contains("needs a CheckpointPath", Assert.Throws<ArgumentException>(() =>
            Trainer.Run(new GanNonSaturating(), g, d, new ToyBatches(Toy.Ring8()), new TrainOptions { Steps = 2, CheckpointEvery = 1 })).Message);
        Assert.Contains("IResumableBatchSource", Assert.Throws<ArgumentException>(() =>
            Trainer.Run(new GanNonSaturating(), g, d, new PlainSource(), new TrainOptions { Steps = 2, CheckpointEvery = 1, CheckpointPath = Path.Combine(dir, "x") })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Trainer.Run(new GanNonSaturating(), g, d, new ToyBatches(Toy.Ring8()), new TrainOptions { Steps = 2, CheckpointEvery = -1 }));
    }
}
