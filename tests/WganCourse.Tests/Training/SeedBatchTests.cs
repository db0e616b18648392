using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

public class SeedBatchTests
{
    public SeedBatchTests()
    {
        Course.Setup();
        torch.set_num_threads(1);
    }

    static readonly int[] FiveSeeds = { 11, 12, 13, 14, 15 };

    [Fact]
    public void Copy_k_starts_as_the_single_network_built_from_seed_k()
    {
        using var g = SeedBatchMlp.Generators(FiveSeeds, hidden: 16);
        using var d = SeedBatchMlp.Critics(FiveSeeds, hidden: 16);
        using var z = randn(5, 7, 2, generator: Seeds.Generator(1));
        using var xs = g.call(z);
        using var scores = d.call(xs);
        Assert.Equal(new long[] { 5, 7, 2 }, xs.shape);
        Assert.Equal(new long[] { 5, 7, 1 }, scores.shape);
        for (int k = 0; k < 5; k++)
        {
            using var single = Mlp.Generator(hidden: 16, seed: FiveSeeds[k]);
            using var singleD = Mlp.Critic(hidden: 16, seed: FiveSeeds[k]);
            Assert.True(allclose(xs[k], single.call(z[k]), rtol: 1e-5, atol: 1e-6), $"G copy {k}");
            Assert.True(allclose(scores[k], singleD.call(xs[k]), rtol: 1e-5, atol: 1e-6), $"D copy {k}");
        }
        // and back: a copy extracted as an ordinary MlpGenerator gives the same outputs
        using var back = g.CopyAsGenerator(3, hidden: 16);
        Assert.True(allclose(xs[3], back.call(z[3]), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Spectrally_normalised_copies_start_with_unit_spectral_norm_per_layer()
    {
        using var d = SeedBatchMlp.Critics(FiveSeeds, hidden: 16, spectralNorm: true);
        Assert.True(d.IsSpectrallyNormalised);
        for (int i = 0; i < d.Layers; i++)
            Assert.All(d.NormalisedSpectralNorms(i), s => Assert.InRange(s, 0.99, 1.01));
        using var x = randn(5, 9, 2, generator: Seeds.Generator(2));
        d.eval(); // no power-iteration update: compare with the single SN critics in eval mode
        using var scores = d.call(x);
        for (int k = 0; k < 5; k++)
        {
            using var single = Mlp.Critic(hidden: 16, seed: FiveSeeds[k], spectralNorm: true);
            single.eval();
            Assert.True(allclose(scores[k], single.call(x[k]), rtol: 1e-4, atol: 1e-5), $"SN copy {k}");
        }
    }

    /// <summary>Gradients of the summed loss w.r.t. every parameter, for a given real batch (fake fixed).</summary>
    static Tensor[] CriticGradients(Objective objective, SeedBatchMlp d, Tensor real, Tensor fake)
    {
        d.zero_grad();
        Seeds.Set(5); // WGAN-GP's interpolation weights: the same draws in both calls
        var loss = SeedBatchTrainer.CriticLoss(objective, d, real, fake);
        loss.backward();
        return d.parameters().Select(p => p.grad!.detach().clone()).ToArray();
    }

    public static IEnumerable<object[]> Objectives() => new[]
    {
        new object[] { "gan" }, new object[] { "wgan" }, new object[] { "gp" }, new object[] { "sn" },
    };

    static Objective Make(string name) => name switch
    {
        "gan" => new GanNonSaturating(), "wgan" => new WganClip(), "gp" => new WganGp(), _ => new WganSn(),
    };

    [Theory]
    [MemberData(nameof(Objectives))]
    public void Gradients_of_copy_k_depend_only_on_copy_k(string name)
    {
        var objective = Make(name);
        using var d = SeedBatchMlp.Critics(FiveSeeds, hidden: 16, spectralNorm: name == "sn");
        d.eval(); // SN: keep u, v fixed between the two evaluations
        using var real = randn(5, 32, 2, generator: Seeds.Generator(3));
        using var fake = randn(5, 32, 2, generator: Seeds.Generator(4));
        var before = CriticGradients(objective, d, real, fake);
        using var perturbed = real.clone();
        using (no_grad()) perturbed[2].add_(randn(32, 2, generator: Seeds.Generator(6)));   // change copy 2's data only
        var after = CriticGradients(objective, d, perturbed, fake);
        for (int p = 0; p < before.Length; p++)
            for (int k = 0; k < 5; k++)
            {
                bool same = before[p][k].eq(after[p][k]).all().item<bool>();
                if (k == 2) Assert.False(same && before[p][k].abs().sum().item<float>() > 0, $"{name}: copy 2's gradient of parameter {p} did not change");
                else Assert.True(same, $"{name}: copy {k}'s gradient of parameter {p} changed when copy 2's data changed");
            }
    }

    [Theory]
    [InlineData("gan")]
    [InlineData("wgan")]
    public void A_copy_follows_the_same_trajectory_as_the_seed_trained_alone(string name)
    {
        // Same algorithm, same init, same data and z streams: copy 0 of a batch of 3 and Trainer.Run with that seed agree
        // after 30 generator steps up to float rounding (batched products sum in another order).
        const int steps = 30, hidden = 16, batch = 64, seed = 21;
        var ring = Toy.Ring8();
        var single = Trainer.Run(Make(name), Mlp.Generator(hidden: hidden, seed: seed), Mlp.Critic(hidden: hidden, seed: seed + 1),
            new ToyBatches(ring), new TrainOptions { Steps = steps, BatchSize = batch, Seed = seed, LogEvery = steps });
        var batched = SeedBatchTrainer.Toy(Make(name), ring, new[] { seed, 22, 23 }, new SeedBatchOptions { Steps = steps, BatchSize = batch }, hidden: hidden);
        using var copy = batched.Generator.CopyAsGenerator(0, hidden);
        var a = single.Generator.parameters().ToArray();
        var b = copy.parameters().ToArray();
        double scale = a.Max(p => p.abs().max().item<float>());
        double diff = a.Zip(b, (x, y) => (x - y).abs().max().item<float>()).Max();
        Assert.True(diff < 1e-3 * scale, $"{name}: copy 0 drifted from the single run by {diff:E2} (parameter scale {scale:0.###})");
        // and the other copies really are other runs
        using var other = batched.Generator.CopyAsGenerator(1, hidden);
        double otherDiff = a.Zip(other.parameters(), (x, y) => (x - y).abs().max().item<float>()).Max();
        Assert.True(otherDiff > 100 * diff, $"copy 1 should differ from seed {seed}'s run (diff {otherDiff:E2})");
    }

    [Fact]
    public void Snapshots_have_one_slice_per_copy_and_every_copy_maps_the_same_z()
    {
        var r = SeedBatchTrainer.Toy(new GanNonSaturating(), Toy.Grid25(), new[] { 1, 2 },
            new SeedBatchOptions { Steps = 3, BatchSize = 16, SnapshotAt = new[] { 0, 3 }, SnapshotSamples = 50 }, hidden: 8);
        Assert.Equal(new[] { 0, 3 }, r.Snapshots.Select(s => s.Step));
        Assert.Equal(new long[] { 2, 50, 2 }, r.Snapshots[1].Samples.shape);
        Assert.Equal(2, r.FinalReports(Toy.Grid25()).Count);
    }

    [Fact]
    public void Errors_name_the_problem()
    {
        var dup = Assert.Throws<ArgumentException>(() => SeedBatchMlp.Generators(new[] { 1, 1 }, hidden: 8));
        Assert.Contains("must differ", dup.Message);
        using var g = SeedBatchMlp.Generators(new[] { 1, 2 }, hidden: 8);
        var shape = Assert.Throws<ArgumentException>(() => g.call(randn(3, 5, 2)));
        Assert.Contains("[2, n, 2]", shape.Message);
        using var d = SeedBatchMlp.Critics(new[] { 1, 2 }, hidden: 8);
        var sn = Assert.Throws<ArgumentException>(() => SeedBatchTrainer.Run(new WganSn(), g, d,
            new IBatchSource[] { new ToyBatches(Toy.Ring8()), new ToyBatches(Toy.Ring8()) }, new[] { 1, 2 }, new SeedBatchOptions { Steps = 1 }));
        Assert.Contains("spectralNorm: true", sn.Message);
        var count = Assert.Throws<ArgumentException>(() => SeedBatchTrainer.Run(new WganClip(), g, d,
            new IBatchSource[] { new ToyBatches(Toy.Ring8()) }, new[] { 1, 2 }, new SeedBatchOptions { Steps = 1 }));
        Assert.Contains("copies must agree", count.Message);
        Assert.Throws<InvalidOperationException>(() => SeedBatchMlp.Critics(new[] { 1 }, hidden: 8, spectralNorm: true).CopyAsCritic(0, 8));
    }

    [Fact]
    public void FreezeAt_keeps_every_copy_as_it_was_at_that_step_in_both_batched_loops()
    {
        var ring = Toy.Ring8();
        var seeds = new[] { 3, 4 };
        var options = new SeedBatchOptions { Steps = 6, BatchSize = 16, SnapshotAt = new[] { 3, 6 }, SnapshotSamples = 50,
                                             FreezeAt = new[] { 3, 6 } };
        var library = SeedBatchTrainer.Toy(new GanNonSaturating(), ring, seeds, options, hidden: 16);
        var loop = WganGpLoop.Toy(new WganClip(), ring, seeds, options, (g, f, data, after) =>
            Algorithm1Loop.Algorithm1(g, f, data, seeds, options.Steps, options.BatchSize, afterStep: after), hidden: 16);
        foreach (var run in new[] { library, loop })
        {
            Assert.Equal(new[] { (3, 0), (3, 1), (6, 0), (6, 1) }, run.Frozen.Select(c => (c.Step, c.Copy)));
            foreach (var c in run.Frozen)
            {
                using var z = Seeds.Generator(options.SnapshotSeed); // the snapshots' z
                var drawn = c.G(options.SnapshotSamples, z);
                var snapshot = run.Snapshots.Single(s => s.Step == c.Step).Copy(c.Copy);
                Assert.True(drawn.allclose(snapshot, rtol: 1e-5, atol: 1e-6), $"step {c.Step}, copy {c.Copy}");
            }
            // the run moved on after the first freeze, and the copy frozen at step 3 did not
            using var z1 = Seeds.Generator(1);
            using var z2 = Seeds.Generator(1);
            Assert.False(run.Frozen[0].G(50, z1).allclose(run.Frozen[2].G(50, z2)));
        }
        Assert.Throws<ArgumentException>(() => SeedBatchTrainer.Toy(new GanNonSaturating(), ring, seeds,
            options with { FreezeAt = new[] { 0 } }, hidden: 16));
        // freezing does not change the run: WGAN-GP draws ε from the global generator, which building a network draws
        // from too; with and without FreezeAt the runs end bit for bit alike
        var plain = SeedBatchTrainer.Toy(new WganGp(), ring, seeds, options with { FreezeAt = Array.Empty<int>() }, hidden: 16);
        var freezing = SeedBatchTrainer.Toy(new WganGp(), ring, seeds, options, hidden: 16);
        Assert.Equal(4, freezing.Frozen.Count);
        Assert.True(plain.Snapshots[^1].Samples.allclose(freezing.Snapshots[^1].Samples, rtol: 0, atol: 0),
            "a run that froze copies of its generator trained differently from one that did not");
    }
}

public class SeedBatchLipschitzTests
{
    public SeedBatchLipschitzTests()
    {
        Course.Setup();
        torch.set_num_threads(1);
    }

    [Fact]
    public void The_08_sn_claim_holds_for_a_trained_sn_critic_and_fails_for_an_unconstrained_one()
    {
        // 08.sn-lipschitz: the largest input-gradient norm of the trained SN critics ≤ 1.05
        var sn = SeedBatchTrainer.Toy(new WganSn(), Toy.Ring8(), new[] { 1, 2 }, new SeedBatchOptions { Steps = 30, BatchSize = 64 }, hidden: 32);
        // the broken input: the same critics without the normalisation, their weights scaled by 3 (what SN would undo)
        var unconstrained = SeedBatchMlp.Critics(new[] { 2, 3 }, hidden: 32);
        using (no_grad()) foreach (var p in unconstrained.parameters()) p.mul_(3);
        using var x = randn(2, 500, 2, generator: Seeds.Generator(3));
        sn.Critic.eval();
        double snMax = sn.Critic.InputGradientNorms(x).max().item<float>();
        double ganMax = unconstrained.InputGradientNorms(x).max().item<float>();
        Assert.True(snMax <= 1.05, $"trained SN critic: largest gradient norm {snMax:0.###}");
        Assert.True(ganMax > 1.05, $"an unnormalised critic is not 1-Lipschitz: {ganMax:0.###} (the claim must be able to fail)");
    }
}
