using System.Diagnostics;
using System.Reflection;
using WganCourse.Exercises;
using WganCourse.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace WganCourse.Tests.Exercises;

/// <summary>The prediction exercises: the checker runs the experiment itself and judges the
/// prediction against what the run measured; a wrong prediction gets the mechanism.</summary>
public class PredictionTests
{
    readonly ITestOutputHelper output;
    public PredictionTests(ITestOutputHelper output) { Course.Setup(); this.output = output; }

    /// <summary>One prediction exercise: its checker, the prediction theory makes, and a phrase of
    /// the mechanism that every wrong prediction's hint contains.</summary>
    sealed record Case(Func<Func<Enum>, ExerciseResult> Check, Enum Right, string Mechanism);

    static Case Of<T>(Func<Func<T>, ExerciseResult> checker, T right, string mechanism)
        where T : struct, Enum => new(p => checker(() => (T)p()), right, mechanism);

    static readonly Dictionary<string, Case> Cases = new()
    {
        ["01.predict-gradient"] = Of<LargerGradient>(Ex01.PredictGradient, LargerGradient.LossB,
            "proportional to D(G(z))"),
        ["02.predict-far-apart"] = Of<FarApart>(Ex02.PredictFarApart, FarApart.JsSaturatesW1Grows,
            "W₁ = θ"),
        ["03.predict-costlier"] = Of<CostlierMistake>(Ex03.PredictCostlier, CostlierMistake.ExtraMode,
            "mode-seeking"),
        ["04.predict-label-code"] = Of<LabelDistance>(Ex04.PredictLabelCode,
            LabelDistance.NineFartherOnlyAsNumber, "names, and 7 is not 'more' than 3"),
        ["05.predict-checkerboard"] = Of<Checkerboard>(Ex05.PredictCheckerboard, Checkerboard.Kernel3,
            "checkerboard (Odena et al. 2016"),
        ["06.predict-critics"] = Of<CriticOrder>(Ex06.PredictCritics, CriticOrder.TripleIdentityTanh,
            "Lipschitz"),
        ["07.predict-farther"] = Of<FartherScore>(Ex07.PredictFarther, FartherScore.FarGenerator,
            "K·W₁ = K·shift"),
        ["08.predict-gradient-norm"] = Of<NormNearOne>(Ex08.PredictGradientNorm,
            NormNearOne.OnlyWithPenalty, "norm"),
    };

    public static TheoryData<string> Ids() => new(Cases.Keys.Order(StringComparer.Ordinal));

    [Fact]
    public void Every_prediction_exercise_in_the_catalogue_is_covered_here()
    {
        var predictions = Exercise.Catalog().Select(e => e.Id).Where(id => id.Contains(".predict-"));
        Assert.Equal(predictions.Order(), Cases.Keys.Order());
        // one per notebook 01–08
        Assert.Equal(Enumerable.Range(1, 8).Select(n => $"{n:00}"),
                     Cases.Keys.Select(id => id[..2]).Order());
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_right_prediction_passes_and_the_message_carries_the_run(string id)
    {
        var sw = Stopwatch.StartNew();
        var r = Cases[id].Check(() => Cases[id].Right);
        output.WriteLine($"{id}: {sw.Elapsed.TotalSeconds:F2} s; {r}");
        Assert.Equal(id, r.Id);
        Assert.True(r.Passed, r.Message);
        Assert.Contains("the run shows it:", r.Message);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_wrong_prediction_fails_with_the_mechanism(string id)
    {
        var c = Cases[id];
        foreach (Enum wrong in Enum.GetValues(c.Right.GetType()))
        {
            if (wrong.Equals(c.Right)) continue;
            var r = c.Check(() => wrong);
            output.WriteLine(r.ToString());
            ExerciseAssert.Fails(r, c.Mechanism);
            Assert.Contains($"You predicted {wrong}; the run shows {c.Right}", r.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Other_grading_seeds_judge_the_same_way(string id)
    {
        var c = Cases[id];
        var wrong = Enum.GetValues(c.Right.GetType()).Cast<Enum>().First(v => !v.Equals(c.Right));
        foreach (var seed in new[] { "other-seed", "5EED01", "A11CE", "B0B", "C0FFEE" })
        {
            var right = Exercise.WithCases(seed, () => c.Check(() => c.Right));
            output.WriteLine($"{seed}: {right}");
            Assert.True(right.Passed, $"seed {seed}: {right.Message}");
            ExerciseAssert.Fails(Exercise.WithCases(seed, () => c.Check(() => wrong)), c.Mechanism);
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void A_stub_is_not_done_and_the_experiment_does_not_run(string id)
    {
        var sw = Stopwatch.StartNew();
        var r = Cases[id].Check(Throwing);
        Assert.Equal(ExerciseStatus.NotDone, r.Status);
        Assert.True(sw.Elapsed.TotalSeconds < 0.5, $"the stub took {sw.Elapsed.TotalSeconds:F2} s");

        static Enum Throwing() => throw new NotImplementedException();
    }

    [Fact]
    public void A_value_outside_the_options_fails_and_names_them()
    {
        var r = Ex05.PredictCheckerboard(() => (Checkerboard)42);
        ExerciseAssert.Fails(r, "not one of the options");
        Assert.Contains("Checkerboard.Kernel3", r.Message);
    }

    [Fact]
    public void A_prediction_that_throws_is_an_error_with_the_text()
    {
        var r = Ex05.PredictCheckerboard(() => throw new InvalidOperationException("oops"));
        Assert.Equal(ExerciseStatus.Error, r.Status);
        Assert.Contains("oops", r.Message);
    }

    /// <summary>A run that shows no clear outcome judges nobody: Error, with the numbers.</summary>
    [Fact]
    public void A_degenerate_run_is_an_error_not_a_verdict()
    {
        var judge = typeof(Prediction).GetMethod("Judge", BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(typeof(Checkerboard));
        foreach (var guess in new[] { Checkerboard.Kernel3, Checkerboard.Kernel4 })
        {
            var r = (ExerciseResult)judge.Invoke(null, new object[]
            {
                "05.predict-checkerboard", "t", (Func<Checkerboard>)(() => guess),
                (Func<Measured<Checkerboard>>)(() => new Measured<Checkerboard>(null, "max/min = 1.2")),
                (Func<Checkerboard, string>)(_ => "why"), (Func<Checkerboard, Checkerboard, string>)((_, _) => "hint"),
            })!;
            Assert.Equal(ExerciseStatus.Error, r.Status);
            Assert.Contains("max/min = 1.2", r.Message);
            Assert.Contains("not judged", r.Message);
        }
    }

    /// <summary>The judged outcome comes from the run, not from a stored answer: a run that measured
    /// the other outcome turns the same prediction from Pass to Fail.</summary>
    [Fact]
    public void The_verdict_follows_the_measured_outcome()
    {
        var judge = typeof(Prediction).GetMethod("Judge", BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(typeof(Checkerboard));
        ExerciseResult Judge(Checkerboard measured) => (ExerciseResult)judge.Invoke(null, new object[]
        {
            "05.predict-checkerboard", "t", (Func<Checkerboard>)(() => Checkerboard.Kernel3),
            (Func<Measured<Checkerboard>>)(() => new Measured<Checkerboard>(measured, "r")),
            (Func<Checkerboard, string>)(_ => "why"), (Func<Checkerboard, Checkerboard, string>)((_, _) => "hint"),
        })!;
        Assert.Equal(ExerciseStatus.Pass, Judge(Checkerboard.Kernel3).Status);
        Assert.Equal(ExerciseStatus.Fail, Judge(Checkerboard.Kernel4).Status);
    }

    static (Enum? Outcome, string Report) R<T>(Measured<T> m) where T : struct, Enum =>
        (m.Outcome is { } o ? o : null, m.Report);

    /// <summary>Each experiment shows the theory's outcome on many seeds, not just the fixed one and
    /// the grading seeds above (the margins the checkers' comments claim).</summary>
    [Fact]
    public void The_experiments_show_the_theory_on_twenty_seeds()
    {
        var runs = new (string Id, Func<ulong, (Enum? Outcome, string Report)> Run, Enum Expected)[]
        {
            ("01", s => R(Ex01.GradientRun(s)), LargerGradient.LossB),
            ("02", s => R(Ex02.FarApartRun(s)), FarApart.JsSaturatesW1Grows),
            ("03", s => R(Ex03.CostlierRun(s)), CostlierMistake.ExtraMode),
            ("04", s => R(Ex04.LabelCodeRun(s)), LabelDistance.NineFartherOnlyAsNumber),
            ("05", s => R(Ex05.CheckerboardRun(s)), Checkerboard.Kernel3),
            ("06", s => R(Ex06.CriticsRun(s)), CriticOrder.TripleIdentityTanh),
            ("07", s => R(Ex07.FartherRun(s)), FartherScore.FarGenerator),
            ("08", s => R(Ex08.GradientNormRun(s)), NormNearOne.OnlyWithPenalty),
        };
        var rng = new Random(2026);
        var seeds = Enumerable.Range(0, 20).Select(_ => (ulong)rng.NextInt64()).ToArray();
        foreach (var (id, run, expected) in runs)
            foreach (var seed in seeds)
            {
                using var scope = TorchSharp.torch.NewDisposeScope();
                var (outcome, report) = run(seed);
                output.WriteLine($"{id} {seed}: {outcome}; {report}");
                Assert.True(Equals(outcome, expected), $"{id}, seed {seed}: {outcome}; {report}");
            }
    }
}
