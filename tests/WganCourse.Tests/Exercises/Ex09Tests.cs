using WganCourse.Exercises;
using WganCourse.Runtime;
using WganCourse.Training;
using Xunit;
using static TorchSharp.torch;
using static WganCourse.Tests.Exercises.ExerciseAssert;

namespace WganCourse.Tests.Exercises;

public class Ex09Tests
{
    public Ex09Tests() => Course.Setup();

    // ---- 09.variety ----

    internal static double Reference(Tensor x)
    {
        long n = x.shape[0];
        var flat = x.reshape(n, -1);
        return cdist(flat, flat).sum().item<double>() / (n * (n - 1.0));
    }

    [Fact]
    public void Variety_reference_solution_passes_and_agrees_with_the_library()
    {
        var fixedCases = Ex09.Variety(Reference);
        Assert.True(fixedCases.Passed, fixedCases.Message);
        var hidden = Exercise.WithCases("hidden", () => Ex09.Variety(Reference));
        Assert.True(hidden.Passed, hidden.Message);
        using var g = new TorchSharp.torch.Generator(9);
        var x = rand(new long[] { 30, 1, 28, 28 }, dtype: float64, generator: g);
        Assert.Equal(Stability.Variety(x), Reference(x), 9);
    }

    [Fact]
    public void Variety_typical_mistakes_get_their_hints()
    {
        static Tensor Flat(Tensor x) => x.reshape(x.shape[0], -1);
        Fails(Ex09.Variety(x => cdist(Flat(x), Flat(x)).mean().item<double>()), "divided by n²");
        Fails(Ex09.Variety(x =>
        {
            long n = x.shape[0];
            return cdist(Flat(x), Flat(x)).square().sum().item<double>() / (n * (n - 1.0));
        }), "squared distances");
        Fails(Ex09.Variety(x =>
        {
            long n = x.shape[0];
            return cdist(Flat(x), Flat(x)).triu(1).sum().item<double>() / (n * (n - 1.0));
        }), "each unordered pair once");
        Fails(Ex09.Variety(x => Flat(x).std(0).mean().item<double>()), "per-pixel standard deviation");
        Fails(Ex09.Variety(x => { x.mul_(2); return Reference(x) / 2; }), "changed its input");
        Fails(Ex09.Variety(_ => 0), "hidden case");
    }
}
