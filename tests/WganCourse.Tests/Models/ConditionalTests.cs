using TorchSharp;
using TorchSharp.Modules;
using WganCourse.Models;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Models;

public class ConditionalTests
{
    public ConditionalTests() => Course.Setup();

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static Tensor Labels(params long[] y) => tensor(y, dtype: ScalarType.Int64);

    [Fact]
    public void Generator_and_discriminator_take_one_hot_labels_concatenated_to_their_inputs()
    {
        using var g = new ConditionalMlpGenerator(latentDim: 100, device: CPU);
        using var d = new ConditionalMlpDiscriminator(device: CPU);
        Assert.True(g.IsConditional && d.IsConditional);
        Assert.Equal(110, g.modules().OfType<Linear>().First().in_features);   // [z, one-hot y]
        Assert.Equal(794, d.modules().OfType<Linear>().First().in_features);   // [x, one-hot y]

        var y = Labels(0, 3, 9, 3);
        var x = g.Generate(g.Latent(4, Seeds.Generator(1)), y);
        Assert.Equal(new long[] { 4, 1, 28, 28 }, x.shape);
        Assert.True(x.abs().max().item<float>() <= 1f);
        Assert.Equal(new long[] { 4, 1 }, d.Score(x, y).shape);
        Assert.Equal(new long[] { 4, 1 }, d.Score(x.view(4, 784), y).shape);
    }

    [Fact]
    public void The_label_steers_the_output_and_only_the_label_column_of_the_first_layer_differs()
    {
        using var g = new ConditionalMlpGenerator(device: CPU);
        g.eval();
        using var _ = no_grad();
        var z = g.Latent(1, Seeds.Generator(2)).repeat(2, 1);
        var x = g.Generate(z, Labels(1, 7));
        Assert.False(Same(x[0], x[1]));
        // by hand: the first layer's pre-activation for [z, e_k] is W_z z + W[:, 100 + k] + b
        var first = g.modules().OfType<Linear>().First();
        var byHand = first.weight!.narrow(1, 0, 100).matmul(z[0]) + first.weight!.select(1, 100 + 7) + first.bias!;
        var viaConcat = first.forward(cat(new[] { z[..1], ClassLabels.OneHot(Labels(7)) }, 1))[0];
        Assert.True(byHand.allclose(viaConcat, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Labels_are_validated_with_clear_messages()
    {
        using var g = new ConditionalMlpGenerator(device: CPU);
        using var d = new ConditionalMlpDiscriminator(device: CPU);
        var z = randn(3, 100);
        var x = rand(3, 1, 28, 28);
        string Msg(Action a) => Assert.Throws<ArgumentException>(a).Message;

        Assert.Contains("ConditionalMlpGenerator is conditional: it needs labels y", Msg(() => g.Generate(z, null)));
        Assert.Contains("expects labels of dtype Int64 (class indices 0–9), got Float32", Msg(() => g.Generate(z, tensor(new float[] { 0, 1, 2 }))));
        Assert.Contains("expects labels of shape [3] (one per sample in the batch), got [2]", Msg(() => g.Generate(z, Labels(0, 1))));
        Assert.Contains("expects labels of shape [3] (one per sample in the batch), got [3, 1]", Msg(() => g.Generate(z, Labels(0, 1, 2).view(3, 1))));
        Assert.Contains("expects labels in 0..9, got values in [-1, 12]", Msg(() => g.Generate(z, Labels(-1, 12, 3))));
        Assert.Contains("expects labels in 0..9, got values in [0, 10]", Msg(() => d.Score(x, Labels(0, 10, 3))));
        Assert.Contains("ConditionalMlpDiscriminator is conditional", Msg(() => d.Score(x, null)));
        Assert.Contains("expects z of shape [batch, 100], got [3, 10]", Msg(() => g.Generate(randn(3, 10), Labels(0, 1, 2))));

        var e = Assert.Throws<InvalidOperationException>(() => g.forward(z));
        Assert.Contains("call Generate(z, labels)", e.Message);
        Assert.Contains("call Score(x, labels)", Assert.Throws<InvalidOperationException>(() => d.forward(x)).Message);
        // the labels Sample passes through
        Assert.Equal(new long[] { 3, 1, 28, 28 }, g.Sample(3, Seeds.Generator(1), Labels(4, 5, 6)).shape);
    }

    [Fact]
    public void Balanced_labels_list_every_digit_equally_often_in_blocks()
    {
        var y = ClassLabels.Balanced(3);
        Assert.Equal(new long[] { 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9 }, y.data<long>().ToArray());
        var oneHot = ClassLabels.OneHot(Labels(2, 0));
        Assert.Equal(new float[] { 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, oneHot.data<float>().ToArray());
    }

    [Fact]
    public void The_discriminator_learns_to_separate_pairs_that_differ_only_in_the_label()
    {
        // the same images paired with y = 3 ("real") and with y = 5 ("fake"): only y separates the two classes,
        // so D gets above chance only if the label reaches its score
        using var digits = WganCourse.Data.Digits.Load(Path.Combine(TestPaths.Repo, "data"));
        using var d = new ConditionalMlpDiscriminator(hidden: new[] { 64 }, seed: 1, device: CPU);
        using var opt = optim.Adam(d.parameters(), 1e-3);
        using var gen = Seeds.Generator(3);
        var x = digits.Images[..2000];
        var three = full(new long[] { 64 }, 3L, dtype: ScalarType.Int64);
        var five = full(new long[] { 64 }, 5L, dtype: ScalarType.Int64);
        for (int step = 0; step < 150; step++)
        {
            using var scope = NewDisposeScope();
            var xb = x.index_select(0, randint(0, 2000, new long[] { 64 }, generator: gen));
            var sr = d.Score(xb, three); var sf = d.Score(xb, five);
            var loss = nn.functional.binary_cross_entropy_with_logits(sr, ones_like(sr)) + nn.functional.binary_cross_entropy_with_logits(sf, zeros_like(sf));
            opt.zero_grad(); loss.backward(); opt.step();
        }
        using var _ = no_grad();
        var xt = digits.Images[5000..5500];
        var y3 = full(new long[] { 500 }, 3L, dtype: ScalarType.Int64);
        var y5 = full(new long[] { 500 }, 5L, dtype: ScalarType.Int64);
        var accuracy = (d.Score(xt, y3).gt(0).to_type(ScalarType.Float32).mean().item<float>() + d.Score(xt, y5).lt(0).to_type(ScalarType.Float32).mean().item<float>()) / 2;
        Assert.True(accuracy > 0.95, $"accuracy on (x, 3) vs (x, 5): {accuracy:P1}, expected > 95 %");
    }

    [Fact]
    public void Batch_norm_option_keeps_the_one_hot_concatenation_at_the_input()
    {
        using var g = new ConditionalMlpGenerator(batchNorm: true, device: CPU);
        Assert.True(g.BatchNorm);
        Assert.Equal(110, g.modules().OfType<Linear>().First().in_features);
        Assert.Equal(2, g.modules().OfType<BatchNorm1d>().Count());
        using var plain = new ConditionalMlpGenerator(device: CPU);
        Assert.False(plain.BatchNorm);
        Assert.Empty(plain.modules().OfType<BatchNorm1d>());
        var x = g.Sample(4, Seeds.Generator(3), Labels(0, 1, 2, 3));
        Assert.Equal(new long[] { 4, 1, 28, 28 }, x.shape);
    }
}
