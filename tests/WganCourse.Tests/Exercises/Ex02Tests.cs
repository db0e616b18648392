using TorchSharp;
using WganCourse.Exercises;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using static WganCourse.Tests.Exercises.ExerciseAssert;

namespace WganCourse.Tests.Exercises;

public class Ex02Tests
{
    public Ex02Tests() => Course.Setup();

    internal static double Kl(double[] p, double[] q)
    {
        double s = 0;
        for (int i = 0; i < p.Length; i++) if (p[i] > 0) s += p[i] * Math.Log(p[i] / q[i]);
        return s;
    }

    internal static double[] Mix(double[] p, double[] q) => p.Zip(q, (a, b) => (a + b) / 2).ToArray();

    // ---- 02.js ----

    [Fact]
    public void JS_typical_mistakes_get_their_hints()
    {
        Fails(Ex02.JensenShannon((p, q) => Kl(p, Mix(p, q)) + Kl(q, Mix(p, q))), "left out the ½");
        Fails(Ex02.JensenShannon((p, q) => (0.5 * Kl(p, Mix(p, q)) + 0.5 * Kl(q, Mix(p, q))) / Math.Log(2)), "log base 2");
        Fails(Ex02.JensenShannon((p, q) => Kl(p, q)), "KL(P‖Q)");
        Fails(Ex02.JensenShannon((p, q) => 0.5 * Kl(p, p.Zip(q, (a, b) => a + b).ToArray()) + 0.5 * Kl(q, p.Zip(q, (a, b) => a + b).ToArray())), "average");
        // no 0·log 0 = 0 convention: NaN on the case with a zero entry
        Fails(Ex02.JensenShannon((p, q) =>
        {
            var m = Mix(p, q);
            return Enumerable.Range(0, p.Length).Sum(i => 0.5 * p[i] * Math.Log(p[i] / m[i]) + 0.5 * q[i] * Math.Log(q[i] / m[i]));
        }), "0·log 0");
    }

    // ---- 02.g-losses ----

    [Fact]
    public void Generator_losses_typical_mistakes_get_their_hints()
    {
        Fails(Ex02.GeneratorLosses(l => F.softplus(-l).mean(), l => F.softplus(-l).mean()), "this is the non-saturating loss B");
        Fails(Ex02.GeneratorLosses(l => F.softplus(l).mean(), l => F.softplus(-l).mean()), "you returned its negative");
        Fails(Ex02.GeneratorLosses(l => -F.softplus(l).mean(), l => F.softplus(l).mean()), "loss A with its sign flipped");
        Fails(Ex02.GeneratorLosses(l => -F.softplus(l).mean(), l => F.softplus(-l).sum()), "summed over the batch");
        // right formulas through probabilities: fine at moderate logits, log 0 at ±100
        var r = Ex02.GeneratorLosses(l => (1 - sigmoid(l)).log().mean(), l => -sigmoid(l).log().mean());
        Fails(r, "softplus");
        Assert.Contains("loss A", r.Message);
    }

    [Fact]
    public void Generator_losses_with_one_loss_unfilled_is_not_done()
    {
        Assert.Equal(ExerciseStatus.NotDone, Ex02.GeneratorLosses(_ => throw new NotImplementedException(), l => F.softplus(-l).mean()).Status);
        Assert.Equal(ExerciseStatus.NotDone, Ex02.GeneratorLosses(l => -F.softplus(l).mean(), _ => throw new NotImplementedException()).Status);
    }
}
