using WganCourse.Runtime;
using static TorchSharp.torch;

namespace WganCourse.Exercises;

/// <summary>What a prediction exercise's experiment measured: the outcome the run shows (null when
/// the run was degenerate and shows none), a one-line report of the numbers, and optionally a
/// figure to display.</summary>
public sealed record Measured<T>(T? Outcome, string Report, object? Figure = null) where T : struct, Enum;

/// <summary>
/// Prediction exercises: the student's stub returns a prediction (one value of an enum), written
/// before the run; the checker runs the experiment itself and judges the prediction against what
/// the run measured, never against a stored answer. The prediction is data: no student code runs
/// inside the experiment, so none can shape it. The experiment is a public method (tests run it
/// on many seeds) whose result names the outcome, so each checker names it with [AnswerInLibrary]:
/// a stub that calls it instead of predicting is held for review.
/// </summary>
public static class Prediction
{
    /// <summary>Asks for the prediction first (a stub is NOT DONE without running anything), then
    /// runs <paramref name="experiment"/>, displays what it measured, and compares. A run that shows
    /// no clear outcome is an Error that says so: the student is not judged on noise.</summary>
    internal static ExerciseResult Judge<T>(string id, string title, Func<T> prediction,
        Func<Measured<T>> experiment, Func<T, string> why, Func<T, T, string> hint)
        where T : struct, Enum
    {
        T guess;
        try { guess = prediction(); }
        catch (NotImplementedException)
        {
            return new(id, title, ExerciseStatus.NotDone, "Not implemented yet: replace the " +
                "`throw new NotImplementedException()` with your prediction, then run this cell again.");
        }
        catch (Exception e)
        {
            return new(id, title, ExerciseStatus.Error, $"Your code threw {e.GetType().Name}: {e.Message}");
        }
        if (!Enum.IsDefined(guess))
            return new(id, title, ExerciseStatus.Fail, $"{guess} is not one of the options: return one of " +
                string.Join(", ", Enum.GetNames<T>().Select(n => $"{typeof(T).Name}.{n}")) + ".");
        Measured<T> run;
        try
        {
            using var scope = NewDisposeScope();
            run = experiment();
        }
        catch (Exception e)
        {
            return new(id, title, ExerciseStatus.Error,
                $"The experiment itself failed ({e.GetType().Name}: {e.Message}); tell your instructor.");
        }
        // the numbers go into the result's message; the figure, where there is one, shows them
        if (run.Figure is { } figure) Kernel.Display(figure);
        if (run.Outcome is not { } outcome)
            return new(id, title, ExerciseStatus.Error, $"The run measured {run.Report}, which shows " +
                "no clear outcome (theory says it should): your prediction was not judged; " +
                "tell your instructor.");
        return EqualityComparer<T>.Default.Equals(guess, outcome)
            ? new(id, title, ExerciseStatus.Pass,
                  $"You predicted {guess}, and the run shows it: {run.Report}. {why(outcome)}")
            : new(id, title, ExerciseStatus.Fail,
                  $"You predicted {guess}; the run shows {outcome}: {run.Report}. {hint(guess, outcome)}");
    }

    /// <summary>A ratio's outcome with a wide margin: above <paramref name="high"/> one way, below
    /// 1/high the other, within [1/near, near] even, anything else no clear outcome.</summary>
    internal static T? ByRatio<T>(double ratio, T above, T below, T? even, double high = 2,
                                  double near = 1.25) where T : struct, Enum =>
        !double.IsFinite(ratio) || ratio <= 0 ? null
        : ratio > high ? above
        : ratio < 1 / high ? below
        : ratio <= near && ratio >= 1 / near ? even
        : null;
}
