using TorchSharp;
using WganCourse.Data;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

public class ProbesTests
{
    public ProbesTests() => Course.Setup();

    static double Sigmoid(double l) => 1 / (1 + Math.Exp(-l));

    [Fact]
    public void Gradient_norm_of_a_linear_G_and_D_matches_the_hand_derivation()
    {
        // G(z) = w z + b, D logit l = a x + c. Loss A = −mean softplus(l): ∂/∂w = −mean σ(l) a z, ∂/∂b = −mean σ(l) a.
        // Loss B = mean softplus(−l): ∂/∂w = −mean (1 − σ(l)) a z, ∂/∂b = −mean (1 − σ(l)) a.
        var g = Mlp.Generator(latentDim: 1, outDim: 1, layers: 0, seed: 11);
        var d = Mlp.Critic(inDim: 1, layers: 0, seed: 12);
        float[] P(nn.Module m) => m.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        var (w, b) = (P(g)[0], P(g)[1]);
        var (a, c) = (P(d)[0], P(d)[1]);
        using var zgen = Seeds.Generator(5);
        var z = randn(new long[] { 16, 1 }, generator: zgen).data<float>().ToArray();
        double Norm(Func<double, double> weight)
        {
            double gw = 0, gb = 0;
            foreach (var zi in z) { double l = a * (w * zi + b) + c; gw -= weight(l) * a * zi / z.Length; gb -= weight(l) * a / z.Length; }
            return Math.Sqrt(gw * gw + gb * gb);
        }
        using var g1 = Seeds.Generator(5);
        var na = Probes.GeneratorGradientNorms(g, d, GanLosses.GeneratorSaturating, batches: 1, batchSize: 16, zGenerator: g1);
        using var g2 = Seeds.Generator(5);
        var nb = Probes.GeneratorGradientNorms(g, d, GanLosses.GeneratorNonSaturating, batches: 1, batchSize: 16, zGenerator: g2);
        Assert.Equal(Norm(Sigmoid), na[0], 5);
        Assert.Equal(Norm(l => 1 - Sigmoid(l)), nb[0], 5);
        Assert.All(g.parameters(), p => Assert.True(p.grad is null || p.grad.IsInvalid || p.grad.abs().sum().item<float>() == 0));
    }

    [Fact]
    public void A_discriminator_trained_between_fixed_densities_approaches_D_star()
    {
        var pr = Toy.Bimodal1D();
        var pg = GaussianMixture.OneD("N(0,1)", (1.0, 0.0, 1.0));
        var d = Mlp.Critic(inDim: 1, hidden: 32, layers: 3, seed: 1);
        var grid = new WganCourse.Divergences.UniformGrid(-4, 4, 161);
        var (prd, pgd) = (pr.DensityOnGrid(grid.X), pg.DensityOnGrid(grid.X));
        var dStar = WganCourse.Divergences.Classic.OptimalDiscriminator(prd, pgd);
        double MaxErr(double[] dv) => Enumerable.Range(0, grid.Count).Where(i => Math.Max(prd[i], pgd[i]) >= 0.05).Max(i => Math.Abs(dv[i] - dStar[i]));
        double before = MaxErr(Probes.DiscriminatorOnGrid(d, grid.X));
        double loss = Probes.TrainDiscriminator(d, new ToyBatches(pr), new ToyBatches(pg), steps: 500, batchSize: 256, seed: 2, device: CPU);
        double after = MaxErr(Probes.DiscriminatorOnGrid(d, grid.X));
        Assert.True(after < 0.1, $"max |D − D*| on the support {before:F3} → {after:F3}");
        Assert.True(after < before / 3);
        // at D*, the D loss is log 4 − 2·JS: the trained D's loss sits just above it
        double optimum = Math.Log(4) - 2 * WganCourse.Divergences.Classic.JS(grid, prd, pgd);
        Assert.InRange(loss, optimum - 0.03, optimum + 0.05);
    }

    [Fact]
    public void Accuracy_between_two_samplers_counts_each_side_of_a_known_linear_discriminator()
    {
        var real = GaussianMixture.OneD("N(2, 0.1²)", (1.0, 2.0, 0.1));
        var fake = GaussianMixture.OneD("N(−2, 0.1²)", (1.0, -2.0, 0.1));
        var d = Mlp.Critic(inDim: 1, layers: 0, seed: 1); // logit = w x + b
        void Set(float w, float b)
        {
            using var _ = no_grad();
            var ps = d.parameters().ToArray();
            ps[0].fill_(w);
            ps[1].fill_(b);
        }
        Set(1, 0);
        Assert.Equal(new DiscriminatorAccuracy(1, 1), Probes.Accuracy(d, real, fake, n: 500, seed: 4));
        Set(-1, 0);                                                        // everything on the wrong side
        Assert.Equal(new DiscriminatorAccuracy(0, 0), Probes.Accuracy(d, real, fake, n: 500, seed: 4));
        Set(1, -2);                                                        // the boundary through the real mode's centre
        var half = Probes.Accuracy(d, real, fake, n: 4000, seed: 4);
        Assert.InRange(half.Real, 0.45, 0.55);
        Assert.Equal(1, half.Fake);
        Assert.Equal(half, Probes.Accuracy(d, real, fake, n: 4000, seed: 4)); // seeded
        Assert.Throws<ArgumentException>(() => Probes.Accuracy(d, real, Toy.Ring8(), n: 10));
    }

    [Fact]
    public void Norm_stats_use_the_sample_standard_deviation()
    {
        var s = NormStats.Of(new[] { 1.0, 2, 3, 4 });
        Assert.Equal(2.5, s.Mean, 15);
        Assert.Equal(Math.Sqrt(5.0 / 3), s.Std, 15);
    }

    [Fact]
    public void Against_a_frozen_G_off_the_data_D_wins_loss_A_gradient_vanishes_and_loss_B_gradient_grows()
    {
        // Arjovsky & Bottou's protocol in miniature: an untrained G (a blob near the origin) against the 8-Gaussian ring
        var g = Mlp.Generator(latentDim: 2, outDim: 2, hidden: 64, layers: 3, seed: 1);
        var d = Mlp.Critic(inDim: 2, hidden: 64, layers: 3, seed: 2);
        var before = g.parameters().Select(p => p.detach().clone()).ToList();
        var probe = Probes.GradientsWhileDLearns(g, d, new ToyBatches(Toy.Ring8()), new[] { 0, 1000 }, batchSize: 64, gradBatches: 5,
                                                 seed: 3, device: CPU);
        var (start, end) = (probe.Points[0], probe.Points[^1]);
        Assert.Equal(1.0, end.Accuracy.Overall);                // a perfect discriminator
        Assert.True(probe.LossADropOrders > 1, $"loss A gradient {start.LossA.Mean:E2} → {end.LossA.Mean:E2}");
        Assert.True(probe.LossBGrowthOrders > 1, $"loss B gradient {start.LossB.Mean:E2} → {end.LossB.Mean:E2}");
        Assert.True(end.LossB.Std > start.LossB.Std);
        foreach (var (p, q) in g.parameters().Zip(before)) Assert.True(p.eq(q).all().item<bool>()); // G stayed fixed
        Assert.Throws<ArgumentException>(() => Probes.GradientsWhileDLearns(g, d, new ToyBatches(Toy.Ring8()), new[] { 10, 5 }));
    }
}
