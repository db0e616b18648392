namespace WganCourse.Runtime;

/// <summary>
/// Budgets of notebooks 01–03. Measured on the course's 2-core CPU (1 libtorch thread, other jobs running, so an idle
/// machine is faster); the cpu values keep each notebook's training under about a minute there. See the notes per value.
/// </summary>
public static partial class Budgets
{
    // ---- 01: the GAN objective ----

    /// <summary>01: Adam steps that train D between two fixed 1-D mixtures towards D* (MLP 1→64×3→1, batch
    /// <see cref="DStarBatch"/>). cpu: 2000 steps, a few seconds. The max |D − D*| on the support is set by minibatch
    /// noise (more steps do not shrink it much); the notebook shows this run's value, notebooks/INSTRUCTOR.md (01) the
    /// values seen over seeds while preparing.</summary>
    public static int DStarSteps => Profile.Pick(smoke: 100, cpu: 2000, full: 10_000);
    public static int DStarBatch => Profile.Pick(smoke: 64, cpu: 512, full: 1024);
    public static int DStarHidden => 64;

    /// <summary>01: samples per distribution for the Monte-Carlo V(D*, G) (its standard error ≈ 0.0025 at 100k).</summary>
    public static int OptimalValueSamples => Profile.Pick(smoke: 2000, cpu: 100_000, full: 1_000_000);

    /// <summary>01: generator steps of the 1-D GAN (non-saturating, MLP 1→32×3→1, batch 128, Adam 2e-4) on
    /// Toy.Bimodal1D, trained by the loop notebook 01 shows (GanLoop). cpu: 3000 steps, ≈ 7 s on an idle core
    /// (2.2–2.5 ms/step). When G leaves the single mode it first settles on depends on the seed and the budget; the notebook
    /// reads it off its own snapshots (the table under the W₁ chart) instead of quoting a step here.</summary>
    public static int Gan1DSteps => Profile.Pick(smoke: 100, cpu: 3000, full: 10_000);
    public static int Gan1DBatch => 128;
    public static int Gan1DHidden => 32;
    /// <summary>01: snapshot every this many steps of the 1-D GAN.</summary>
    public static int Gan1DSnapshotEvery => Profile.Pick(smoke: 25, cpu: 300, full: 500);
    /// <summary>01: samples per 1-D GAN snapshot (W₁ against as many data samples; the notebook computes the floor, W₁
    /// between two data samples of this size, and shows it beside the curve).</summary>
    public static int Gan1DSamples => Profile.Pick(smoke: 500, cpu: 2000, full: 5000);

    /// <summary>01/02: points of the trapezoid grids for 1-D densities (on [−8, 8]: spacing 0.005; quadrature error far
    /// below every tolerance used).</summary>
    public static int QuadraturePoints => 3201;
    /// <summary>01: generators in the C(G) scan ½N(−a, 0.5²) + ½N(a, 0.5²), a = 0 … 4 (81 values: a = 2, where p_g = p_r,
    /// is one of them exactly).</summary>
    public static int CScanPoints => 81;

    // ---- 02: JS saturation and the vanishing gradient ----

    /// <summary>02: θ values in [−1, 1] for the parallel-lines plot (81: θ = 0 is one of them exactly).</summary>
    public static int ParallelLinesThetas => 81;
    /// <summary>02: atoms per line when the four distances of the parallel lines are computed (KL, JS, TV by the discrete
    /// formulas, W by an exact 50×50 assignment).</summary>
    public static int ParallelLinesAtoms => 50;
    /// <summary>02: Adam(1e-3, β = (0.5, 0.999)) steps of a 2→64×2→1 D between two parallel lines (batch 256). cpu: 1000 steps
    /// ≈ 0.7–0.8 s per θ; accuracy 100 % for θ = 0.02 … 1 and the JS lower bound (log 4 − loss)/2 ≥ 0.683 (log 2 = 0.693).</summary>
    public static int PerfectDSteps => Profile.Pick(smoke: 50, cpu: 1000, full: 3000);
    public static int PerfectDBatch => 256;
    public static int PerfectDHidden => 64;

    /// <summary>02/03: D iterations of the gradient probe (G frozen, D from scratch; Arjovsky &amp; Bottou used 4000).
    /// cpu: 4000 iterations of a 2→128×3→1 D against an untrained 2→128×3→2 G on the ring (seeds Seeds.Default) ≈ 7–10 s;
    /// loss A's gradient norm fell 4.1 orders of magnitude (4.8e-2 → 3.6e-6; 2.2 orders already at 1000), loss B's grew
    /// from 5.2e-2 to 2.4 with its std over batches 5e-4 → 0.66; D's accuracy is 100 % from iteration 30 on.</summary>
    public static int GradProbeCriticIterations => Profile.Pick(smoke: 30, cpu: 4000, full: 4000);
    /// <summary>02/03: where the probe measures (cumulative D iterations, log-spaced, up to <see cref="GradProbeCriticIterations"/>).</summary>
    public static int[] GradProbeCheckpoints =>
        new[] { 0, 1, 3, 10, 30, 100, 300, 1000, 2000, 3000, 4000 }.Where(c => c <= GradProbeCriticIterations).ToArray();
    /// <summary>02/03: z-batches over which each gradient norm's mean and std are taken.</summary>
    public static int GradProbeBatches => Profile.Pick(smoke: 2, cpu: 10, full: 50);
    public static int GradProbeBatch => 64;
    public static int GradProbeHidden => Profile.Pick(smoke: 32, cpu: 128, full: 512);

    // ---- 03: the −log D trick ----

    /// <summary>03: generator steps of the non-saturating GAN on the 8-Gaussian ring (MLP 2→128×3→2, batch 256, Adam
    /// 2e-4 β1 0.5). cpu: 5000 steps ≈ 15 s idle, 35–45 s with other jobs running (3–9 ms/step). With Seeds.Default G hops
    /// over single modes until step ≈ 750, then ends with its mass on 4 modes (≥ 1 % of samples each) while the other 4
    /// get 2–5 stray samples, so "any sample within 3σ" counts 8; seeds 1–3 ended on 5, 3 and 0–1 modes (≥ 1 %).</summary>
    public static int RingSteps => Profile.Pick(smoke: 100, cpu: 5000, full: 20_000);
    public static int RingBatch => 256;
    public static int RingHidden => Profile.Pick(smoke: 32, cpu: 128, full: 512);
    /// <summary>03: snapshot every this many ring steps (modes covered over time).</summary>
    public static int RingSnapshotEvery => Profile.Pick(smoke: 25, cpu: 250, full: 1000);
    /// <summary>03: samples per ring snapshot, for the mode metrics (1 % of them = 25 samples).</summary>
    public static int RingSnapshotSamples => Profile.Pick(smoke: 500, cpu: 2500, full: 2500);
    /// <summary>03: the snapshot steps 0, every, 2·every, ..., RingSteps.</summary>
    public static int[] RingSnapshots => Enumerable.Range(0, RingSteps / RingSnapshotEvery + 1).Select(i => i * RingSnapshotEvery).ToArray();

    /// <summary>03: independent ring runs (seeds Seeds.Default, 1, 2, ...): the collapse claim is checked on each.</summary>
    public static int RingSeeds => Profile.Pick(smoke: 1, cpu: 2, full: 5);

    /// <summary>03: steps of the Dirac-GAN trajectories: pure scalar arithmetic (well under a millisecond), so the same in
    /// every profile — the analytic non-convergence claim (the distance grows by ≥ 1.5× with h = 0.1) needs about 1000.</summary>
    public static int DiracSteps => 2000;
}
