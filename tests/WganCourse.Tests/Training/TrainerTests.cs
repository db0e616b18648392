using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

public class TrainerTests
{
    public TrainerTests() => Course.Setup();

    static readonly GaussianMixture Target = GaussianMixture.OneD("N(3, 0.5)", (1.0, 3.0, 0.5));

    static (MlpGenerator G, MlpCritic D) Models1D(int seed)
    {
        return (Mlp.Generator(latentDim: 1, outDim: 1, hidden: 32, layers: 2, seed: seed), Mlp.Critic(inDim: 1, hidden: 32, layers: 2, seed: seed + 100));
    }

    static TrainResult Train1D(int seed, int steps, Objective? objective = null, OptimizerSpec? lr = null, IBatchSource? data = null,
                               IReadOnlyCollection<int>? snapshots = null, Action<TrainProgress>? progress = null)
    {
        var (g, d) = Models1D(seed);
        return Trainer.Run(objective ?? new GanNonSaturating(), g, d, data ?? new ToyBatches(Target), new TrainOptions
        {
            Steps = steps, BatchSize = 64, LogEvery = 50, Seed = seed, Device = CPU,
            CriticOptimizer = lr, GeneratorOptimizer = lr,
            SnapshotAt = snapshots ?? Array.Empty<int>(), SnapshotSamples = 500,
        }, progress);
    }

    [Fact]
    public void A_1D_GAN_trains_with_finite_losses_and_moves_G_towards_the_data()
    {
        var seen = new List<TrainProgress>();
        var r = Train1D(1, 300, lr: OptimizerSpec.Adam(1e-3, 0.5, 0.999), snapshots: new[] { 0, 300 }, progress: seen.Add);
        Assert.Equal(new[] { 50, 100, 150, 200, 250, 300 }, r.History.Step);
        Assert.All(r.History.CriticLoss.Concat(r.History.GeneratorLoss), v => Assert.True(double.IsFinite(v)));
        Assert.Equal(r.History.Step, seen.Select(p => p.Step));
        Assert.All(seen, p => Assert.True(p.StepsPerSecond > 0 && p.TotalSteps == 300));
        Assert.True(r.MsPerStep > 0);
        double before = r.SnapshotAt(0).Samples.mean().item<float>(), after = r.SnapshotAt(300).Samples.mean().item<float>();
        Assert.Equal(new long[] { 500, 1 }, r.SnapshotAt(300).Samples.shape);
        Assert.Equal(DeviceType.CPU, r.SnapshotAt(300).Samples.device_type);
        // G starts near 0; the data sit at 3. A training loop that does not train leaves the gap as it was.
        Assert.True(Math.Abs(after - 3) < 0.5 * Math.Abs(before - 3), $"mean of G went {before:F3} → {after:F3}, target 3");
    }

    [Fact]
    public void Same_seed_gives_bit_identical_losses_and_another_seed_does_not()
    {
        var a = Train1D(7, 100);
        var b = Train1D(7, 100);
        var c = Train1D(8, 100);
        Assert.Equal(a.History.CriticLoss, b.History.CriticLoss);   // exact equality of doubles
        Assert.Equal(a.History.GeneratorLoss, b.History.GeneratorLoss);
        Assert.NotEqual(a.History.CriticLoss, c.History.CriticLoss);
    }

    [Fact]
    public void A_huge_learning_rate_throws_a_divergence_report()
    {
        var ex = Assert.Throws<TrainingDivergedException>(() =>
            Train1D(2, 200, new GanSaturating(), OptimizerSpec.Sgd(1e6)));
        Assert.InRange(ex.Step, 1, 200);
        Assert.False(double.IsFinite(ex.Value));
        Assert.Contains($"step {ex.Step}", ex.Message);
        Assert.Contains(ex.Loss, ex.Message);
        Assert.Contains("learning rate", ex.Message);
        Assert.Contains("GAN (sat.)", ex.Message);
    }

    sealed class NaNAfter(IBatchSource inner, int cleanBatches) : IBatchSource
    {
        int served;
        public (Tensor X, Tensor? Y) Next(int n)
        {
            var (x, y) = inner.Next(n);
            return (++served > cleanBatches ? full_like(x, double.NaN) : x, y);
        }
        public void Reset(int seed) { served = 0; inner.Reset(seed); }
    }

    [Fact]
    public void A_NaN_in_the_data_is_reported_at_the_exact_step_and_loss()
    {
        // 1 critic iteration per step: batch 38 is the critic batch of generator step 38
        var ex = Assert.Throws<TrainingDivergedException>(() => Train1D(3, 100, data: new NaNAfter(new ToyBatches(Target), 37)));
        Assert.Equal(38, ex.Step);
        Assert.Equal("critic loss", ex.Loss);
        Assert.True(double.IsNaN(ex.Value));
        Assert.Contains("step 38: the critic loss is NaN", ex.Message);
    }

    sealed class FiveCritic : Objective
    {
        readonly GanNonSaturating gan = new();
        public int CriticSteps, Clips;
        public override string Name => "counting";
        public override Tensor CriticLoss(Func<Tensor, Tensor?, Tensor> critic, Tensor real, Tensor fake, Tensor? labels)
        {
            CriticSteps++;
            Assert.False(fake.requires_grad); // the fakes of a critic step carry no graph into G
            return gan.CriticLoss(critic, real, fake, labels);
        }
        public override Tensor GeneratorLoss(Tensor s) => gan.GeneratorLoss(s);
        public override void AfterCriticStep(nn.Module critic) => Clips++;
        public override int CriticIterations(int step) => step < 2 ? 10 : 5;
        public override OptimizerSpec CriticOptimizer => gan.CriticOptimizer;
        public override OptimizerSpec GeneratorOptimizer => gan.GeneratorOptimizer;
    }

    [Fact]
    public void The_critic_schedule_and_after_step_hook_come_from_the_objective()
    {
        var o = new FiveCritic();
        var counted = new ToyBatchesCounter(new ToyBatches(Target));
        Train1D(4, 6, o, data: counted);
        Assert.Equal(2 * 10 + 4 * 5, o.CriticSteps);
        Assert.Equal(o.CriticSteps, o.Clips);
        Assert.Equal(o.CriticSteps, counted.Calls); // a fresh real batch for every critic iteration
    }

    sealed class ToyBatchesCounter(IBatchSource inner) : IBatchSource
    {
        public int Calls;
        public (Tensor X, Tensor? Y) Next(int n) { Calls++; return inner.Next(n); }
        public void Reset(int seed) => inner.Reset(seed);
    }

    [Fact]
    public void Critic_only_training_leaves_G_unchanged_and_lowers_D_loss()
    {
        var (g, d) = Models1D(5);
        var before = g.parameters().Select(p => p.detach().clone()).ToList();
        using var ct = new CriticOnly(new GanSaturating(), g, d, new ToyBatches(Target), batchSize: 64, device: CPU, seed: 5);
        double first = ct.Train(20), later = ct.Train(200);
        Assert.Equal(220, ct.Iterations);
        Assert.True(later < first, $"D loss {first:F4} → {later:F4}");
        foreach (var (p, q) in g.parameters().Zip(before)) Assert.True(p.eq(q).all().item<bool>());
    }

    [Fact]
    public void Options_are_validated()
    {
        var (g, d) = Models1D(6);
        var data = new ToyBatches(Target);
        var o = new GanSaturating();
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Run(o, g, d, data, new TrainOptions { Steps = 10, BatchSize = 0 }));
        var ex = Assert.Throws<ArgumentException>(() => Trainer.Run(o, g, d, data, new TrainOptions { Steps = 10, SnapshotAt = new[] { 11 } }));
        Assert.Contains("[0, 10]", ex.Message);
        var g2 = Mlp.Generator(latentDim: 1, outDim: 2);
        Assert.Throws<ArgumentException>(() => Trainer.Run(o, g2, d, data, new TrainOptions { Steps = 2, Device = CPU }));
    }
}
