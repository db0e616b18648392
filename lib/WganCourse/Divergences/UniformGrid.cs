namespace WganCourse.Divergences;

/// <summary>A uniform 1-D grid x_i = Min + i·Dx, i = 0..Count−1, for quadrature of densities.</summary>
public sealed class UniformGrid
{
    public double Min { get; }
    public double Max { get; }
    public int Count { get; }
    public double Dx { get; }
    public double[] X { get; }

    public UniformGrid(double min, double max, int count)
    {
        if (!(double.IsFinite(min) && double.IsFinite(max) && max > min))
            throw new ArgumentException($"expected finite min < max, got [{min}, {max}]");
        if (count < 3) throw new ArgumentOutOfRangeException(nameof(count), count, "a grid needs at least 3 points");
        (Min, Max, Count, Dx) = (min, max, count, (max - min) / (count - 1));
        X = Enumerable.Range(0, count).Select(i => min + i * Dx).ToArray();
    }

    /// <summary>f evaluated at every grid point.</summary>
    public double[] Map(Func<double, double> f) => X.Select(f).ToArray();

    /// <summary>∫ f dx by the trapezoidal rule (error O(Dx²) for smooth f; exact enough when the integrand is negligible at both ends).</summary>
    public double Integrate(IReadOnlyList<double> f)
    {
        Check(f, nameof(f));
        double s = 0.5 * (f[0] + f[Count - 1]);
        for (int i = 1; i < Count - 1; i++) s += f[i];
        return s * Dx;
    }

    internal void Check(IReadOnlyList<double> f, string name)
    {
        if (f is null) throw new ArgumentNullException(name);
        if (f.Count != Count) throw new ArgumentException($"{name}: expected {Count} values (one per grid point), got {f.Count}", name);
    }
}
