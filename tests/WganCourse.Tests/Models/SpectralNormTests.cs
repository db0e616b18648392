using TorchSharp;
using WganCourse.Models;
using WganCourse.Runtime;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace WganCourse.Tests.Models;

public class SpectralNormTests
{
    readonly ITestOutputHelper output;
    public SpectralNormTests(ITestOutputHelper output) { Course.Setup(); this.output = output; }

    [Fact]
    public void Power_iteration_one_step_per_forward_converges_to_the_largest_singular_value()
    {
        manual_seed(1);
        var sn = SpectralNorm.Linear(nn.Linear(20, 30), generator: Seeds.Generator(2));
        sn.train();
        double exact = SpectralNorm.LargestSingularValue(sn.Weight);
        double first = Math.Abs(sn.Sigma - exact) / exact;
        using var x = randn(8, 20);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int k = 0; k < 300; k++) { using var y = sn.forward(x); } // u persists between forwards
        output.WriteLine($"300 forwards: {sw.ElapsedMilliseconds} ms");
        double error = Math.Abs(sn.Sigma - exact) / exact;
        output.WriteLine($"σ exact {exact:F6}; relative error after 1 step {first:E2}, after 300 forwards {error:E2}");
        Assert.True(error < 1e-3, $"relative error {error}");
        Assert.True(first > error);
        using var wn = sn.NormalisedWeight();
        double normalised = SpectralNorm.LargestSingularValue(wn);
        output.WriteLine($"σ(W/σ̂) = {normalised:F6}");
        Assert.InRange(normalised, 1 - 1e-3, 1 + 1e-3);
    }

    [Fact]
    public void Forward_is_the_layer_with_W_over_sigma_and_gradients_reach_W()
    {
        manual_seed(3);
        var linear = nn.Linear(5, 4);
        var sn = SpectralNorm.Linear(linear, generator: Seeds.Generator(4));
        Assert.Equal(2, sn.parameters().Count());
        Assert.Contains("layer.weight", sn.named_parameters().Select(p => p.name));
        sn.eval();
        sn.PowerIterate(100);
        using var x = randn(3, 5);
        using var expected = nn.functional.linear(x, linear.weight / sn.Sigma, linear.bias);
        using var y = sn.forward(x);
        Assert.True(allclose(y, expected, rtol: 1e-5, atol: 1e-6));
        // eval mode does not move u
        double sigma = sn.Sigma;
        for (int k = 0; k < 3; k++) sn.forward(x).Dispose();
        Assert.Equal(sigma, sn.Sigma);
        // gradient through W, including through σ(W)
        using var loss = sn.forward(x).sum();
        loss.backward();
        Assert.True(linear.weight.grad is not null && linear.weight.grad.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Conv2d_kernels_are_normalised_as_out_by_rest_matrices()
    {
        manual_seed(5);
        var conv = nn.Conv2d(3, 6, 3, stride: 2, padding: 1);
        var sn = SpectralNorm.Conv2d(conv, generator: Seeds.Generator(6));
        sn.PowerIterate(300);
        double exact = SpectralNorm.LargestSingularValue(conv.weight);
        Assert.True(Math.Abs(sn.Sigma - exact) / exact < 1e-3);
        sn.eval();
        using var x = randn(2, 3, 8, 8);
        using var expected = nn.functional.conv2d(x, conv.weight / sn.Sigma, conv.bias, new long[] { 2, 2 }, new long[] { 1, 1 });
        using var y = sn.forward(x);
        Assert.Equal(new long[] { 2, 6, 4, 4 }, y.shape);
        Assert.True(allclose(y, expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void An_sn_relu_critic_is_1_lipschitz_and_follows_dtype_moves()
    {
        manual_seed(7);
        var critic = SpectralNorm.Apply(nn.Sequential(("l1", nn.Linear(2, 64)), ("a1", nn.ReLU()), ("l2", nn.Linear(64, 64)), ("a2", nn.ReLU()), ("out", nn.Linear(64, 1))),
            generator: Seeds.Generator(8));
        var layers = critic.modules().OfType<SpectralNorm>().ToArray();
        Assert.Equal(3, layers.Length);
        foreach (var l in layers) l.PowerIterate(500);
        critic.eval();
        critic.to(float64);
        using var x = randn(500, 2, dtype: float64);
        using var y = randn(500, 2, dtype: float64);
        using var fx = critic.forward(x);
        using var fy = critic.forward(y);
        using var ratio = (fx - fy).abs().squeeze(1) / (x - y).norm(dim: 1);
        double worst = ratio.max().item<double>();
        output.WriteLine($"max |f(x) − f(y)| / ‖x − y‖ over 500 pairs: {worst:F4}");
        Assert.True(worst <= 1 + 1e-6, $"Lipschitz ratio {worst}");
        Assert.Equal(ScalarType.Float64, layers[0].NormalisedWeight().dtype);
    }

    [Fact]
    public void Several_training_forwards_can_share_one_backward_as_in_a_wgan_critic_loss()
    {
        manual_seed(9);
        var critic = SpectralNorm.Apply(nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1)));
        critic.train();
        using var real = randn(16, 2);
        using var fake = randn(16, 2);
        using var loss = new WganCourse.Objectives.WganSn().CriticLoss((x, _) => critic.call(x), real, fake, null);
        loss.backward(); // the second forward moved u and v in place; the first forward's graph must not depend on them
        using var gp = WganCourse.Objectives.WganGp.GradientPenalty(critic, real, fake, 10);
        gp.backward();
        Assert.All(critic.parameters().Where(p => p.grad is not null), p => Assert.True(p.grad!.isfinite().all().item<bool>()));
    }

    [Fact]
    public void Apply_rejects_a_critic_without_linear_or_conv_layers()
    {
        Assert.Contains("no Linear or Conv2d", Assert.Throws<ArgumentException>(() => SpectralNorm.Apply(nn.Sequential(("a", nn.ReLU())))).Message);
    }
}
