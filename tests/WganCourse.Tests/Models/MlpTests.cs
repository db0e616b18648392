using TorchSharp;
using WganCourse.Models;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Models;

public class MlpTests
{
    public MlpTests() => Course.Setup();

    [Fact]
    public void Generator_and_critic_have_the_documented_layout_and_shapes()
    {
        var g = Mlp.Generator(latentDim: 3, outDim: 2, hidden: 16, layers: 3);
        var d = Mlp.Critic(inDim: 2, hidden: 16, layers: 3);
        // 3 hidden layers: (3·16+16) + 2·(16·16+16) + (16·2+2) parameters
        Assert.Equal(3 * 16 + 16 + 2 * (16 * 16 + 16) + 16 * 2 + 2, g.parameters().Sum(p => p.numel()));
        Assert.Equal(2 * 16 + 16 + 2 * (16 * 16 + 16) + 16 + 1, d.parameters().Sum(p => p.numel()));
        Assert.Equal(3, g.LatentDim);
        using var z = randn(5, 3);
        using var x = g.forward(z);
        using var s = d.forward(x);
        Assert.Equal(new long[] { 5, 2 }, x.shape);
        Assert.Equal(new long[] { 5, 1 }, s.shape);
        using var sample = g.Sample(7, Seeds.Generator(1));
        Assert.Equal(new long[] { 7, 2 }, sample.shape);
    }

    [Fact]
    public void Tanh_output_is_off_by_default_and_bounds_the_output_when_on()
    {
        Seeds.Set(3);
        var g = Mlp.Generator(latentDim: 1, outDim: 1, hidden: 8, layers: 1);
        var gt = Mlp.Generator(latentDim: 1, outDim: 1, hidden: 8, layers: 1, tanhOutput: true);
        using var z = linspace(-1000, 1000, 101).unsqueeze(1);
        using var y = g.forward(z);
        using var yt = gt.forward(z);
        Assert.True(y.abs().max().item<float>() > 1);   // piecewise-linear: grows with |z|
        Assert.True(yt.abs().max().item<float>() <= 1);
    }

    [Fact]
    public void LeakyReLU_keeps_a_slope_for_negative_inputs()
    {
        Seeds.Set(4);
        var d = Mlp.Critic(inDim: 1, hidden: 4, layers: 1, activation: MlpActivation.LeakyReLU);
        using var x = tensor(new float[] { -1e4f, -2e4f }).unsqueeze(1);
        using var s = d.forward(x);
        var v = s.data<float>().ToArray();
        // far out every unit has the same side, the map is affine there, and with slope 0.2 it cannot be flat
        Assert.NotEqual(v[0], v[1]);
    }

    [Fact]
    public void A_seed_gives_the_same_network_with_PyTorch_default_init_bounds()
    {
        var a = Mlp.Critic(inDim: 2, hidden: 50, layers: 2, seed: 9);
        Seeds.Set(123); // the global generator must not matter
        var b = Mlp.Critic(inDim: 2, hidden: 50, layers: 2, seed: 9);
        var c = Mlp.Critic(inDim: 2, hidden: 50, layers: 2, seed: 10);
        var pa = a.parameters().ToList();
        foreach (var (p, q) in pa.Zip(b.parameters())) Assert.True(p.eq(q).all().item<bool>());
        Assert.False(pa[0].eq(c.parameters().First()).all().item<bool>());
        // U(−1/√fan_in, 1/√fan_in): the first layer has fan_in 2, the second 50; its max is close to the bound
        Assert.InRange(pa[0].abs().max().item<float>(), 0.9 / Math.Sqrt(2), 1 / Math.Sqrt(2));
        Assert.InRange(pa[2].abs().max().item<float>(), 0.9 / Math.Sqrt(50), 1 / Math.Sqrt(50));
    }

    [Fact]
    public void Wrong_input_shapes_are_rejected_with_expected_and_received()
    {
        var d = Mlp.Critic(inDim: 2);
        using var x = zeros(64, 3);
        var ex = Assert.Throws<ArgumentException>(() => d.forward(x));
        Assert.Contains("[batch, 2]", ex.Message);
        Assert.Contains("[64, 3]", ex.Message);
        var g = Mlp.Generator(latentDim: 2, outDim: 1);
        using var z = zeros(4);
        Assert.Contains("got [4]", Assert.Throws<ArgumentException>(() => g.forward(z)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Mlp.Critic(inDim: 0));
    }
}
