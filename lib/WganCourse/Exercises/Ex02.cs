using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace WganCourse.Exercises;

/// <summary>Notebook 02: the Jensen–Shannon divergence of discrete distributions, and the two generator losses.</summary>
public static class Ex02
{
    /// <summary>
    /// The student's JS(P‖Q) = ½KL(P‖M) + ½KL(Q‖M), M = (P + Q)/2, in nats, for probability vectors, with 0·log 0 = 0.
    /// Hidden cases: full supports, equal distributions, zeros in one vector, disjoint supports (JS = log 2).
    /// </summary>
    [AnswerInLibrary(typeof(Divergences.Classic), nameof(Divergences.Classic.JS))]
    [Exercise("02.js", "Jensen–Shannon divergence (½ convention)")]
    public static ExerciseResult JensenShannon(Func<double[], double[], double> studentJs) =>
        Exercise.Run("02.js", "Jensen–Shannon divergence (½ convention)", () =>
        {
            var cases = Exercise.Cases("02.js", new (string What, double[] P, double[] Q)[]
            {
                ("P and Q with full support", new[] { 0.1, 0.4, 0.2, 0.3 }, new[] { 0.25, 0.25, 0.4, 0.1 }),
                ("P = Q", new[] { 0.5, 0.3, 0.2 }, new[] { 0.5, 0.3, 0.2 }),
                ("P with a zero entry", new[] { 0.0, 0.6, 0.4 }, new[] { 0.3, 0.3, 0.4 }),
                ("disjoint supports", new[] { 0.5, 0.5, 0.0, 0.0 }, new[] { 0.0, 0.0, 0.7, 0.3 }),
            }, DrawJsCases);
            foreach (var (what, p, q) in cases)
            {
                double got = studentJs((double[])p.Clone(), (double[])q.Clone());
                double js = Js(p, q);
                if (double.IsNaN(got))
                    throw new HintException($"{what}: your result is NaN. A zero probability gives 0·log 0 = 0·(−∞) = NaN in floating point; the convention is 0·log 0 = 0 (skip those terms).");
                if (double.IsInfinity(got))
                    throw new HintException($"{what}: your result is infinite, but JS is always finite (at most log 2), because M = (P + Q)/2 is positive wherever P or Q is. Did you compute a KL between P and Q directly instead of against M?");
                Expect.Close(what, got, js, 1e-9,
                    ("you left out the ½: with the convention used here JS = ½KL(P‖M) + ½KL(Q‖M), so that 0 ≤ JS ≤ log 2.", 2 * js),
                    ("you used log base 2 (bits); the course uses natural logarithms (nats), so that disjoint supports give log 2 ≈ 0.693.", js / Math.Log(2)),
                    ("M must be the average (P + Q)/2, not the sum P + Q.", js - Math.Log(2)),
                    ("you computed KL(P‖Q), not the Jensen–Shannon divergence (which compares each of P and Q with their mixture M).", Kl(p, q)),
                    ("you computed the symmetrised KL ½KL(P‖Q) + ½KL(Q‖P); JS compares P and Q with their mixture M instead.", 0.5 * (Kl(p, q) + Kl(q, p))),
                    ("only one of the two terms: JS = ½KL(P‖M) + ½KL(Q‖M) has a term for P and one for Q.", 0.5 * Kl(p, Mix(p, q))));
            }
        });

    /// <summary>
    /// The student's two generator losses from D's logits on fakes (D = σ(l)), each one number:
    /// loss A (saturating, minimax) E[log(1 − D(G(z)))], and loss B (non-saturating, "−log D") −E[log D(G(z))].
    /// Hidden cases include logits of ±100, where log(1 − sigmoid(l)) and log(sigmoid(l)) underflow in float32.
    /// </summary>
    [AnswerInLibrary(typeof(Objectives.GanLosses),
                     nameof(Objectives.GanLosses.GeneratorSaturating))]
    [AnswerInLibrary(typeof(Objectives.GanLosses),
                     nameof(Objectives.GanLosses.GeneratorNonSaturating))]
    [AnswerInLibrary(typeof(Objectives.GanLosses), nameof(Objectives.GanLosses.LogD))]
    [AnswerInLibrary(typeof(Objectives.GanLosses), nameof(Objectives.GanLosses.LogOneMinusD))]
    [Exercise("02.g-losses", "saturating and non-saturating generator losses")]
    public static ExerciseResult GeneratorLosses(Func<Tensor, Tensor> studentLossA, Func<Tensor, Tensor> studentLossB) =>
        Exercise.Run("02.g-losses", "saturating and non-saturating generator losses", () =>
        {
            using var g = new Generator(Exercise.Seed("02.g-losses", 202));
            var cases = new (string What, Tensor Logits)[]
            {
                ("64 fake logits", 3 * randn(64, 1, generator: g)),
                ("logits of a confident D (±100)", tensor(new float[] { -100, 100, -3, 0.5f }).reshape(4, 1)),
            };
            foreach (var (what, l) in cases)
            {
                var a = -F.softplus(l);  // log(1 − σ(l))
                var b = F.softplus(-l);  // −log σ(l)
                Expect.Close($"loss A (saturating), {what}", studentLossA(l.clone()), a.mean(), 1e-4,
                    ("this is the non-saturating loss B, −E[log D(G(z))]; loss A is the minimax one, E[log(1 − D(G(z)))].", b.mean()),
                    ("G minimises E[log(1 − D(G(z)))]; you returned its negative, which is what D maximises (the sign decides who wins).", -a.mean()),
                    ("you summed over the batch instead of averaging.", a.sum()));
                Expect.Close($"loss B (non-saturating), {what}", studentLossB(l.clone()), b.mean(), 1e-4,
                    ("this is the saturating loss A, E[log(1 − D(G(z)))]; loss B is −E[log D(G(z))].", a.mean()),
                    ("you returned −E[log(1 − D(G(z)))] (loss A with its sign flipped), not −E[log D(G(z))]: both push D(G(z)) up, but only −log D keeps a gradient when D rejects the fakes.", -a.mean()),
                    ("you summed over the batch instead of averaging.", b.sum()));
            }
        });

    /// <summary>The same four kinds of case, sizes and probabilities drawn from a seed.</summary>
    static (string What, double[] P, double[] Q)[] DrawJsCases(Random r)
    {
        double[] Probs(int n, int from, int to)
        {
            var w = Enumerable.Range(0, n)
                .Select(i => i >= from && i < to ? 0.05 + r.NextDouble() : 0).ToArray();
            return w.Select(x => x / w.Sum()).ToArray();
        }
        int n = 3 + r.Next(4), zero = r.Next(n), split = 1 + r.Next(n - 1);
        var equal = Probs(n, 0, n);
        var withZero = Probs(n, 0, n);
        withZero[zero] = 0;
        withZero = withZero.Select(x => x / withZero.Sum()).ToArray();
        return new[]
        {
            ("P and Q with full support", Probs(n, 0, n), Probs(n, 0, n)),
            ("P = Q", equal, (double[])equal.Clone()),
            ("P with a zero entry", withZero, Probs(n, 0, n)),
            ("disjoint supports", Probs(n, 0, split), Probs(n, split, n)),
        };
    }

    static double[] Mix(double[] p, double[] q) => p.Zip(q, (a, b) => (a + b) / 2).ToArray();

    static double Kl(double[] p, double[] q)
    {
        double s = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] == 0) continue;
            if (q[i] == 0) return double.PositiveInfinity;
            s += p[i] * Math.Log(p[i] / q[i]);
        }
        return s;
    }

    static double Js(double[] p, double[] q)
    {
        var m = Mix(p, q);
        return 0.5 * Kl(p, m) + 0.5 * Kl(q, m);
    }
}
