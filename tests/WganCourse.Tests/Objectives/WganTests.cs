using TorchSharp;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace WganCourse.Tests.Objectives;

public class WganTests
{
    readonly ITestOutputHelper output;
    public WganTests(ITestOutputHelper output) { Course.Setup(); this.output = output; }

    /// <summary>f(x) = w·x + b, as a module and a critic function.</summary>
    static TorchSharp.Modules.Linear LinearCritic(double[] w, double b, ScalarType dtype = ScalarType.Float64)
    {
        var l = nn.Linear(w.Length, 1, dtype: dtype);
        using (no_grad())
        {
            l.weight.copy_(tensor(w, dtype: dtype).reshape(1, -1));
            l.bias!.fill_(b);
        }
        return l;
    }

    [Fact]
    public void Wgan_losses_are_plain_means_without_log_or_sigmoid()
    {
        var f = LinearCritic(new[] { 2.0, -1.0 }, 0.5);
        using var real = tensor(new[] { 1.0, 0, 0, 1 }, dtype: float64).reshape(2, 2); // f = 2.5, -0.5 → mean 1
        using var fake = tensor(new[] { 3.0, 1, -1, -1 }, dtype: float64).reshape(2, 2); // f = 5.5, -0.5 → mean 2.5
        foreach (var objective in new Objective[] { new WganClip(), new WganSn() })
        {
            using var loss = objective.CriticLoss((x, _) => f.call(x), real, fake, null);
            Assert.Equal(2.5 - 1.0, loss.item<double>(), 12);
            using var scores = tensor(new[] { 5.5, -0.5 }, dtype: float64).reshape(2, 1);
            Assert.Equal(-2.5, objective.GeneratorLoss(scores).item<double>(), 12);
        }
        // WGAN-GP with λ = 0 is the same loss
        using var gp0 = new WganGp(lambda: 0).CriticLoss((x, _) => f.call(x), real, fake, null);
        Assert.Equal(1.5, gp0.item<double>(), 12);
    }

    [Fact]
    public void Clipping_clamps_every_critic_parameter_to_plus_minus_c()
    {
        manual_seed(1);
        var critic = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1));
        using (no_grad()) foreach (var p in critic.parameters()) p.mul_(10);
        var before = critic.parameters().Select(p => p.detach().clone()).ToArray();
        new WganClip(clip: 0.05).AfterCriticStep(critic);
        var after = critic.parameters().ToArray();
        for (int k = 0; k < after.Length; k++)
        {
            Assert.True(after[k].abs().max().item<float>() <= 0.05f);
            using var expected = before[k].clamp(-0.05, 0.05);
            Assert.True(expected.eq(after[k]).all().item<bool>()); // values inside [−c, c] untouched
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new WganClip(clip: 0));
    }

    [Fact]
    public void Critic_iterations_follow_n_critic_and_the_original_schedule()
    {
        var plain = new WganClip();
        Assert.All(new[] { 0, 1, 24, 25, 500, 1000 }, g => Assert.Equal(5, plain.CriticIterations(g)));
        var original = new WganClip(originalSchedule: true);
        Assert.Equal(100, original.CriticIterations(0));
        Assert.Equal(100, original.CriticIterations(24));
        Assert.Equal(5, original.CriticIterations(25));
        Assert.Equal(5, original.CriticIterations(499));
        Assert.Equal(100, original.CriticIterations(500));
        Assert.Equal(5, original.CriticIterations(501));
        Assert.Equal(100, original.CriticIterations(1000));
        Assert.Equal(5, new WganGp().CriticIterations(0));
    }

    [Fact]
    public void Paper_default_optimizers()
    {
        var clip = new WganClip();
        Assert.Equal(("rmsprop", 5e-5), (clip.CriticOptimizer.Kind, clip.CriticOptimizer.LearningRate));
        Assert.Equal(clip.CriticOptimizer, clip.GeneratorOptimizer);
        Assert.Equal(0.01, clip.Clip);
        var adam = new WganClip(optimizer: OptimizerSpec.Adam(5e-5, 0.5, 0.999));
        Assert.Equal("adam", adam.CriticOptimizer.Kind);
        Assert.Contains("Adam", adam.Name);
        var gp = new WganGp();
        Assert.Equal(OptimizerSpec.Adam(1e-4, 0.0, 0.9), gp.CriticOptimizer);
        Assert.Equal(OptimizerSpec.Adam(1e-4, 0.0, 0.9), gp.GeneratorOptimizer);
        Assert.Equal(10, gp.Lambda);
        Assert.Equal(0.5, new WganGp(beta1: WganGp.CodeBeta1).CriticOptimizer.Beta1);
        Assert.Equal(OptimizerSpec.Adam(1e-4, 0.5, 0.9), new WganSn().CriticOptimizer);
    }

    [Fact]
    public void Penalty_of_a_linear_critic_is_lambda_times_norm_minus_one_squared()
    {
        var f = LinearCritic(new[] { 3.0, 4.0 }, -2); // ‖w‖ = 5
        using var real = randn(16, 2, dtype: float64, generator: Seeds.Generator(1));
        using var fake = randn(16, 2, dtype: float64, generator: Seeds.Generator(2));
        using var gp = WganGp.GradientPenalty(f, real, fake, 10);
        Assert.Equal(10 * 16.0, gp.item<double>(), 10);
        using var norms = WganGp.InterpolateGradientNorms((x, _) => f.call(x), real, fake);
        Assert.All(norms.data<double>().ToArray(), n => Assert.Equal(5.0, n, 12));

        // images: the gradient is taken over all pixels of a sample
        var g = LinearCritic(Enumerable.Repeat(0.25, 4).ToArray(), 0); // ‖w‖ = 0.5
        Func<Tensor, Tensor?, Tensor> image = (x, _) => g.call(x.flatten(1));
        using var ri = randn(8, 1, 2, 2, dtype: float64);
        using var fi = randn(8, 1, 2, 2, dtype: float64);
        using var gpi = WganGp.GradientPenalty(image, ri, fi, null, 3);
        Assert.Equal(3 * 0.25, gpi.item<double>(), 10);
    }

    [Fact]
    public void Penalty_gradient_wrt_critic_parameters_matches_finite_differences()
    {
        manual_seed(5);
        var critic = nn.Sequential(nn.Linear(3, 6, dtype: float64), nn.Tanh(), nn.Linear(6, 1, dtype: float64));
        using var real = randn(10, 3, dtype: float64, generator: Seeds.Generator(3));
        using var fake = randn(10, 3, dtype: float64, generator: Seeds.Generator(4));
        double Penalty() { using var p = WganGp.GradientPenalty(critic, real, fake, 10, Seeds.Generator(9)); return p.item<double>(); }

        critic.zero_grad();
        using (var p = WganGp.GradientPenalty(critic, real, fake, 10, Seeds.Generator(9))) p.backward();
        double worst = 0;
        const double h = 1e-6;
        foreach (var param in critic.parameters())
        {
            // the output bias does not change ∇x f, so autograd leaves its gradient undefined: it is 0
            var analytic = param.grad is null ? new double[param.numel()] : param.grad.data<double>().ToArray();
            var flat = param.detach().view(-1);
            for (int i = 0; i < analytic.Length; i++)
            {
                double original = flat[i].item<double>();
                using (no_grad()) flat[i] = original + h;
                double up = Penalty();
                using (no_grad()) flat[i] = original - h;
                double down = Penalty();
                using (no_grad()) flat[i] = original;
                double numeric = (up - down) / (2 * h);
                worst = Math.Max(worst, Math.Abs(numeric - analytic[i]) / Math.Max(1e-3, Math.Abs(numeric)));
            }
        }
        output.WriteLine($"worst relative difference analytic vs finite differences: {worst:E2}");
        Assert.True(worst < 1e-5, $"worst relative difference {worst}");
        Assert.True(Penalty() > 0);
    }

    [Fact]
    public void Gp_critic_loss_is_the_wgan_loss_plus_the_penalty_and_conditional_critics_get_the_real_labels()
    {
        var f = LinearCritic(new[] { 1.0, 1.0 }, 0);
        using var real = randn(6, 2, dtype: float64, generator: Seeds.Generator(1));
        using var fake = randn(6, 2, dtype: float64, generator: Seeds.Generator(2));
        using var labels = tensor(new long[] { 0, 1, 2, 0, 1, 2 });
        var seen = new List<Tensor?>();
        Func<Tensor, Tensor?, Tensor> critic = (x, y) => { seen.Add(y); return f.call(x) + y!.to_type(float64).unsqueeze(1); };
        using var loss = new WganGp(generator: Seeds.Generator(7)).CriticLoss(critic, real, fake, labels);
        Assert.Equal(3, seen.Count); // fake, real, interpolates
        Assert.All(seen, y => Assert.Same(labels, y));
        double wgan = f.call(fake).mean().item<double>() - f.call(real).mean().item<double>();
        Assert.Equal(wgan + 10 * Math.Pow(Math.Sqrt(2) - 1, 2), loss.item<double>(), 10);
    }

    [Fact]
    public void Interpolates_lie_on_the_segments_with_one_epsilon_per_sample()
    {
        using var real = zeros(200, 3, dtype: float64);
        using var fake = ones(200, 3, dtype: float64);
        using var x = WganGp.Interpolates(real, fake, Seeds.Generator(1));
        // x̂ = ε·0 + (1 − ε)·1: every coordinate of a sample equals 1 − ε
        Assert.True((x - x[.., 0..1]).abs().max().item<double>() == 0);
        Assert.InRange(x.min().item<double>(), 0, 1);
        Assert.InRange(x.mean().item<double>(), 0.4, 0.6);
        using var again = WganGp.Interpolates(real, fake, Seeds.Generator(1));
        Assert.True(x.eq(again).all().item<bool>());
    }

    [Fact]
    public void Wgan_sn_insists_on_a_spectrally_normalised_critic()
    {
        var plain = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1));
        var e = Assert.Throws<ArgumentException>(() => new WganSn().AfterCriticStep(plain));
        Assert.Contains("SpectralNorm.Apply", e.Message);
        new WganSn().AfterCriticStep(SpectralNorm.Apply(plain));
    }

    [Fact]
    public void Mismatched_batches_are_rejected()
    {
        using var a = zeros(4, 2);
        using var b = zeros(5, 2);
        var f = nn.Linear(2, 1);
        Assert.Contains("same shape", Assert.Throws<ArgumentException>(() => new WganClip().CriticLoss((x, _) => f.call(x), a, b, null)).Message);
        using var labels = zeros(3, dtype: int64);
        Assert.Contains("one label per sample", Assert.Throws<ArgumentException>(() => new WganGp().CriticLoss((x, _) => f.call(x), a, a, labels)).Message);
    }
}
