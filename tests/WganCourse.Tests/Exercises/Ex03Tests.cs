using TorchSharp;
using WganCourse.Exercises;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;
using static WganCourse.Tests.Exercises.ExerciseAssert;

namespace WganCourse.Tests.Exercises;

public class Ex03Tests
{
    public Ex03Tests() => Course.Setup();

    internal static Func<Tensor, Tensor, double, int> Modes(Func<Tensor, double, Tensor> near) =>
        (x, mu, sigma) => (int)near(cdist(x, mu), sigma).any(0).sum().item<long>();

    // ---- 03.modes ----

    [Fact]
    public void Modes_typical_mistakes_get_their_hints()
    {
        Fails(Ex03.ModesCovered((x, mu, s) => (int)(cdist(x, mu) <= 3 * s).any(1).sum().item<long>()), "you counted samples");
        Fails(Ex03.ModesCovered(Modes((d, s) => d <= s)), "your radius is σ");
        Fails(Ex03.ModesCovered(Modes((d, s) => d.square() <= 3 * s)), "squared distance");
        Fails(Ex03.ModesCovered((x, mu, s) => 8 - Modes((d, s2) => d <= 3 * s2)(x, mu, s)), "missed");
        Fails(Ex03.ModesCovered((x, mu, s) => (int)cdist(x, mu).argmin(1).unique().Item1.numel()), "nearest mode");
    }

    // ---- 03.dirac-step ----

    internal static double FPrime(double t) => 1 / (1 + Math.Exp(t));

    [Fact]
    public void Dirac_step_typical_mistakes_get_their_hints()
    {
        Fails(Ex03.DiracStep((theta, psi, h) =>
        {
            var psi1 = psi + h * FPrime(psi * theta) * theta;
            return (theta - h * FPrime(psi1 * theta) * psi1, psi1);
        }), "alternating");
        Fails(Ex03.DiracStep((theta, psi, h) => (theta - h * FPrime(psi * theta) * psi, psi - h * FPrime(psi * theta) * theta)), "D maximises V");
        Fails(Ex03.DiracStep((theta, psi, h) => (theta - h * psi, psi + h * theta)), "bilinear");
        Fails(Ex03.DiracStep((theta, psi, h) => (theta - h * FPrime(-psi * theta) * psi, psi + h * FPrime(-psi * theta) * theta)), "f'(t)");
        Fails(Ex03.DiracStep((theta, psi, h) => (double.NaN, psi)), "NaN");
    }
}

public class Ex03KlMinus2JsTests
{
    public Ex03KlMinus2JsTests() => Course.Setup();

    /// <summary>A trapezoidal KL(p‖q) on the grid's values, nats; 0·log 0 = 0.</summary>
    internal static double Kl(double[] p, double[] q, double dx, Func<double, double>? log = null)
    {
        log ??= Math.Log;
        var f = p.Select((pi, i) => pi == 0 ? 0 : pi * log(pi / q[i])).ToArray();
        return dx * (f.Sum() - (f[0] + f[^1]) / 2);
    }

    internal static double Js(double[] p, double[] q, double dx, Func<double, double>? log = null)
    {
        var m = p.Select((pi, i) => (pi + q[i]) / 2).ToArray();
        return 0.5 * Kl(p, m, dx, log) + 0.5 * Kl(q, m, dx, log);
    }

    [Fact]
    public void Typical_mistakes_get_their_hints()
    {
        Fails(WganCourse.Exercises.Ex03.KlMinus2Js((pg, pr, dx) => Kl(pr, pg, dx) - 2 * Js(pg, pr, dx)), "reverse one");
        Fails(WganCourse.Exercises.Ex03.KlMinus2Js((pg, pr, dx) => Kl(pg, pr, dx) + 2 * Js(pg, pr, dx)), "minus sign");
        Fails(WganCourse.Exercises.Ex03.KlMinus2Js((pg, pr, dx) => Kl(pg, pr, dx) - 4 * Js(pg, pr, dx)), "½ convention");
        Fails(WganCourse.Exercises.Ex03.KlMinus2Js((pg, pr, dx) => Kl(pg, pr, 1) - 2 * Js(pg, pr, 1)), "grid spacing");
        Fails(WganCourse.Exercises.Ex03.KlMinus2Js((pg, pr, dx) => Kl(pg, pr, dx, Math.Log2) - 2 * Js(pg, pr, dx, Math.Log2)), "nats");
        Fails(WganCourse.Exercises.Ex03.KlMinus2Js((pg, pr, dx) => Kl(pg, pr, dx)), "KL(P_g‖P_r) alone");
    }
}
