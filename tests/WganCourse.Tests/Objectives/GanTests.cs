using TorchSharp;
using WganCourse.Objectives;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Objectives;

public class GanTests
{
    public GanTests() => Course.Setup();

    static double Sigmoid(double l) => 1 / (1 + Math.Exp(-l));
    static Tensor T(params float[] v) => tensor(v).unsqueeze(1);

    [Fact]
    public void Losses_match_values_computed_by_hand_from_D()
    {
        // D = σ(l) computed in double, then the paper's formulas with plain logs
        double dLoss = -(Math.Log(Sigmoid(0)) + Math.Log(Sigmoid(2))) / 2 - (Math.Log(1 - Sigmoid(-1)) + Math.Log(1 - Sigmoid(1))) / 2;
        double sat = (Math.Log(1 - Sigmoid(-1)) + Math.Log(1 - Sigmoid(1))) / 2;
        double nonSat = -(Math.Log(Sigmoid(-1)) + Math.Log(Sigmoid(1))) / 2;
        Assert.Equal(1.2233, dLoss, 4); // written out: (log 2 + log(1+e^-2))/2 + (log(1+e^-1) + log(1+e))/2
        using var real = T(0, 2);
        using var fake = T(-1, 1);
        Assert.Equal(dLoss, GanLosses.Discriminator(real, fake).item<float>(), 5);
        Assert.Equal(-dLoss, GanLosses.Value(real, fake).item<float>(), 5);
        Assert.Equal(sat, GanLosses.GeneratorSaturating(fake).item<float>(), 5);
        Assert.Equal(nonSat, GanLosses.GeneratorNonSaturating(fake).item<float>(), 5);
    }

    [Fact]
    public void At_D_equal_one_half_V_is_minus_log_4()
    {
        using var half = zeros(8, 1); // logit 0 ⇔ D = ½
        Assert.Equal(-Math.Log(4), GanLosses.Value(half, half).item<float>(), 5);
        Assert.Equal(Math.Log(4), new GanSaturating().CriticLoss((x, _) => x, half, half, null).item<float>(), 5);
    }

    [Fact]
    public void Autograd_gives_the_saturation_identities()
    {
        // d/dl log(1 − σ(l)) = −σ(l)   and   d/dl[−log σ(l)] = −(1 − σ(l))
        var ls = new float[] { -20, -5, -1, 0, 1, 5, 20 };
        using var l = tensor(ls, requires_grad: true);
        using var a = GanLosses.LogOneMinusD(l).sum();
        var ga = autograd.grad(new[] { a }, new[] { l })[0].data<float>().ToArray();
        using var l2 = tensor(ls, requires_grad: true);
        using var b = (-GanLosses.LogD(l2)).sum();
        var gb = autograd.grad(new[] { b }, new[] { l2 })[0].data<float>().ToArray();
        for (int i = 0; i < ls.Length; i++)
        {
            Assert.Equal(-Sigmoid(ls[i]), ga[i], 6);
            Assert.Equal(-(1 - Sigmoid(ls[i])), gb[i], 6);
        }
        // the point of notebook 02: at l = −20 (D sure the sample is fake) loss A has no gradient left, loss B has
        Assert.True(Math.Abs(ga[0]) < 1e-8);
        Assert.True(Math.Abs(gb[0]) > 0.99);
    }

    [Fact]
    public void Losses_and_gradients_stay_finite_at_logits_plus_minus_100()
    {
        foreach (var v in new float[] { -100, 100 })
        {
            using var l = full(4, 1, v, requires_grad: true);
            foreach (var loss in new Func<Tensor, Tensor>[] {
                         x => GanLosses.Discriminator(x, x), GanLosses.GeneratorSaturating, GanLosses.GeneratorNonSaturating })
            {
                using var y = loss(l);
                var g = autograd.grad(new[] { y }, new[] { l })[0];
                Assert.True(isfinite(y).all().item<bool>(), $"loss at {v}");
                Assert.True(isfinite(g).all().item<bool>(), $"grad at {v}");
            }
        }
        // −log σ(−100) = 100 exactly in float32, where log(sigmoid(−100)) would be −∞
        using var m = full(1, 1, -100f);
        Assert.Equal(100f, GanLosses.GeneratorNonSaturating(m).item<float>(), 3);
        Assert.Equal(200f, GanLosses.Discriminator(m, -m).item<float>(), 3); // D sure real is fake and fake is real
    }

    [Fact]
    public void Objectives_carry_names_losses_and_dcgan_optimizers()
    {
        Objective a = new GanSaturating(), b = new GanNonSaturating();
        Assert.Equal("GAN (sat.)", a.Name);
        Assert.Equal("GAN (non-sat.)", b.Name);
        using var f = T(-3, 0.5f);
        Assert.Equal(GanLosses.GeneratorSaturating(f).item<float>(), a.GeneratorLoss(f).item<float>());
        Assert.Equal(GanLosses.GeneratorNonSaturating(f).item<float>(), b.GeneratorLoss(f).item<float>());
        foreach (var o in new[] { a.CriticOptimizer, a.GeneratorOptimizer, b.CriticOptimizer, b.GeneratorOptimizer })
            Assert.Equal(OptimizerSpec.Adam(2e-4, 0.5, 0.999), o);
        Assert.Equal(1, a.CriticIterations(0));
    }

    [Fact]
    public void Empty_logits_are_rejected_with_a_message()
    {
        using var e = zeros(0, 1);
        var ex = Assert.Throws<ArgumentException>(() => GanLosses.GeneratorSaturating(e));
        Assert.Contains("non-empty", ex.Message);
    }
}
