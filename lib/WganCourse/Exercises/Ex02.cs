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

    const string ApartId = "02.predict-far-apart";
    const string ApartTitle = "predict: JS and W₁ as two distributions move apart";

    /// <summary>
    /// Prediction: P = N(0, σ²) and Q = N(θ, σ²) move apart; does JS keep growing, and does W₁?
    /// Theory: JS ≤ log 2, reached as the overlap vanishes (by θ = 8σ the deficit is below 1e-3),
    /// while W₁(P, Q) = θ exactly, doubling from θ = 8σ to 16σ. The check asks JS to change by less
    /// than 0.01 nats between the two and W₁ to grow by more than half, margins the quadrature meets
    /// by orders of magnitude for any σ the grader draws.
    /// </summary>
    // the experiment reports the outcome: a stub that calls it is held for review
    [AnswerInLibrary(typeof(Ex02), nameof(FarApartRun))]
    [Exercise("02.predict-far-apart", "predict: JS and W₁ as two distributions move apart")]
    public static ExerciseResult PredictFarApart(Func<FarApart> prediction) =>
        Prediction.Judge(ApartId, ApartTitle, prediction,
            () => FarApartRun(Exercise.Seed(ApartId, 212)),
            _ => "Once the supports barely overlap, JS only sees that they are different (log 2) and " +
                 "not how far apart they are; W₁ is the distance mass has to travel, so it grows " +
                 "with θ.",
            (guess, _) => (guess switch
            {
                FarApart.BothKeepGrowing or FarApart.JsGrowsW1Saturates =>
                    "JS cannot keep growing: it is at most log 2, which it reaches as soon as P and Q " +
                    "stop overlapping, since it compares the densities point by point and a point " +
                    "where only one of them lives counts the same however far the other one is. ",
                _ => "",
            }) + (guess is FarApart.BothSaturate or FarApart.JsGrowsW1Saturates
                ? "W₁ does not saturate: it is the cost of moving P's mass onto Q's, and every unit " +
                  "of mass must travel θ, so W₁ = θ grows without bound. That is the gradient a " +
                  "WGAN's generator gets where a GAN's has none."
                : "W₁ grows (W₁ = θ): the gradient a WGAN's generator gets where a GAN's has none."));

    /// <summary>The experiment of 02.predict-far-apart: σ in [0.5, 1.5] (1 on the fixed seed); JS by
    /// quadrature from the log-densities and W₁ from the CDFs, for θ = 0, σ/2, …, 16σ.</summary>
    public static Measured<FarApart> FarApartRun(ulong seed)
    {
        double sigma = seed == 212 ? 1 : 0.5 + new Random((int)(seed & int.MaxValue)).NextDouble();
        var thetas = Enumerable.Range(0, 33).Select(k => k * sigma / 2).ToArray();
        var grid = new Divergences.UniformGrid(-10 * sigma, 26 * sigma, 36001);
        double Js(double t) => Divergences.Classic.JSFromLog(grid,
            x => Divergences.Classic.LogNormalPdf(x, 0, sigma),
            x => Divergences.Classic.LogNormalPdf(x, t, sigma));
        double W1(double t)
        {
            double fp = 0, fq = 0, w = 0;
            foreach (var x in grid.X)
            {
                fp += Divergences.Classic.NormalPdf(x, 0, sigma) * grid.Dx;
                fq += Divergences.Classic.NormalPdf(x, t, sigma) * grid.Dx;
                w += Math.Abs(fp - fq) * grid.Dx;
            }
            return w;
        }
        var js = thetas.Select(Js).ToArray();
        var w1 = thetas.Select(W1).ToArray();
        double jsMid = js[16], jsEnd = js[32], wMid = w1[16], wEnd = w1[32];
        bool jsFlat = Math.Abs(jsEnd - jsMid) < 0.01, jsUp = jsEnd - jsMid > 0.05;
        bool wUp = wEnd > 1.5 * wMid, wFlat = Math.Abs(wEnd - wMid) < 0.1 * wMid;
        FarApart? outcome = (jsFlat, jsUp, wUp, wFlat) switch
        {
            (true, _, true, _) => FarApart.JsSaturatesW1Grows,
            (true, _, _, true) => FarApart.BothSaturate,
            (_, true, true, _) => FarApart.BothKeepGrowing,
            (_, true, _, true) => FarApart.JsGrowsW1Saturates,
            _ => null,
        };
        var figure = Plots.Charts.Lines("P = N(0, σ²), Q = N(θ, σ²)", "θ / σ", "nats (JS), distance (W₁)",
            new[]
            {
                new Plots.Series("JS(P‖Q)", thetas.Select(t => t / sigma).ToList(), js),
                new Plots.Series("W₁(P, Q)", thetas.Select(t => t / sigma).ToList(), w1),
                new Plots.Series("log 2", new[] { 0.0, 16 }, new[] { Math.Log(2), Math.Log(2) }),
            });
        return new(outcome, $"σ = {sigma:G3}; at θ = 8σ JS = {jsMid:F4} nats, W₁ = {wMid:F3}; " +
                            $"at θ = 16σ JS = {jsEnd:F4} nats, W₁ = {wEnd:F3} (log 2 = {Math.Log(2):F4})",
                   figure);
    }
}

/// <summary>The options of 02.predict-far-apart.</summary>
public enum FarApart { BothKeepGrowing, JsSaturatesW1Grows, JsGrowsW1Saturates, BothSaturate }
