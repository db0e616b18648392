using System.Text.Json.Nodes;
using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using WganCourse.Tests.Notebooks;
using Xunit;
using Tensor = TorchSharp.torch.Tensor;

namespace WganCourse.Tests.Training;

/// <summary>
/// Notebook 07 writes the WGAN paper's Algorithm 1 out in one cell and trains its tracking runs with it, all seeds at
/// once. The text says Trainer.Run is that loop plus logging, guards and checkpoints; these tests hold the notebook to
/// it: the cell's source is <see cref="Algorithm1Loop.Algorithm1"/> line for line; with one seed it gives the losses of
/// Trainer.Run with WganClip for the same seed and networks; with several seeds it trains exactly what
/// SeedBatchTrainer trains with WganClip, and each copy's logged losses are that copy's own.
/// </summary>
public class Algorithm1Tests
{
    public Algorithm1Tests() => Course.Setup();

    const string Begin = "// ---- Algorithm 1 (notebook 07) ----", End = "// ---- end of Algorithm 1 ----";

    static (List<double[]> Critic, List<double[]> Generator) One(int seed, int steps, int hidden, int m, double c = 0.01) =>
        Algorithm1Loop.Algorithm1(SeedBatchMlp.Generators(new[] { seed }, hidden: hidden),
            SeedBatchMlp.Critics(new[] { seed + 1 }, hidden: hidden), new IBatchSource[] { new ToyBatches(Toy.Ring8()) },
            new[] { seed }, steps, m, c: c);

    [Fact]
    public void The_notebook_cell_is_the_library_function()
    {
        VisibleCode.CellIsLibraryFunction("lib/WganCourse/Training/Algorithm1Loop.cs", "07-wgan.ipynb", Begin, End);
    }

    [Fact]
    public void With_one_seed_the_loop_gives_the_losses_of_Trainer_Run()
    {
        const int seed = 5, steps = 30, every = 10, hidden = 32, m = 64;
        var (critic, generator) = One(seed, steps, hidden, m);
        var run = Trainer.Run(new WganClip(), Mlp.Generator(2, 2, hidden, seed: seed), Mlp.Critic(2, hidden, seed: seed + 1),
            new ToyBatches(Toy.Ring8()), new TrainOptions { Steps = steps, BatchSize = m, LogEvery = every, Seed = seed });
        VisibleCode.SameWindowMeans(run.History.CriticLoss, run.History.GeneratorLoss,
            critic.Select(l => l[0]).ToList(), generator.Select(l => l[0]).ToList(), every);
    }

    [Fact]
    public void Its_two_switches_give_the_losses_of_Trainer_Run_with_the_original_schedule_and_an_Adam_critic()
    {
        // 30 steps cover both regimes of the original schedule (100 critic iterations at steps 0–24, then 5)
        const int seed = 5, steps = 30, every = 10, hidden = 32, m = 64;
        (List<double[]> Critic, List<double[]> Generator) Loop(bool original, bool adam) =>
            Algorithm1Loop.Algorithm1(SeedBatchMlp.Generators(new[] { seed }, hidden: hidden),
                SeedBatchMlp.Critics(new[] { seed + 1 }, hidden: hidden), new IBatchSource[] { new ToyBatches(Toy.Ring8()) },
                new[] { seed }, steps, m, originalSchedule: original, adam: adam);
        TrainResult Library(WganClip objective, OptimizerSpec? critic) => Trainer.Run(objective,
            Mlp.Generator(2, 2, hidden, seed: seed), Mlp.Critic(2, hidden, seed: seed + 1), new ToyBatches(Toy.Ring8()),
            new TrainOptions { Steps = steps, BatchSize = m, LogEvery = every, Seed = seed, CriticOptimizer = critic });
        var original = Loop(original: true, adam: false);
        var run = Library(new WganClip(originalSchedule: true), null);
        VisibleCode.SameWindowMeans(run.History.CriticLoss, run.History.GeneratorLoss,
            original.Critic.Select(l => l[0]).ToList(), original.Generator.Select(l => l[0]).ToList(), every);
        var adam = Loop(original: false, adam: true);
        var adamRun = Library(new WganClip(), OptimizerSpec.Adam(WganClip.PaperLearningRate, 0.5, 0.999));
        VisibleCode.SameWindowMeans(adamRun.History.CriticLoss, adamRun.History.GeneratorLoss,
            adam.Critic.Select(l => l[0]).ToList(), adam.Generator.Select(l => l[0]).ToList(), every);
        // each switch changes the run (the comparison could see a switch that did nothing)
        var plain = One(seed, steps, hidden, m).Critic.Select(l => l[0]).ToList();
        Assert.NotEqual(plain[^1], original.Critic[^1][0]);
        Assert.NotEqual(plain[^1], adam.Critic[^1][0]);
    }

    [Fact]
    public void A_loop_that_forgets_the_clipping_does_not_match_Trainer_Run()
    {
        // The comparison is sharp enough to see a missing clamp: Trainer.Run with an unclipped objective (a huge c)
        // gives other losses than the loop.
        const int seed = 5, steps = 20, hidden = 32, m = 64;
        var (critic, _) = One(seed, steps, hidden, m);
        var unclipped = Trainer.Run(new WganClip(clip: 1e6), Mlp.Generator(2, 2, hidden, seed: seed),
            Mlp.Critic(2, hidden, seed: seed + 1), new ToyBatches(Toy.Ring8()),
            new TrainOptions { Steps = steps, BatchSize = m, LogEvery = steps, Seed = seed });
        Assert.True(Math.Abs(unclipped.History.CriticLoss[0] - critic.Average(l => l[0])) > 1e-6,
            $"c = 10⁶ gave {unclipped.History.CriticLoss[0]}, the loop {critic.Average(l => l[0])}");
    }

    [Fact]
    public void With_several_seeds_the_loop_trains_exactly_what_SeedBatchTrainer_trains_and_logs_each_copy()
    {
        const int steps = 12, hidden = 16, m = 32;
        var seeds = new[] { 3, 4, 5 };
        var ring = Toy.Ring8();
        var options = new SeedBatchOptions { Steps = steps, BatchSize = m, SnapshotAt = new[] { 0, steps }, SnapshotSamples = 100 };
        var library = SeedBatchTrainer.Toy(new WganClip(), ring, seeds, options, hidden: hidden);
        var seen = new List<int>();
        List<double[]> critic = null!;
        var cell = WganGpLoop.Toy(new WganClip(), ring, seeds, options with { AfterStep = seen.Add },
            (g, f, data, after) => critic = Algorithm1Loop.Algorithm1(g, f, data, seeds, steps, m, afterStep: after).Critic,
            hidden: hidden);
        Assert.Equal(Enumerable.Range(1, steps), seen);
        VisibleCode.SameSeedBatch(library, cell);
        // copy k's logged critic loss is copy k's alone: the single run of seed 4 logs what copy 1 logged
        var single = One(4, steps, hidden, m).Critic.Select(l => l[0]).ToList();
        Assert.Equal(steps, critic.Count);
        Assert.All(critic, l => Assert.Equal(seeds.Length, l.Length));
        for (int s = 0; s < steps; s++) Assert.Equal(single[s], critic[s][1], 1e-4 * Math.Max(1e-3, Math.Abs(single[s])));
        Assert.NotEqual(critic[^1][0], critic[^1][1]);
    }
}
