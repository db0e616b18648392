namespace WganCourse.Runtime;

/// <summary>
/// Budgets of notebooks 06–08. Costs measured on the course's 2-core CPU, Release build, one libtorch thread unless
/// said otherwise (on an idle machine 2 threads are ~20 % faster for the toy nets; with other processes on the cores
/// 2 threads were 5–15× slower than 1):
/// <list type="bullet">
/// <item>KR critic (1 → 64 → 64 → 1, batch 256): gradient penalty ≈ 1.2 ms/step, clipping ≈ 0.65 ms/step.</item>
/// <item>Figure 2 (a GAN discriminator and a clipped critic, same size): ≈ 1.3 ms/step for both.</item>
/// <item>Toy WGAN on the ring, G and critic 2 → 128 → 128, batch 256, n_critic 5, per generator iteration:
/// clipping 7.4 ms (6.0 on 2 threads), WGAN-GP 14.3 ms (10.5), WGAN-SN 10.0 ms (8.7); the plain GAN: 3.3 ms (PLATFORM.md).</item>
/// <item>MNIST WGAN with DCGAN-style nets of width 16, batch 64, n_critic 5, per generator iteration: clipping ≈ 130 ms,
/// WGAN-GP ≈ 205 ms, WGAN-SN ≈ 130 ms, measured on a busy machine (the DCGAN GAN step: 34 ms, PLATFORM.md).</item>
/// <item>Deep critic probe (12 layers, width 128, batch 256): ≈ 8 ms/step clipped, ≈ 16 ms/step with the penalty.</item>
/// </list>
/// The estimates in seconds below use these numbers on an idle machine; with other processes on the cores expect 2–3×.
/// </summary>
public static partial class Budgets
{
    // ------------------------------------------------------------------ 06: the Wasserstein distance

    /// <summary>06: critic steps for the Kantorovich–Rubinstein estimate between two 1-D Gaussians (cpu: ≈ 2.5 s with the
    /// penalty; at 1000 steps the GP estimate was within 1 % of the linear-critic bound W + W²/(2λ), a lower bound on the
    /// penalised optimum, and the rescaled one within 2 % of W).</summary>
    public static int KrCriticSteps => Profile.Pick(smoke: 50, cpu: 2000, full: 10_000);
    /// <summary>06: samples of each distribution per KR critic step.</summary>
    public static int KrBatch => Profile.Pick(smoke: 64, cpu: 256, full: 512);
    /// <summary>06: fresh samples of each distribution for the final KR estimate and the exact empirical W.</summary>
    public static int KrEvalSamples => Profile.Pick(smoke: 1000, cpu: 20_000, full: 100_000);
    /// <summary>06: record the KR estimate every this many critic steps.</summary>
    public static int KrHistoryEvery => Profile.Pick(smoke: 10, cpu: 100, full: 500);
    /// <summary>06: steps for each of the two networks of the WGAN paper's Figure 2 (cpu: ≈ 1.3 s).</summary>
    public static int Figure2Steps => Profile.Pick(smoke: 30, cpu: 1000, full: 5000);
    /// <summary>06: points per cloud for exact W by assignment (Hungarian, O(n³): 300 points ≈ 0.1 s). The same in smoke: the
    /// parallel-lines claim is analytic (no training), so smoke checks it too and its sampling error must not change.</summary>
    public static int ExactW1Points => Profile.Pick(smoke: 300, cpu: 300, full: 1000);
    /// <summary>06: points per cloud for the Sinkhorn-vs-exact table (5 values of ε down to 0.01 ≈ 0.3 s at 60 points); the same
    /// in smoke, where its analytic claim is checked too.</summary>
    public static int SinkhornPoints => Profile.Pick(smoke: 60, cpu: 60, full: 200);
    /// <summary>06: samples per distribution for W1 by sorting against a closed form (sorting 20k numbers takes milliseconds;
    /// the same in smoke because the claim is analytic).</summary>
    public static int W1Samples1D => Profile.Pick(smoke: 20_000, cpu: 20_000, full: 200_000);

    // ------------------------------------------------------------------ 07: WGAN

    /// <summary>07: seeds for RMSProp vs Adam(β1 = 0.5) with clipping on the ring.</summary>
    public static int OptimizerStudySeeds => Profile.Pick(smoke: 1, cpu: 3, full: 5);

    /// <summary>07 §3: seeds of the runs whose generators are frozen and probed (WGAN through the notebook's Algorithm 1 and
    /// the GAN control, each on the ring with the same networks, plus one failed run); the bootstrap over runs resamples
    /// them.</summary>
    public static int TrackingSeeds => Profile.Pick(smoke: 2, cpu: 5, full: 10);
    /// <summary>07: batch m of the tracking test, its GAN control and the Adam study: the WGAN paper's m = 64 (a quarter
    /// of the arithmetic of the 256 used before).</summary>
    public static int TrackingBatch => 64;
    /// <summary>07: generator steps per run of §3 (5 seeds of Algorithm 1, 5 of the GAN control and the failed run, one
    /// after another, batch <see cref="TrackingBatch"/>), and of the one original-schedule run drawn as Figure 3.</summary>
    public static int TrackingSteps => Profile.Pick(smoke: 20, cpu: 1500, full: 20_000);
    /// <summary>07: checkpoint (and log window) of §3's runs (the curves, and the Adam study's windows): cpu 10 per run.</summary>
    public static int TrackingCheckpointEvery => Profile.Pick(smoke: 10, cpu: 150, full: 1000);
    /// <summary>07 §3, freeze and probe: the generator steps at which every tracking run (the WGAN seeds, the GAN
    /// control seeds and the failed run) is frozen; each frozen generator is then read by a fresh critic and a fresh
    /// discriminator (<see cref="Training.FreezeProbe"/>). cpu: 3 per run, 11 runs, 33 generators.</summary>
    public static int[] FreezeAt => Profile.Pick(smoke: new[] { 10, 20 }, cpu: new[] { 150, 600, 1500 },
                                                 full: new[] { 1000, 5000, 20_000 });
    /// <summary>07 §3: steps of each fresh probe (the gradient-penalty critic, and the GAN discriminator of the control),
    /// batch 256, the ring's critic 2 → w → w → w → 1 with w = <see cref="ToyHidden"/>. A penalised step costs about
    /// twice a clipped one (double backpropagation), so the budget is half the clipped probe's 400 of the first design
    /// and §3 costs what it did.</summary>
    public static int ProbeCriticSteps => Profile.Pick(smoke: 20, cpu: 200, full: 1500);
    /// <summary>07 §3: Adam step of the gradient-penalty probe (β = (0.5, 0.9), the WGAN-GP code's). Ten times
    /// gan_toy.py's 1e-4: the probe must bring a fresh critic near its optimum on a generator that does not move in a
    /// few hundred steps, not follow a moving one.</summary>
    public static double ProbeGpLearningRate => 1e-3;
    /// <summary>07 §3: penalty weight λ of the probe. Algorithm 1's 10 rather than gan_toy.py's 0.1: the reading is
    /// W₁ only as far as f is 1-Lipschitz, and a weak penalty lets the slope — and Ŵ — overshoot.</summary>
    public static double ProbeGpLambda => 1;
    /// <summary>07 §3: RMSProp step of the clipped probe (<see cref="Training.ProbeKind.Clipped"/>, the comparison).
    /// Ten times Algorithm 1's α: the probe's critic is pushed to its optimum on a generator that does not move, not
    /// trained alongside one.</summary>
    public static double ProbeLearningRate => 5e-4;
    /// <summary>07 §3: steps of the clipped probe, shown next to the penalised one on the graded degradation only.</summary>
    public static int ProbeClippedSteps => Profile.Pick(smoke: 20, cpu: 400, full: 2000);
    /// <summary>07 §3: noise scales σ of the graded degradation, the ring's own samples plus N(0, σ²I) (0: the data
    /// itself). Doubling steps from 0.2: one ring mode convolved with N(0, σ²I) is W₁ = (√(s² + σ²) − s)·√(π/2) from
    /// the mode (s ≈ 0.014), so each step adds ≥ 0.15 to W₁, above the probe's resolution (≈ 0.02 in Ŵ); a first step
    /// of 0.1 read ≈ 0 in the probe, and the best trained generator plus σ = 0.1 moved W₁ by 0.005 in one seed block
    /// (instructor guide §07).</summary>
    public static double[] DegradeScales => new[] { 0.0, 0.2, 0.4, 0.8, 1.6 };

    /// <summary>07: critic steps per θ for the WGAN paper's Theorems 1 and 3 on the parallel lines (penalised toy critic,
    /// ≈ 1.2 ms per step; 8 values of θ).</summary>
    public static int TheoremCriticSteps => Profile.Pick(smoke: 20, cpu: 500, full: 2000);
    /// <summary>07: critic steps per (θ, seed) on the scale family N(0, θ²I) against N(0, I) (Theorem 3's slope). A
    /// probe on seeds 20140610, 1, 2, 3 (not the notebook's) had 14 of 16 slopes within 10 % at 500 steps, 15 of 16
    /// at 1500: some initialisations start with the wrong orientation and need longer.</summary>
    public static int ScaleFamilyCriticSteps => Profile.Pick(smoke: 20, cpu: 1000, full: 3000);
    /// <summary>07: critic seeds per θ on the scale family (11, 12, …: held out from the probe above).</summary>
    public static int[] ScaleFamilySeeds => Enumerable.Range(11, Profile.Pick(smoke: 1, cpu: 3, full: 5)).ToArray();
    /// <summary>07: the Adam-vs-RMSProp demonstration trains Adam critics for this many tracking checkpoints and compares
    /// them with the tracking test's RMSProp runs of the same seeds over the same steps (cpu: 3 seeds × 600 steps).</summary>
    public static int OptimizerStudyCheckpoints => Profile.Pick(smoke: 2, cpu: 4, full: 10);

    // ------------------------------------------------------------------ 08: beyond WGAN

    /// <summary>08: critic-only steps before reading the weight histograms of a clipped and a penalised critic (≈ 1 s each).</summary>
    public static int HistogramCriticSteps => Profile.Pick(smoke: 20, cpu: 1000, full: 5000);
    /// <summary>08: width of the two critics whose weight histograms are compared (2 → w → w → w → 1, the ring's critic).</summary>
    public static int HistogramCriticHidden => Profile.Pick(smoke: 32, cpu: 128, full: 512);
    /// <summary>08: critic steps of the 12-layer probe per setting (c = 0.1, 0.01, 0.001, GP; cpu ≈ 8 s for all four).
    /// At 200 steps: c = 0.1 explodes (input-layer/output-layer activation-gradient ratio ≈ 10^2.1), 0.01 vanishes (≈ 10^−13.4),
    /// 0.001 vanishes further (≈ 10^−24), GP stays within ≈ 10^0.2.</summary>
    public static int DeepCriticSteps => Profile.Pick(smoke: 5, cpu: 200, full: 2000);
    /// <summary>08: width of the 12-layer probe critic (Gulrajani et al. use 512 on the GPU).</summary>
    public static int DeepCriticWidth => Profile.Pick(smoke: 32, cpu: 128, full: 512);

    // ------------------------------------------------------------------ 07/08: the payoff, seeds trained together

    /// <summary>07/08: seeds per objective of 07's GAN family (§3) and 08's grid and Lipschitz runs (1 … n), trained
    /// together as one batched model (SeedBatchTrainer). The ring's claims use the matched ring's 10 seeds.</summary>
    public static int PayoffSeeds => Profile.Pick(smoke: 2, cpu: 5, full: 10);
    /// <summary>07/08: those seeds.</summary>
    public static int[] PayoffSeedList => Enumerable.Range(1, PayoffSeeds).ToArray();
    /// <summary>07/08: samples per copy and step in the payoff: the WGAN paper's batch 64 in cpu (a quarter of the
    /// arithmetic of the course's 256), the WGAN-GP toy script's 256 in full.</summary>
    public static int PayoffBatch => Profile.Pick(smoke: 32, cpu: 64, full: 256);
    /// <summary>07/08: width w of the toy G and D (2 → w → w → w → out, ReLU) in 07's payoff, tracking test and optimizer
    /// study and in 08's comparison. 64 under cpu: the toy step is arithmetic-bound here, and a 5-seed WGAN-GP step at
    /// width 64 costs ≈ 0.4 of one at 128 (200 steps: 3.6 s vs 9.0 s, 2026-11-27), which keeps 07 and 08 within their
    /// 4 minutes; the WGAN-GP toy script's 512 under full.</summary>
    public static int ToyHidden => Profile.Pick(smoke: 32, cpu: 64, full: 512);
    /// <summary>07/08: samples per seed for the mode metrics (1 % = 25 samples).</summary>
    public static int PayoffSamples => Profile.Pick(smoke: 500, cpu: 2500, full: 2500);
    // ------------------------------------------------------ 03/07/08: the matched ring (issue #21)

    /// <summary>03/07/08: seeds of <see cref="Training.MatchedRing"/>, 1 … n (≥ 10 for a claim,
    /// issue #21).</summary>
    public static int MatchedRingSeeds => Profile.Pick(smoke: 2, cpu: 10, full: 10);
    /// <summary>03/07/08: generator steps of every objective of the matched ring (width <see
    /// cref="ToyHidden"/>, batch <see cref="PayoffBatch"/>). cpu 10000: the first read-out step at
    /// which every objective whose seeds converge has stopped changing by the rule stated before
    /// any run (<see cref="Training.MatchedRing"/>; docs/MATCHED-RING.md), in blocks 0 and 1: 9000 →
    /// 10000 WGAN-GP 10 → 10 seeds converged, near-mode share +0.04 / +0.03; WGAN-SN 10 → 10,
    /// +0.03 / +0.02; loss A 4 → 4 / 7 → 8, +0.02 / +0.03. At 8000 WGAN-SN still moved (+0.06, block
    /// 0), at 6000 all three. Loss B, which collapses, still sharpened in block 0 (+0.07, collapsed 5
    /// → 6; block 1 +0.04); the clipped WGAN (Algorithm 1's α) stays off the data.
    /// Cost on 2 idle cores, 10 seeds, one thread: GP ≈ 200 s, SN ≈ 150 s, clip ≈ 120 s, A and B ≈
    /// 35 s each — more than one notebook's 4 minutes, so the course command trains them once (its
    /// matched-ring stage) and 03, 07 and 08 read them.</summary>
    public static int MatchedRingSteps => Profile.Pick(smoke: 20, cpu: 10_000, full: 20_000);
    /// <summary>03/07/08: the matched ring's seeds.</summary>
    public static int[] MatchedRingSeedList => Enumerable.Range(1, MatchedRingSeeds).ToArray();
}
