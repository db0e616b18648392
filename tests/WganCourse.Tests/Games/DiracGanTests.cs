using WganCourse.Games;
using Xunit;

namespace WganCourse.Tests.Games;

public class DiracGanTests
{
    static double R((double, double) p) => DiracGan.DistanceToEquilibrium(p);

    [Fact]
    public void Value_and_gradient_match_the_definitions()
    {
        Assert.Equal(-Math.Log(4), DiracGan.Value(DiracGame.Gan, 0, 3), 15);           // V = 2 f(0) at θ = 0
        Assert.Equal(-Math.Log(1 + Math.Exp(-2)) - Math.Log(2), DiracGan.Value(DiracGame.Gan, 1, 2), 14);
        Assert.Equal(6, DiracGan.Value(DiracGame.Bilinear, 2, 3));
        Assert.Equal(-800, DiracGan.F(-800), 10);                                        // stable: log σ(−800) = −800
        // ∂V/∂θ = f'(ψθ)ψ by central differences
        double h = 1e-6, th = 0.7, ps = -1.3;
        var (dt, dp) = DiracGan.Gradient(DiracGame.Gan, th, ps);
        Assert.Equal((DiracGan.Value(DiracGame.Gan, th + h, ps) - DiracGan.Value(DiracGame.Gan, th - h, ps)) / (2 * h), dt, 8);
        Assert.Equal((DiracGan.Value(DiracGame.Gan, th, ps + h) - DiracGan.Value(DiracGame.Gan, th, ps - h)) / (2 * h), dp, 8);
        Assert.Equal((3.0, 2.0), DiracGan.Gradient(DiracGame.Bilinear, 2, 3));
    }

    [Fact]
    public void Simultaneous_bilinear_steps_spiral_out_at_the_predicted_rate()
    {
        // each step multiplies the distance by exactly √(1 + h²)
        const double h = 0.1;
        var path = DiracGan.Trajectory(DiracGame.Bilinear, 1, 0, h, 200);
        Assert.Equal(201, path.Length);
        for (int k = 1; k < path.Length; k++) Assert.Equal(Math.Sqrt(1 + h * h), R(path[k]) / R(path[k - 1]), 12);
        Assert.True(R(path[^1]) > 2.5 * R(path[0]));      // (1.01)^100 = 2.70
    }

    [Fact]
    public void Simultaneous_GAN_steps_move_away_from_the_equilibrium_too()
    {
        var path = DiracGan.Trajectory(DiracGame.Gan, 1, 1, 0.1, 5000);
        var r = path.Select(R).ToArray();
        Assert.True(r[^1] > 2 * r[0], $"distance {r[0]:F3} → {r[^1]:F3}");
        // never converging: the distance stays above its start along the whole path
        Assert.True(r.Skip(1).Min() >= r[0] * 0.999);
    }

    [Fact]
    public void Alternating_steps_stay_bounded_but_do_not_converge()
    {
        foreach (var game in new[] { DiracGame.Bilinear, DiracGame.Gan })
        {
            var r = DiracGan.Trajectory(game, 1, 1, 0.1, 20_000, UpdateRule.Alternating).Select(R).ToArray();
            Assert.True(r.Max() < 1.2 * r[0], $"{game}: max distance {r.Max():F3} from {r[0]:F3}");
            Assert.True(r.Skip(10_000).Min() > 0.8 * r[0], $"{game}: min distance late {r.Skip(10_000).Min():F3}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => DiracGan.Trajectory(DiracGame.Gan, 1, 1, 0, 10));
    }
}
