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

    internal static Tensor Validated(Tensor labels, int classes)
    {
        if (labels.dtype != ScalarType.Int64) throw new ArgumentException($"expected int64 class indices, got {labels.dtype}");
        if (labels.numel() > 0 && (labels.min().item<long>() < 0 || labels.max().item<long>() >= classes))
            throw new ArgumentException($"expected labels in 0..{classes - 1}, got values in [{labels.min().item<long>()}, {labels.max().item<long>()}]");
        return nn.functional.one_hot(labels, classes).to_type(ScalarType.Float32);
    }

    // ---- 04.one-hot ----

    [Fact]
    public void One_hot_typical_mistakes_get_their_hints()
    {
        Fails(Ex04.OneHot((y, k) => nn.functional.one_hot(y, k)), "return float32");
        Fails(Ex04.OneHot((y, k) => Validated(y, k).t()), "one row per sample");
        Fails(Ex04.OneHot((y, k) => nn.functional.one_hot(y, 10).to_type(ScalarType.Float32)), "use the classes argument");
        Fails(Ex04.OneHot((y, k) => nn.functional.one_hot((y + 1).remainder(k), k).to_type(ScalarType.Float32)), "no shift by one");
    }

    [Fact]
    public void One_hot_without_validation_passes_now()
    {
        // shrunk (issue 13): input validation is not the lesson, so a plain encoding is a full answer
        var r = Ex04.OneHot((y, k) => nn.functional.one_hot(y, k).to_type(ScalarType.Float32));
        Assert.True(r.Passed, r.Message);
    }

    // ---- 04.conditional-input ----

    internal static Tensor OneHot10(Tensor y) => nn.functional.one_hot(y, 10).to_type(ScalarType.Float32);

    [Fact]
    public void Conditional_input_typical_mistakes_get_their_hints()
    {
        Fails(Ex04.ConditionalInput((z, y) => cat(new[] { OneHot10(y), z }, 1)), "wrong order");
        Fails(Ex04.ConditionalInput((z, y) => cat(new[] { z, y.to_type(ScalarType.Float32).unsqueeze(1) }, 1)), "appended the label as one number");
        Fails(Ex04.ConditionalInput((z, y) => z), "the label is missing");
        Fails(Ex04.ConditionalInput((z, y) => cat(new[] { z.to_type(ScalarType.Float64), OneHot10(y).to_type(ScalarType.Float64) }, 1)), "float32");
        Fails(Ex04.ConditionalInput((z, y) => cat(new[] { z, OneHot10((y + 1).remainder(10)) }, 1)), "does not match the labels");
    }

    [Fact]
    public void Conditional_input_that_throws_is_an_error_with_the_text()
    {
        // joining along the batch dimension: libtorch refuses [N, d] with [N, 10]
        var r = Ex04.ConditionalInput((z, y) => cat(new[] { z, OneHot10(y) }, 0));
        Assert.Equal(ExerciseStatus.Error, r.Status);
    }

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
