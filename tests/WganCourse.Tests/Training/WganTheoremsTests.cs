using TorchSharp;
using WganCourse.Metrics;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;

namespace WganCourse.Tests.Training;

/// <summary>Notebook 07's theorem claims (Theorems 1 and 3 on the parallel lines): a trained critic passes their
/// thresholds (estimate within 10 % of |θ|, gradient within 0.1 of sign θ); an untrained critic and a generator that
/// ignores θ fail them.</summary>
public class WganTheoremsTests
{
    public WganTheoremsTests() => Course.Setup();

    static readonly double[] Thetas = { -0.5, 0.05, 1.0 };

    [Fact]
    public void A_trained_critic_recovers_W_and_its_gradient()
    {
        var (estimate, gradient) = WganTheorems.WorstErrors(Thetas.Select(t => WganTheorems.ParallelLines(t, 300)));
        Assert.True(estimate <= 0.1, $"estimate error {estimate}");
        Assert.True(gradient <= 0.1, $"gradient error {gradient}");
    }

    [Fact]
    public void An_untrained_critic_fails_both_claims()
    {
        var (estimate, gradient) = WganTheorems.WorstErrors(Thetas.Select(t => WganTheorems.ParallelLines(t, 0)));
        Assert.True(estimate > 0.1, $"estimate error {estimate}");
        Assert.True(gradient > 0.1, $"gradient error {gradient}");
    }

    [Fact]
    public void A_generator_that_ignores_theta_fails_the_gradient_claim()
    {
        // g(θ, z) = (0, z): the samples do not move with θ, so −E[∇θ f(g(z))] = 0, not sign θ.
        var broken = Thetas.Select(t => WganTheorems.ParallelLines(t, 300,
            generator: (theta, z) => WganTheorems.LinesGenerator(theta * 0, z))).ToList();
        Assert.True(WganTheorems.WorstErrors(broken).GradientError > 0.9);
    }

    [Fact]
    public void Worst_errors_reject_theta_zero() =>
        Assert.Throws<ArgumentException>(() => WganTheorems.WorstErrors(new[] { new LinesPoint(0, 0, 0, 0, 0) }));

    static readonly double[] Scales = { 0.5, 1.5 };
    const int ScaleSeed = 2; // the course's default seed needs longer at θ > 1 (its critic starts the wrong way round)

    static double WorstSlopeError(IEnumerable<LinesPoint> points) =>
        points.Max(p => Math.Abs(p.Gradient - p.ExactSlope) / Math.Abs(p.ExactSlope));

    [Fact]
    public void On_the_scale_family_a_trained_critic_gives_the_slope_of_W_not_just_its_sign()
    {
        var points = Scales.Select(t => WganTheorems.ScaleFamily(t, 500, seed: ScaleSeed)).ToList();
        Assert.True(WorstSlopeError(points) <= 0.1, string.Join(", ",
            points.Select(p => $"θ {p.Theta}: {p.Gradient:0.000} vs {p.ExactSlope:0.000}")));
    }

    [Fact]
    public void On_the_scale_family_a_1_Lipschitz_critic_of_the_wrong_shape_fails()
    {
        // f(x) = ∓|x₁|: 1-Lipschitz with the right sign — on the parallel lines that is all Theorem 3's read-out
        // could see — but its slope here is E|z₁| = √(2/π) ≈ 0.80, not √(π/2) ≈ 1.25
        var wrongShape = Scales.Select(t => WganTheorems.ScaleFamily(t, 0,
            critic: new FirstCoordinateCritic(t < 1 ? 1 : -1))).ToList();
        Assert.InRange(WorstSlopeError(wrongShape), 0.3, 0.4);
        Assert.True(WorstSlopeError(Scales.Select(t => WganTheorems.ScaleFamily(t, 0, seed: ScaleSeed))) > 0.1);
        var ignoresTheta = Scales.Select(t => WganTheorems.ScaleFamily(t, 500, seed: ScaleSeed,
            generator: (theta, z) => WganTheorems.ScaleGenerator(theta * 0 + 1.5, z))).ToList();
        Assert.True(WorstSlopeError(ignoresTheta) > 0.9);
    }

    sealed class FirstCoordinateCritic(double sign)
        : TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>("first-coordinate")
    {
        public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor x) =>
            sign * x[.., ..1].abs();
    }
}
