using TorchSharp;
using WganCourse.Data;
using WganCourse.Divergences;
using WganCourse.Runtime;
using WganCourse.Training;
using WganCourse.Tests.Notebooks;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

/// <summary>
/// Notebook 06 writes the rescaling of the Kantorovich–Rubinstein estimate (gap / L, L the critic's Lipschitz constant
/// on the evaluation samples) out in one cell and runs it on the table's critics. These tests hold the cell to
/// <see cref="KantorovichRubinstein.Rescale"/> line for line, check that <see cref="KantorovichRubinstein.Estimate"/>
/// reports what it computes on the samples it returns, that its L is the largest neighbour slope computed point by
/// point (the loop the library ran before), and that a critic f(x) = a·x is rescaled to the gap of x itself.
/// </summary>
public class KrRescaleTests
{
    public KrRescaleTests() => Course.Setup();

    const string Begin = "// ---- rescaling (notebook 06) ----", End = "// ---- end of rescaling ----";
    static readonly GaussianMixture P = GaussianMixture.OneD("P", (1, 1.0, 0.5));
    static readonly GaussianMixture Q = GaussianMixture.OneD("Q", (1, -1.0, 0.5));

    [Fact]
    public void The_notebook_cell_is_the_library_function()
    {
        VisibleCode.CellIsLibraryFunction("lib/WganCourse/Training/KantorovichRubinstein.cs", "06-wasserstein-distance.ipynb", Begin, End);
    }

    [Fact]
    public void Estimate_reports_the_rescaling_of_its_critic_on_its_samples()
    {
        foreach (var objective in new WganCourse.Objectives.Objective[] { KantorovichRubinstein.ClippedCriticObjective(),
                                                               KantorovichRubinstein.PenalisedCriticObjective(seed: 3) })
        {
            var r = KantorovichRubinstein.Estimate(P, Q, objective, steps: 30, evalSamples: 500, historyEvery: 0, seed: 3);
            var (gap, l, rescaled) = KantorovichRubinstein.Rescale(r.Critic!, r.EvalP!, r.EvalQ!);
            Assert.Equal(r.Estimate, gap);
            Assert.Equal(r.LipschitzOnSamples, l);
            Assert.Equal(r.Rescaled, rescaled);
            Assert.Equal(r.EmpiricalW, Wasserstein.Samples1D(r.EvalP!.cpu(), r.EvalQ!.cpu()));
            Assert.True(rescaled <= r.EmpiricalW + 1e-9, $"{objective.Name}: {rescaled} > W of the samples {r.EmpiricalW}");
            Assert.Equal(ScalarType.Float32, r.Critic!.parameters().First().dtype);   // left as it was trained
        }
    }

    [Fact]
    public void L_is_the_largest_slope_between_neighbouring_points()
    {
        var critic = KantorovichRubinstein.ToyCritic(dim: 1, seed: 5);   // untrained: slopes vary along the line
        using var gen = Seeds.Generator(5);
        var xP = P.Sample(300, gen);
        var xQ = Q.Sample(200, gen);
        var (_, l, _) = KantorovichRubinstein.Rescale(critic, xP, xQ);
        // point by point, in float64, over the sorted distinct pooled samples
        var x = cat(new[] { xP, xQ }).reshape(-1).to_type(float64).data<double>().ToArray().Distinct().Order().ToArray();
        critic.to(float64);
        double[] fx;
        using (no_grad()) fx = critic.call(tensor(x).unsqueeze(1)).reshape(-1).data<double>().ToArray();
        critic.to(float32);
        double expected = 0;
        for (int i = 1; i < x.Length; i++) expected = Math.Max(expected, Math.Abs(fx[i] - fx[i - 1]) / (x[i] - x[i - 1]));
        Assert.Equal(expected, l, 12);
    }

    [Fact]
    public void A_linear_critic_is_rescaled_to_the_gap_of_x()
    {
        var f = nn.Linear(1, 1);
        using (no_grad()) { f.weight!.fill_(3); f.bias!.fill_(0.5); }
        using var gen = Seeds.Generator(7);
        var xP = P.Sample(400, gen);
        var xQ = Q.Sample(400, gen);
        var (gap, l, rescaled) = KantorovichRubinstein.Rescale(f, xP, xQ);
        double meanGap = (xP.mean() - xQ.mean()).to_type(float64).item<double>();
        Assert.Equal(3, l, 5);
        Assert.Equal(3 * meanGap, gap, 4);
        Assert.Equal(meanGap, rescaled, 4);
    }
}
