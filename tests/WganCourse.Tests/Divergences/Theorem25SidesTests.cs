using WganCourse.Divergences;
using WganCourse.Tests.Notebooks;
using Xunit;

namespace WganCourse.Tests.Divergences;

/// <summary>
/// Notebook 03 writes the two sides of Theorem 2.5 (Arjovsky &amp; Bottou 2017) out in one cell. These tests hold the cell
/// to <see cref="Classic.Theorem25Sides"/> line for line, check that the library's <see cref="Classic.Theorem25"/>
/// reports exactly those sides, and that the comparison is sharp: with D* recomputed at every θ (not frozen) the left
/// side is another number.
/// </summary>
public class Theorem25SidesTests
{
    const string Begin = "// ---- Theorem 2.5 (notebook 03) ----", End = "// ---- end of Theorem 2.5 ----";

    [Fact]
    public void The_notebook_cell_is_the_library_function()
    {
        VisibleCode.CellIsLibraryFunction("lib/WganCourse/Divergences/Classic.GanTheory.cs", "03-kl-imbalance-and-mode-collapse.ipynb", Begin, End);
    }

    [Fact]
    public void Classic_Theorem25_reports_the_sides_of_the_cell()
    {
        foreach (var theta0 in new[] { -3.0, -0.5, 1, 2 })
        {
            var (left, right) = Classic.Theorem25Sides(theta0, 0.5);
            var check = Classic.Theorem25(theta0, sigma: 0.5);
            Assert.Equal(check.GradMinusLogDStar, left);
            Assert.Equal(check.GradKlMinus2Js, right);
            Assert.True(Math.Abs(left - right) < 1e-6 * Math.Max(1, Math.Abs(right)), $"θ0 = {theta0}: {left} vs {right}");
        }
    }

    [Fact]
    public void A_left_side_with_D_star_not_frozen_does_not_match()
    {
        // The theorem needs D* held at θ0; differentiating through D* as well gives another gradient, and the cell's
        // comparison sees it.
        const double theta0 = 1, sigma = 0.5, h = 1e-4;
        var grid = new UniformGrid(-12.5, 12.5, 40001);
        double Unfrozen(double th) => grid.Integrate(grid.Map(x =>
        {
            double lg = Classic.LogNormalPdf(x, th, sigma), lr = Classic.LogNormalPdf(x, 0, 1);
            return Math.Exp(lg) * Classic.Softplus(lg - lr);   // D* = pr/(pr + pgθ), moving with θ
        }));
        double unfrozen = (Unfrozen(theta0 + h) - Unfrozen(theta0 - h)) / (2 * h);
        var (_, right) = Classic.Theorem25Sides(theta0, sigma);
        Assert.True(Math.Abs(unfrozen - right) > 0.05, $"unfrozen {unfrozen} vs right side {right}");
    }
}
