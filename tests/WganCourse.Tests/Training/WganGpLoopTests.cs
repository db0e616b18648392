using System.Text.Json.Nodes;
using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using WganCourse.Tests.Notebooks;
using Xunit;

namespace WganCourse.Tests.Training;

/// <summary>
/// Notebook 08 writes the WGAN-GP training loop (Gulrajani et al. 2017, Algorithm 1) out in one cell and trains its
/// WGAN-GP runs with it. These tests hold the notebook to what its text says: the cell is
/// <see cref="WganGpLoop.TrainWganGp"/> line for line; with one seed it gives Trainer.Run's losses with WganGp; with several
/// seeds it trains exactly what SeedBatchTrainer trained before the cell existed (so 08's claims keep their values).
/// </summary>
public class WganGpLoopTests
{
    public WganGpLoopTests() => Course.Setup();

    const string Begin = "// ---- WGAN-GP (notebook 08) ----", End = "// ---- end of WGAN-GP ----";

    [Fact]
    public void The_notebook_cell_is_the_library_function()
    {
        VisibleCode.CellIsLibraryFunction("lib/WganCourse/Training/WganGpLoop.cs", "08-beyond-wgan.ipynb", Begin, End);
    }

    [Fact]
    public void With_one_seed_the_loop_gives_the_losses_of_Trainer_Run()
    {
        const int seed = 5, steps = 30, every = 10, hidden = 32, m = 64;
        var ring = Toy.Ring8();
        var (critic, generator) = WganGpLoop.TrainWganGp(SeedBatchMlp.Generators(new[] { seed }, hidden: hidden),
            SeedBatchMlp.Critics(new[] { seed + 1 }, hidden: hidden), new IBatchSource[] { new ToyBatches(ring) },
            new[] { seed }, steps, m);
        var run = Trainer.Run(new WganGp(), Mlp.Generator(2, 2, hidden, seed: seed), Mlp.Critic(2, hidden, seed: seed + 1),
            new ToyBatches(ring), new TrainOptions { Steps = steps, BatchSize = m, LogEvery = every, Seed = seed });
        VisibleCode.SameWindowMeans(run.History.CriticLoss, run.History.GeneratorLoss, critic, generator, every);
    }

    [Fact]
    public void The_comparison_sees_a_penalty_that_does_not_reach_the_weights()
    {
        // A loop without create_graph trains as if λ were 0 (the penalty's gradient never reaches the critic's
        // weights): Trainer.Run with λ = 0 gives other losses than the loop, so the test above would catch it.
        const int seed = 5, steps = 20, hidden = 32, m = 64;
        var ring = Toy.Ring8();
        var (critic, _) = WganGpLoop.TrainWganGp(SeedBatchMlp.Generators(new[] { seed }, hidden: hidden),
            SeedBatchMlp.Critics(new[] { seed + 1 }, hidden: hidden), new IBatchSource[] { new ToyBatches(ring) },
            new[] { seed }, steps, m);
        var unpenalised = Trainer.Run(new WganGp(lambda: 0), Mlp.Generator(2, 2, hidden, seed: seed),
            Mlp.Critic(2, hidden, seed: seed + 1), new ToyBatches(ring),
            new TrainOptions { Steps = steps, BatchSize = m, LogEvery = steps, Seed = seed });
        Assert.True(Math.Abs(unpenalised.History.CriticLoss[0] - critic.Average()) > 1e-3,
            $"λ = 0 gave {unpenalised.History.CriticLoss[0]}, the loop {critic.Average()}");
    }

    [Fact]
    public void With_several_seeds_the_loop_trains_exactly_what_SeedBatchTrainer_trains()
    {
        // Notebook 08's WGAN-GP runs were SeedBatchTrainer.Toy(new WganGp(), …) before the cell trained them; bit for
        // bit the same weights and samples means its claims keep their values.
        const int steps = 12, hidden = 16, m = 32;
        var seeds = new[] { 3, 4, 5 };
        var ring = Toy.Ring8();
        var options = new SeedBatchOptions { Steps = steps, BatchSize = m, SnapshotAt = new[] { 0, steps }, SnapshotSamples = 100 };
        var library = SeedBatchTrainer.Toy(new WganGp(), ring, seeds, options, hidden: hidden);
        var seen = new List<int>();
        var cell = WganGpLoop.Toy(new WganGp(), ring, seeds, options with { AfterStep = seen.Add },
            (g, f, data, after) => WganGpLoop.TrainWganGp(g, f, data, seeds, steps, m, afterStep: after), hidden: hidden);
        Assert.Equal(Enumerable.Range(1, steps), seen);
        VisibleCode.SameSeedBatch(library, cell);
    }
}
