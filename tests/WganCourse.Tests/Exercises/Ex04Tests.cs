using TorchSharp;
using WganCourse.Exercises;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;
using static WganCourse.Tests.Exercises.ExerciseAssert;

namespace WganCourse.Tests.Exercises;

public class Ex04Tests
{
    public Ex04Tests() => Course.Setup();

    // ---- 04.mismatch ----

    internal static Tensor Sp(Tensor t) => nn.functional.softplus(t).mean();
    internal static Tensor MatchLoss(Func<Tensor, Tensor, Tensor> d, Tensor x, Tensor y, Tensor wrong) => Sp(-d(x, y)) + Sp(d(x, wrong));

    [Fact]
    public void Mismatch_typical_mistakes_get_their_hints()
    {
        Fails(Ex04.MismatchLoss((d, x, y, w) => Sp(-d(x, y)) + Sp(d(x, y))), "never shows D a mismatched pair");
        Fails(Ex04.MismatchLoss((d, x, y, w) => Sp(-d(x, y)) + Sp(-d(x, w))), "accept");
        Fails(Ex04.MismatchLoss((d, x, y, w) => Sp(d(x, y)) + Sp(-d(x, w))), "swapped");
        Fails(Ex04.MismatchLoss((d, x, y, w) => nn.functional.softplus(-d(x, y)).sum() + nn.functional.softplus(d(x, w)).sum()), "summed");
        Fails(Ex04.MismatchLoss((d, x, y, w) => Sp(-d(x, y))), "missing");
    }

    [Fact]
    public void A_D_trained_without_mismatched_pairs_does_not_reject_them()
    {
        // the behaviour check can fail: a D that only ever sees matched real pairs accepts everything
        var (matched, mismatched) = Ex04.TrainMatchingD((d, x, y, w) => Sp(-d(x, y)), steps: 100);
        Assert.True(matched > 0.9 && mismatched < 0.3, $"matched {matched:P0}, mismatched rejected {mismatched:P0}");
    }

    // ---- 04.per-class ----

    internal static Tensor Reference(Tensor requested, Tensor predicted)
    {
        var hit = predicted.eq(requested).to_type(ScalarType.Float64);
        return stack(Enumerable.Range(0, 10).Select(k => hit[requested.eq(k)].mean()).ToArray());
    }

    [Fact]
    public void Per_class_typical_mistakes_get_their_hints()
    {
        Fails(Ex04.PerClassAccuracy((req, pred) => pred.eq(req).to_type(ScalarType.Float64).mean() * ones(10, dtype: ScalarType.Float64)), "overall accuracy");
        Fails(Ex04.PerClassAccuracy((req, pred) =>
        {
            var hit = pred.eq(req).to_type(ScalarType.Float64);
            return stack(Enumerable.Range(0, 10).Select(k => hit[req.eq(k)].sum() / req.shape[0]).ToArray());
        }), "number of all samples");
        Fails(Ex04.PerClassAccuracy((req, pred) => Reference(pred, req)), "grouped the samples by the classifier's prediction");
        Fails(Ex04.PerClassAccuracy((req, pred) =>
        {
            var hit = pred.eq(req).to_type(ScalarType.Float64);
            return stack(Enumerable.Range(0, 10).Select(k => hit[req.eq(k)].sum()).ToArray());
        }), "counts of hits");
        Fails(Ex04.PerClassAccuracy((req, pred) => Reference(req, pred).mean()), "do not reduce");
    }
}
