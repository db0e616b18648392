namespace WganCourse.Divergences;

/// <summary>Scalar functions the closed forms need (no System.Math equivalent).</summary>
internal static class SpecialFunctions
{
    internal static double Softplus(double t) => t > 0 ? t + Math.Log(1 + Math.Exp(-t)) : Math.Log(1 + Math.Exp(t));

    /// <summary>erf: Maclaurin series for |x| &lt; 2, erfc by its continued fraction beyond (≈1e-14 absolute).</summary>
    internal static double Erf(double x)
    {
        if (x < 0) return -Erf(-x);
        if (x < 2)
        {
            // Maclaurin series: erf x = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
            double sum = 0, term = x;
            for (int n = 0; n < 200; n++)
            {
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
                term *= -x * x / (n + 1);
            }
            return 2 / Math.Sqrt(Math.PI) * sum;
        }
        // erfc x = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) (Lentz), for x ≥ 2
        double f = x, c = x, dd = 0, tiny = 1e-300;
        for (int k = 1; k < 300; k++)
        {
            double a = k / 2.0;
            dd = x + a * dd; if (Math.Abs(dd) < tiny) dd = tiny; dd = 1 / dd;
            c = x + a / c; if (Math.Abs(c) < tiny) c = tiny;
            double delta = c * dd;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return 1 - Math.Exp(-x * x) / (Math.Sqrt(Math.PI) * f);
    }
}
