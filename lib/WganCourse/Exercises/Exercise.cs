using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;
using WganCourse.Plots;
using static TorchSharp.torch;

namespace WganCourse.Exercises;

public enum ExerciseStatus { Pass, Fail, NotDone, Error }

/// <summary>The outcome of one exercise check: pass, or a hint that names what is wrong without giving the answer.</summary>
public sealed record ExerciseResult(string Id, string Title, ExerciseStatus Status, string Message) : IHtmlDisplay
{
    public bool Passed => Status == ExerciseStatus.Pass;

    public string ToHtml()
    {
        var (fg, bg, word) = Status switch
        {
            ExerciseStatus.Pass => ("#137333", "#e6f4ea", "PASS"),
            ExerciseStatus.NotDone => ("#555", "#eef0f3", "NOT DONE"),
            ExerciseStatus.Fail => ("#a56400", "#fff4e0", "NOT YET"),
            _ => ("#a50e0e", "#fce8e6", "ERROR"),
        };
        return $"<div style=\"border-left:6px solid {fg};background:{bg};padding:6px 10px;font-family:sans-serif;font-size:13px\">" +
               $"<b style=\"color:{fg}\">{word}</b> · exercise <code>{WebUtility.HtmlEncode(Id)}</code> — {WebUtility.HtmlEncode(Title)}<br/>{WebUtility.HtmlEncode(Message)}</div>";
    }

    public override string ToString() => $"[{Status}] {Id} {Title}: {Message}";
}

/// <summary>A check failed: the message is the hint the student sees.</summary>
public sealed class HintException(string hint) : Exception(hint);

/// <summary>Marks a checker method: the grader lists every exercise from these attributes.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ExerciseAttribute(string id, string title, int points = 1) : Attribute
{
    public string Id => id;
    public string Title => title;
    /// <summary>What the exercise is worth in the gradebook (grades.csv, the Gradescope results); 1 unless stated.</summary>
    public int Points => points > 0 ? points : throw new ArgumentOutOfRangeException(nameof(points), points, $"exercise {id}: points must be positive.");
    /// <summary>Notebook number, from the id ("03.modes" → "03").</summary>
    public string Notebook => id.Split('.')[0];
}

/// <summary>A library member that computes this exercise's answer (or the whole type, when no
/// member is named): a student cell that uses it is held for an instructor's review by `grade`.
/// Repeat it for each such member.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class AnswerInLibraryAttribute(Type type, string? member = null) : Attribute
{
    public Type Type => type;
    public string? Member => member;
}

/// <summary>
/// Runs checks and turns every way a student's code can go wrong into a readable result. Nothing is recorded here:
/// `grade` reads a result only from the output of the check cell it injects itself (see lib/WganCourse.Runner/Grading),
/// so no file or API that notebook code can reach produces a grade. <see cref="Run"/> is internal for the same reason.
/// </summary>
public static class Exercise
{
    /// <summary>
    /// Runs <paramref name="checks"/>, which throw <see cref="HintException"/> with a hint when something is wrong.
    /// A stub that still throws NotImplementedException is "not done"; any other exception is reported with its text.
    /// </summary>
    internal static ExerciseResult Run(string id, string title, Action checks)
    {
        ExerciseResult result;
        try
        {
            using var scope = NewDisposeScope();
            checks();
            result = new(id, title, ExerciseStatus.Pass, "All hidden cases pass.");
        }
        catch (Exception e) when (Unwrap(e) is NotImplementedException)
        {
            result = new(id, title, ExerciseStatus.NotDone, "Not implemented yet: replace the `throw new NotImplementedException()` with your code, then run this cell again.");
        }
        catch (Exception e) when (Unwrap(e) is HintException h)
        {
            result = new(id, title, ExerciseStatus.Fail, h.Message);
        }
        catch (Exception e)
        {
            var inner = Unwrap(e);
            result = new(id, title, ExerciseStatus.Error, $"Your code threw {inner.GetType().Name}: {inner.Message}");
        }
        return result;
    }

    static readonly AsyncLocal<string?> CaseSeed = new();

    /// <summary>Runs <paramref name="check"/> with hidden cases drawn from <paramref name="seed"/>
    /// instead of the fixed ones a student sees locally. `grade` passes a seed derived from its
    /// nonce, which no copy of the library holds; any seed gives valid cases, so calling this gains
    /// a student nothing.</summary>
    public static ExerciseResult WithCases(string seed, Func<ExerciseResult> check)
    {
        var outer = CaseSeed.Value;
        CaseSeed.Value = seed;
        try { return check(); }
        finally { CaseSeed.Value = outer; }
    }

    /// <summary>The seed of an exercise's hidden cases: <paramref name="fixedSeed"/> outside
    /// grading.</summary>
    internal static ulong Seed(string id, ulong fixedSeed) => CaseSeed.Value is { } s
        ? BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(s + "|" + id)))
        : fixedSeed;

    /// <summary>An exercise's hidden cases: the fixed ones outside grading, else
    /// <paramref name="draw"/>n from its seed.</summary>
    internal static T[] Cases<T>(string id, T[] fixedCases, Func<Random, T[]> draw) =>
        CaseSeed.Value is null ? fixedCases : draw(new Random((int)(Seed(id, 0) & int.MaxValue)));

    /// <summary>The library members that compute each exercise's answer, from the
    /// [AnswerInLibrary] attributes.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<AnswerInLibraryAttribute>>
        LibraryAnswers()
    {
        var answers = new Dictionary<string, IReadOnlyList<AnswerInLibraryAttribute>>();
        foreach (var m in Checkers())
        {
            var id = m.GetCustomAttribute<ExerciseAttribute>()!.Id;
            answers[id] = m.GetCustomAttributes<AnswerInLibraryAttribute>().ToList();
        }
        return answers;
    }

    static IEnumerable<MethodInfo> Checkers() =>
        typeof(Exercise).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.GetCustomAttribute<ExerciseAttribute>() is not null);

    static Exception Unwrap(Exception e) => e is TargetInvocationException { InnerException: { } i } ? Unwrap(i) : e is AggregateException { InnerException: { } a } ? Unwrap(a) : e;

    /// <summary>Every exercise the library can check, from the [Exercise] attributes, in id order.</summary>
    public static IReadOnlyList<ExerciseAttribute> Catalog() =>
        Checkers().Select(m => m.GetCustomAttribute<ExerciseAttribute>()!)
            .OrderBy(a => a.Id, StringComparer.Ordinal).ToList();
}

/// <summary>Comparisons that explain themselves: each failure names the likely mistake (sign, missing mean, shape, NaN...).</summary>
public static class Expect
{
    /// <summary>A student's tensor against the reference, with known wrong variants recognised and named.</summary>
    public static void Close(string what, Tensor? got, Tensor expected, double tol = 1e-4, params (string Hint, Tensor Variant)[] knownMistakes)
    {
        if (got is null) throw new HintException($"{what}: your function returned null; return a tensor.");
        if (got.device.type != expected.device.type)
            throw new HintException($"{what}: your result is on {got.device.type}, the inputs were on {expected.device.type}; create new tensors on the inputs' device (e.g. `device: x.device`).");
        if (!got.shape.SequenceEqual(expected.shape))
        {
            var hint = expected.numel() == 1 && got.numel() > 1
                ? " It should be a single number: did you forget to reduce (mean over the batch)?"
                : got.numel() == 1 && expected.numel() > 1 ? " It should keep one value per sample: do not reduce here." : "";
            throw new HintException($"{what}: shape [{string.Join(", ", got.shape)}], expected [{string.Join(", ", expected.shape)}].{hint}");
        }
        using var g = got.detach().to(float64).cpu();
        using var e = expected.detach().to(float64).cpu();
        if (!isfinite(g).all().item<bool>())
            throw new HintException($"{what}: your result contains NaN or ±∞. Use numerically stable forms from logits (softplus, log-sigmoid) instead of log(sigmoid(x)), and avoid dividing by zero.");
        if (allclose(g, e, rtol: tol, atol: tol)) return;
        foreach (var (hint, variant) in knownMistakes)
        {
            using var v = variant.detach().to(float64).cpu();
            if (v.shape.SequenceEqual(g.shape) && allclose(g, v, rtol: tol, atol: tol))
                throw new HintException($"{what}: {hint}");
        }
        if (allclose(g, -e, rtol: tol, atol: tol)) throw new HintException($"{what}: the sign is flipped (you return the negative of the right value).");
        throw new HintException($"{what}: not the right value on a hidden case (max difference {(g - e).abs().max().item<double>():G3}).");
    }

    /// <summary>A scalar answer against the reference.</summary>
    public static void Close(string what, double got, double expected, double tol = 1e-6, params (string Hint, double Variant)[] knownMistakes)
    {
        if (double.IsNaN(got)) throw new HintException($"{what}: your result is NaN.");
        if (Math.Abs(got - expected) <= tol * Math.Max(1, Math.Abs(expected))) return;
        foreach (var (hint, v) in knownMistakes)
            if (Math.Abs(got - v) <= tol * Math.Max(1, Math.Abs(v))) throw new HintException($"{what}: {hint}");
        if (Math.Abs(got + expected) <= tol * Math.Max(1, Math.Abs(expected)) && expected != 0) throw new HintException($"{what}: the sign is flipped.");
        throw new HintException($"{what}: not the right value on a hidden case.");
    }

    public static void That(bool condition, string hint)
    {
        if (!condition) throw new HintException(hint);
    }
}
