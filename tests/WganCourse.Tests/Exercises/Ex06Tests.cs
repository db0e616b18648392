using TorchSharp;
using WganCourse.Exercises;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;
using static WganCourse.Tests.Exercises.ExerciseAssert;

namespace WganCourse.Tests.Exercises;

public class Ex06Tests
{
    public Ex06Tests() => Course.Setup();

    // ---- 06.w1-sorted ----

    [Fact]
    public void W1_sorted_typical_mistakes_get_their_hints()
    {
        Fails(Ex06.W1Sorted((x, y) => (x - y).abs().mean()), "sorted order");
        Fails(Ex06.W1Sorted((x, y) => (x.sort().Values - y).abs().mean()), "sort both");
        Fails(Ex06.W1Sorted((x, y) => (x.sort().Values - y.sort().Values).abs().sum()), "summed");
        Fails(Ex06.W1Sorted((x, y) => (x.sort().Values - y.sort().Values).square().mean()), "W2²");
        Fails(Ex06.W1Sorted((x, y) => (x.mean() - y.mean()).abs()), "lower bound");
        Fails(Ex06.W1Sorted((x, y) => (x.sort().Values - y.sort().Values).abs().mean().unsqueeze(0).expand(3)), "shape");
    }

    // ---- 06.w1-cdf ----

    [Fact]
    public void W1_cdf_typical_mistakes_get_their_hints()
    {
        Fails(Ex06.W1FromCdfs((p, q, dx) => (p - q).abs().sum() * dx), "total variation");
        Fails(Ex06.W1FromCdfs((p, q, dx) => (p.cumsum(0) - q.cumsum(0)).abs().sum()), "grid spacing dx");
        Fails(Ex06.W1FromCdfs((p, q, dx) => ((p.cumsum(0) - q.cumsum(0)).sum() * dx).abs()), "signed differences cancel");
    }

    // ---- 06.plan-cost ----

    internal static Tensor Dist(Tensor x, Tensor y) => (x.unsqueeze(1) - y.unsqueeze(0)).square().sum(dim: 2).sqrt();

    [Fact]
    public void Plan_cost_typical_mistakes_get_their_hints()
    {
        Fails(Ex06.PlanCost((x, y, plan) => (plan * Dist(x, y).square()).sum()), "squared distances");
        Fails(Ex06.PlanCost((x, y, plan) => (plan * Dist(x, y)).mean()), "averaged");
        Fails(Ex06.PlanCost((x, y, plan) => Dist(x, y).sum()), "ignored the plan");
        Fails(Ex06.PlanCost((x, y, plan) => (plan * Dist(x, y)).sum().to(float32).nan_to_num() * double.NaN), "NaN");
    }

    // ---- 06.kr-bound ----

    [Fact]
    public void Kr_bound_typical_mistakes_get_their_hints()
    {
        Fails(Ex06.KrLowerBound((f, xP, xQ) => f(xQ).mean() - f(xP).mean()), "order reversed");
        Fails(Ex06.KrLowerBound((f, xP, xQ) => f(xP).sum() - f(xQ).sum()), "summed f");
        Fails(Ex06.KrLowerBound((f, xP, xQ) => (f(xP).sum() - f(xQ).sum()) / (xP.shape[0] + xQ.shape[0])),
              "one mean over both samples");
        Fails(Ex06.KrLowerBound((f, xP, xQ) => (f(xP.mean(new long[] { 0 }, keepdim: true))
                                               - f(xQ.mean(new long[] { 0 }, keepdim: true))).sum()), "mean sample");
        Fails(Ex06.KrLowerBound((f, xP, xQ) => (f(xP).mean() - f(xQ).mean()).abs()), "with its sign");
        Fails(Ex06.KrLowerBound((f, xP, xQ) => (f(xP).mean() - f(xQ).mean()).reshape(1)), "shape");
    }

}
