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
/// Notebook 07 writes the WGAN paper's Algorithm 1 out in one cell and trains its ring runs with it. The text says
/// Trainer.Run is that loop plus logging, guards and checkpoints; these tests hold the notebook to it: the cell's
/// source is the function below, character for character (outside indentation), and that function gives the same
/// losses as Trainer.Run with WganClip for the same seed and networks.
/// </summary>
public class Algorithm1Tests
{
    public Algorithm1Tests() => Course.Setup();

    const string Begin = "// ---- Algorithm 1 (notebook 07) ----", End = "// ---- end of Algorithm 1 ----";

    /// <summary>Runs the notebook's loop. The text between the markers is compared with notebook 07's cell.</summary>
    static (List<double> Critic, List<double> Generator) RunNotebookLoop(GeneratorNet g, CriticNet f, IBatchSource data,
        int steps, int seed, int m, Action<int>? afterStep = null)
    {
#nullable disable
        // ---- Algorithm 1 (notebook 07) ----
        // Algorithm 1 of the WGAN paper: n_critic critic steps (RMSProp, then clip every parameter to
        // [−c, c]), then one generator step. Seeds, batches and z are drawn as Trainer.Run draws them.
        (List<double> Critic, List<double> Generator) Algorithm1(GeneratorNet g, CriticNet f,
            IBatchSource data, int steps, int seed, int m = 256, double alpha = 5e-5, double c = 0.01,
            int nCritic = 5, Action<int> afterStep = null)
        {
            Seeds.Set(seed); data.Reset(seed); g.to(Devices.Current); f.to(Devices.Current);
            using var zStream = Seeds.Generator(Trainer.LatentSeed(seed));
            using var optF = torch.optim.RMSProp(f.parameters(), alpha);
            using var optG = torch.optim.RMSProp(g.parameters(), alpha);
            var (criticLoss, generatorLoss) = (new List<double>(), new List<double>());
            for (int step = 0; step < steps; step++)
            {
                double sum = 0;
                for (int t = 0; t < nCritic; t++)
                {
                    using var scope = torch.NewDisposeScope();
                    var x = data.Next(m).X.to(f.Device);
                    torch.Tensor fake;
                    using (torch.no_grad()) fake = g.forward(g.Latent(m, zStream));
                    var loss = f.forward(fake).mean() - f.forward(x).mean(); // −(E f(x) − E f(g(z)))
                    optF.zero_grad(); loss.backward(); optF.step();
                    using (torch.no_grad()) foreach (var w in f.parameters()) w.clamp_(-c, c);
                    sum += loss.item<float>();
                }
                using (var scope = torch.NewDisposeScope())
                {
                    var loss = -f.forward(g.forward(g.Latent(m, zStream))).mean(); // −E f(g(z))
                    optG.zero_grad(); loss.backward(); optG.step();
                    criticLoss.Add(sum / nCritic); generatorLoss.Add(loss.item<float>());
                }
                afterStep?.Invoke(step + 1);
                Stop.ThrowIfRequested("Algorithm 1", step + 1, steps); // the stop button
            }
            return (criticLoss, generatorLoss);
        }
        // ---- end of Algorithm 1 ----
#nullable restore
        return Algorithm1(g, f, data, steps, seed, m, afterStep: afterStep);
    }

    [Fact]
    public void The_notebook_cell_is_the_tested_function()
    {
        var here = File.ReadAllLines(Path.Combine(TestPaths.Repo, "tests", "WganCourse.Tests", "Training", "Algorithm1Tests.cs"));
        foreach (var notebook in new[] { "notebooks/07-wgan.ipynb", "notebooks/solutions/07-wgan.ipynb" })
            Assert.Equal(VisibleCode.Marked(here, Begin, End), VisibleCode.Marked(VisibleCode.CellHolding(notebook, Begin), Begin, End));
    }

    [Fact]
    public void The_notebook_loop_gives_the_losses_of_Trainer_Run()
    {
        const int seed = 5, steps = 30, every = 10;
        var ring = Toy.Ring8();
        var (critic, generator) = RunNotebookLoop(Mlp.Generator(2, 2, 32, seed: seed), Mlp.Critic(2, 32, seed: seed + 1),
            new ToyBatches(ring), steps, seed, m: 64);
        var run = Trainer.Run(new WganClip(), Mlp.Generator(2, 2, 32, seed: seed), Mlp.Critic(2, 32, seed: seed + 1), new ToyBatches(ring),
            new TrainOptions { Steps = steps, BatchSize = 64, LogEvery = every, Seed = seed });
        VisibleCode.SameWindowMeans(run.History.CriticLoss, run.History.GeneratorLoss, critic, generator, every);
    }

    [Fact]
    public void A_loop_that_forgets_the_clipping_does_not_match_Trainer_Run()
    {
        // The comparison is sharp enough to see a missing clamp: train Trainer.Run with an unclipped objective (a huge c).
        const int seed = 5, steps = 20;
        var ring = Toy.Ring8();
        var (critic, _) = RunNotebookLoop(Mlp.Generator(2, 2, 32, seed: seed), Mlp.Critic(2, 32, seed: seed + 1), new ToyBatches(ring), steps, seed, m: 64);
        var unclipped = Trainer.Run(new WganClip(clip: 1e6), Mlp.Generator(2, 2, 32, seed: seed), Mlp.Critic(2, 32, seed: seed + 1), new ToyBatches(ring),
            new TrainOptions { Steps = steps, BatchSize = 64, LogEvery = steps, Seed = seed });
        Assert.NotEqual(unclipped.History.CriticLoss[0], critic.Average(), 6);
    }
}
