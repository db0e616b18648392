namespace WganCourse.Games;

/// <summary>Which two-player value function the Dirac-GAN plays.</summary>
public enum DiracGame
{
    /// <summary>V(θ, ψ) = f(ψθ) + f(0), f(t) = −log(1 + e^{−t}) (Mescheder et al. 2018, the GAN's f).</summary>
    Gan,
    /// <summary>V(θ, ψ) = ψθ: the bilinear game, the simplest case of the same dynamics.</summary>
    Bilinear,
}

/// <summary>How the two players update.</summary>
public enum UpdateRule
{
    /// <summary>Both players step from the same (θ_k, ψ_k) — what the course's single loop does within one step pair
    /// when both gradients are taken before either optimizer moves.</summary>
    Simultaneous,
    /// <summary>D steps first, then G steps against the updated D (what alternating GAN training does).</summary>
    Alternating,
}

/// <summary>
/// The Dirac-GAN of Mescheder, Geiger &amp; Nowozin 2018 ("Which training methods for GANs do actually converge?"):
/// the data distribution is a point mass at 0, the generator a point mass at θ, the discriminator linear, D_ψ(x) = ψ·x.
/// The value is V(θ, ψ) = f(ψθ) + f(0) (the paper's form; its constant f(0) = −log 2 makes V = −log 4 at the
/// equilibrium, like the GAN's C(G)). G minimises V over θ, D maximises it over ψ; the unique equilibrium is (0, 0).
/// The gradient field (−∂V/∂θ, ∂V/∂ψ) = f'(ψθ)·(−ψ, θ) rotates around it: its Jacobian at (0, 0) has eigenvalues
/// ±i·f'(0), purely imaginary, so gradient flow circles, simultaneous gradient steps (eigenvalues 1 ± i·h·f'(0),
/// modulus √(1 + h² f'(0)²) &gt; 1) spiral outwards, and alternating steps stay on bounded orbits without converging.
/// </summary>
public static class DiracGan
{
    /// <summary>f(t) = −log(1 + e^{−t}) = log σ(t), computed stably.</summary>
    public static double F(double t) => t >= 0 ? -Math.Log(1 + Math.Exp(-t)) : t - Math.Log(1 + Math.Exp(t));

    /// <summary>f'(t) = σ(−t) = 1 / (1 + e^{t}).</summary>
    public static double FPrime(double t) => t >= 0 ? Math.Exp(-t) / (1 + Math.Exp(-t)) : 1 / (1 + Math.Exp(t));

    /// <summary>V(θ, ψ).</summary>
    public static double Value(DiracGame game, double theta, double psi) => game switch
    {
        DiracGame.Gan => F(psi * theta) + F(0),
        DiracGame.Bilinear => psi * theta,
        _ => throw new ArgumentOutOfRangeException(nameof(game), game, "unknown game"),
    };

    /// <summary>(∂V/∂θ, ∂V/∂ψ) at (θ, ψ).</summary>
    public static (double DTheta, double DPsi) Gradient(DiracGame game, double theta, double psi)
    {
        double s = game switch
        {
            DiracGame.Gan => FPrime(psi * theta),
            DiracGame.Bilinear => 1.0,
            _ => throw new ArgumentOutOfRangeException(nameof(game), game, "unknown game"),
        };
        return (s * psi, s * theta);
    }

    /// <summary>
    /// The path (θ_k, ψ_k), k = 0..steps, of gradient descent in θ and ascent in ψ with step size h:
    /// θ ← θ − h ∂V/∂θ, ψ ← ψ + h ∂V/∂ψ, simultaneous (both at the old point) or alternating (ψ first, then θ at the new ψ).
    /// </summary>
    public static (double Theta, double Psi)[] Trajectory(DiracGame game, double theta0, double psi0, double h, int steps,
                                                         UpdateRule rule = UpdateRule.Simultaneous)
    {
        if (!(h > 0) || !double.IsFinite(h)) throw new ArgumentOutOfRangeException(nameof(h), h, "step size h must be a positive number");
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 0");
        if (!double.IsFinite(theta0) || !double.IsFinite(psi0)) throw new ArgumentException($"start must be finite, got ({theta0}, {psi0})");
        var path = new (double, double)[steps + 1];
        double theta = theta0, psi = psi0;
        path[0] = (theta, psi);
        for (int k = 1; k <= steps; k++)
        {
            if (rule == UpdateRule.Simultaneous)
            {
                var (dt, dp) = Gradient(game, theta, psi);
                (theta, psi) = (theta - h * dt, psi + h * dp);
            }
            else
            {
                psi += h * Gradient(game, theta, psi).DPsi;
                theta -= h * Gradient(game, theta, psi).DTheta;
            }
            path[k] = (theta, psi);
        }
        return path;
    }

    /// <summary>Euclidean distance of (θ, ψ) to the equilibrium (0, 0).</summary>
    public static double DistanceToEquilibrium((double Theta, double Psi) point) => Math.Sqrt(point.Theta * point.Theta + point.Psi * point.Psi);
}
