namespace WganCourse.Runtime;

/// <summary>
/// Budgets of notebook 09 (WGAN trains where the GAN fails; WGAN paper §4.3, Figure 6). Measured on the course's
/// 2-core AMD EPYC, one libtorch thread, idle (2026-12-06): 500 generator steps of the MLP without BatchNorm, batch 64,
/// take 9 s with the GAN (18 ms/step) and 47 s with WGAN-GP (94 ms/step: 5 critic steps, each with a double
/// backward), so 3 seeds of both take ≈ 170 s; under a load of 5–6 the same runs took 2–3× as long
/// (docs/STABILITY.md).
/// </summary>
public static partial class Budgets
{
    /// <summary>Seeds of both objectives: 3 is the fewest for which a count at 95 % per seed has a threshold at a 1 %
    /// false-failure rate (2 of 3).</summary>
    public static int StabilitySeeds => Profile.Pick(smoke: 1, cpu: 3, full: 3);
    /// <summary>Generator steps of both objectives. cpu: 500 (the GAN has already failed, WGAN-GP's digits are faint
    /// and blurred); full: 5000, where WGAN-GP's digits are readable and the GAN's samples a handful of shapes.</summary>
    public static int StabilitySteps => Profile.Pick(smoke: 10, cpu: 500, full: 5000);
    /// <summary>Mini-batch of both objectives (the WGAN paper's 64).</summary>
    public static int StabilityBatch => Profile.Pick(smoke: 32, cpu: 64, full: 64);
}
