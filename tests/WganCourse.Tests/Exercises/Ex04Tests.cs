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

    static Tensor Validated(Tensor labels, int classes)
    {
        if (labels.dtype != ScalarType.Int64) throw new ArgumentException($"expected int64 class indices, got {labels.dtype}");
        if (labels.numel() > 0 && (labels.min().item<long>() < 0 || labels.max().item<long>() >= classes))
            throw new ArgumentException($"expected labels in 0..{classes - 1}, got values in [{labels.min().item<long>()}, {labels.max().item<long>()}]");
        return nn.functional.one_hot(labels, classes).to_type(ScalarType.Float32);
    }

    // ---- 04.one-hot ----

    [Fact]
    public void One_hot_reference_solution_passes()
    {
        var r = Ex04.OneHot(Validated);
        Assert.True(r.Passed, r.Message);
    }

    [Fact]
    public void One_hot_typical_mistakes_get_their_hints()
    {
        // no validation: libtorch's one_hot itself refuses label 10, but with its own exception, not an ArgumentException
        Fails(Ex04.OneHot((y, k) => nn.functional.one_hot(y, k).to_type(ScalarType.Float32)), "not your validation");
        Fails(Ex04.OneHot((y, k) => { Validated(y, k); return nn.functional.one_hot(y, k); }), "return float32");
        Fails(Ex04.OneHot((y, k) => Validated(y, k).t()), "one row per sample");
        Fails(Ex04.OneHot((y, k) => { Validated(y, k); return nn.functional.one_hot(y, 10).to_type(ScalarType.Float32); }), "use the classes argument");
        Fails(Ex04.OneHot((y, k) => { Validated(y, k); return nn.functional.one_hot((y + 1).remainder(k), k).to_type(ScalarType.Float32); }), "no shift by one");
        // validation with a message that does not name the value received
        Fails(Ex04.OneHot((y, k) =>
        {
            if (y.dtype != ScalarType.Int64 || y.min().item<long>() < 0 || y.max().item<long>() >= k) throw new ArgumentException("bad labels");
            return nn.functional.one_hot(y, k).to_type(ScalarType.Float32);
        }), "does not say what was received");
        // range checked, dtype not: float labels slip through to libtorch
        Fails(Ex04.OneHot((y, k) =>
        {
            var v = y.to_type(ScalarType.Float64);
            if (v.min().item<double>() < 0 || v.max().item<double>() >= k) throw new ArgumentException($"labels must be in 0..{k - 1}, got values up to {v.max().item<double>()} and down to {v.min().item<double>()}");
            return nn.functional.one_hot(y, k).to_type(ScalarType.Float32);
        }), "float labels");
    }

    [Fact]
    public void One_hot_that_accepts_anything_is_told_to_validate()
    {
        // clamps instead of refusing: returns a result for label 10
        Fails(Ex04.OneHot((y, k) => y.dtype == ScalarType.Int64 ? nn.functional.one_hot(y.clamp(0, k - 1), k).to_type(ScalarType.Float32) : zeros(y.shape[0], k)),
              "returned a result instead of refusing");
    }

    [Fact]
    public void One_hot_unfilled_stub_is_not_done()
    {
        Assert.Equal(ExerciseStatus.NotDone, Ex04.OneHot((_, _) => throw new NotImplementedException()).Status);
    }

    // ---- 04.conditional-input ----

    static Tensor OneHot10(Tensor y) => nn.functional.one_hot(y, 10).to_type(ScalarType.Float32);

    [Fact]
    public void Conditional_input_reference_solution_passes()
    {
        var r = Ex04.ConditionalInput((z, y) => cat(new[] { z, OneHot10(y) }, 1));
        Assert.True(r.Passed, r.Message);
    }

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

    [Fact]
    public void Conditional_input_unfilled_stub_is_not_done()
    {
        Assert.Equal(ExerciseStatus.NotDone, Ex04.ConditionalInput((_, _) => throw new NotImplementedException()).Status);
    }

    // ---- 04.per-class ----

    static Tensor Reference(Tensor requested, Tensor predicted)
    {
        var hit = predicted.eq(requested).to_type(ScalarType.Float64);
        return stack(Enumerable.Range(0, 10).Select(k => hit[requested.eq(k)].mean()).ToArray());
    }

    [Fact]
    public void Per_class_reference_solution_passes()
    {
        var r = Ex04.PerClassAccuracy(Reference);
        Assert.True(r.Passed, r.Message);
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

    [Fact]
    public void Per_class_unfilled_stub_is_not_done()
    {
        Assert.Equal(ExerciseStatus.NotDone, Ex04.PerClassAccuracy((_, _) => throw new NotImplementedException()).Status);
    }

    [Fact]
    public void Checkers_are_listed_in_the_catalog()
    {
        var ids = Exercise.Catalog().Select(e => e.Id).ToList();
        foreach (var id in new[] { "04.one-hot", "04.conditional-input", "04.per-class" }) Assert.Contains(id, ids);
    }
}
