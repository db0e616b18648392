using TorchSharp;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Training;
using WganCourse.Runtime;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

public class ClippingProbesTests
{
    readonly ITestOutputHelper output;
    public ClippingProbesTests(ITestOutputHelper output) { Course.Setup(); this.output = output; }

    [Fact]
    public void Histogram_counts_and_fraction_at_the_bound_on_a_constructed_module()
    {
        var m = nn.Linear(2, 2);
        using (no_grad())
        {
            m.weight.copy_(tensor(new float[] { 0.01f, -0.01f, 0.005f, 0 }).reshape(2, 2));
            m.bias!.copy_(tensor(new float[] { 0.00995f, -0.02f }));
        }
        var h = ClippingProbes.Histogram(m, bound: 0.01, bins: 4);
        Assert.Equal(6, h.Total);
        Assert.Equal(new[] { -0.02, -0.01, 0, 0.01, 0.02 }, h.Edges.Select(e => Math.Round(e, 9)));
        Assert.Equal(new long[] { 1, 1, 3, 1 }, h.Counts);
        Assert.Equal(4 / 6.0, h.FractionNearBound, 12); // ±0.01, 0.00995 (within 1 %), −0.02 (beyond)
        Assert.Equal(0.02, h.MaxAbs, 6);
        var w = ClippingProbes.Histogram(m, bound: 0.01, bins: 4, weightsOnly: true);
        Assert.Equal(4, w.Total);
        Assert.Equal(0.5, w.FractionNearBound, 12);
        var own = ClippingProbes.Histogram(m); // bound = max |w|
        Assert.Equal(1 / 6.0, own.FractionNearBound, 12);
    }

    [Fact]
    public void A_clipped_trained_critic_piles_up_at_plus_minus_c_and_a_penalised_one_does_not()
    {
        var p = WganCourse.Data.GaussianMixture.OneD("P", (1, 1.0, 0.5));
        var q = WganCourse.Data.GaussianMixture.OneD("Q", (1, -1.0, 0.5));
        var clipped = KantorovichRubinstein.ToyCritic(1, seed: 1);
        KantorovichRubinstein.TrainCritic(clipped, p, q, KantorovichRubinstein.ClippedCriticObjective(), steps: 300, seed: 1);
        var penalised = KantorovichRubinstein.ToyCritic(1, seed: 1);
        KantorovichRubinstein.TrainCritic(penalised, p, q, KantorovichRubinstein.PenalisedCriticObjective(), steps: 300, seed: 1);
        var hc = ClippingProbes.Histogram(clipped, bound: 0.01);
        var hg = ClippingProbes.Histogram(penalised);
        output.WriteLine($"fraction within 1 % of ±c: clipped {hc.FractionNearBound:P1}; GP critic within 1 % of ±max|w| ({hg.MaxAbs:F3}): {hg.FractionNearBound:P2}");
        Assert.True(hc.MaxAbs <= 0.01 + 1e-9);
        Assert.True(hc.FractionNearBound > 0.5);
        Assert.True(hg.FractionNearBound < 0.01);
        Assert.Equal(hc.Total, hc.Counts.Sum());
    }

    [Fact]
    public void Gradient_norms_of_a_constructed_deep_critic_scale_by_the_layer_gain()
    {
        // W1 = W2 = a·I, W3 = [1, 1], zero biases, positive inputs: f(x) = a²(x₁ + x₂), so ∂L/∂h_l = ±(1/B) a^(3−l) [1, 1].
        const double a = 2;
        var critic = new DeepCritic(inputDim: 2, depth: 3, width: 2);
        critic.to(float64);
        using (no_grad())
        {
            critic.Layers[0].weight.copy_(eye(2, dtype: float64) * a);
            critic.Layers[1].weight.copy_(eye(2, dtype: float64) * a);
            critic.Layers[2].weight.copy_(ones(1, 2, dtype: float64));
            foreach (var l in critic.Layers) l.bias!.zero_();
        }
        const int B = 8;
        using var real = rand(B, 2, dtype: float64, generator: Seeds.Generator(1)) + 0.1;
        using var fake = rand(B, 2, dtype: float64, generator: Seeds.Generator(2)) + 0.1;
        var (weights, activations) = ClippingProbes.GradientNorms(critic, real, fake);
        double unit = 2 / Math.Sqrt(B); // ‖(1/B)[1, 1]‖ over 2B rows
        Assert.Equal(new[] { a * a * unit, a * unit, unit }, activations.Select(v => Math.Round(v, 12)), new RoundedComparer());
        // ∂L/∂W3 = a² (mean fake − mean real) as a row
        using var diff = (fake.mean(new long[] { 0 }) - real.mean(new long[] { 0 })) * a * a;
        Assert.Equal(diff.norm().item<double>(), weights[2], 12);
    }

    sealed class RoundedComparer : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) < 1e-10;
        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public void Small_clipping_bounds_make_deep_critic_gradients_vanish()
    {
        var r = ClippingProbes.DeepCriticGradients(new WganClip(clip: 0.01), steps: 20, width: 64, batch: 128, probeBatches: 2);
        output.WriteLine($"{r.Method}: activation-gradient norms by layer {string.Join(" ", r.ActivationGradients.Select(v => v.ToString("E1")))}; log10 ratio {r.ActivationLog10Ratio:F1}");
        Assert.Equal(12, r.ActivationGradients.Length);
        Assert.Equal(12, r.WeightGradients.Length);
        Assert.True(r.ActivationLog10Ratio < -5, $"log10 ratio {r.ActivationLog10Ratio}");
        Assert.Equal(0.01, r.Clip);
    }
}
