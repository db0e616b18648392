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
}
