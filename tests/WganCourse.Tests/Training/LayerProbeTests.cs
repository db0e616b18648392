using TorchSharp;
using WganCourse.Models;
using WganCourse.Objectives;
using WganCourse.Runtime;
using WganCourse.Training;
using WganCourse.Tests.Notebooks;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Training;

/// <summary>
/// Notebook 08 writes the deep-critic gradient probe (‖∂L/∂h_ℓ‖ per layer input, Gulrajani et al. Figure 1b) out in one
/// cell and passes it to <see cref="ClippingProbes.DeepCriticGradients"/>. These tests hold the cell to
/// <see cref="ClippingProbes.LayerInputGradients"/> line for line, check it against the gradients of one autograd call
/// over weights and activations together (what the library computed before the cell existed), and that the probe the
/// notebook passes is the one whose numbers the chart and the claims read.
/// </summary>
public class LayerProbeTests
{
    public LayerProbeTests() => Course.Setup();

    const string Begin = "// ---- layer probe (notebook 08) ----", End = "// ---- end of layer probe ----";

    [Fact]
    public void The_notebook_cell_is_the_library_function()
    {
        VisibleCode.CellIsLibraryFunction("lib/WganCourse/Training/ClippingProbes.cs", "08-beyond-wgan.ipynb", Begin, End);
    }

    [Fact]
    public void The_probe_gives_the_gradients_of_one_autograd_call_over_weights_and_activations()
    {
        var critic = new DeepCritic(inputDim: 2, depth: 5, width: 16);
        WeightInit.TorchDefaultFloat64(critic, 3);
        new WganClip(clip: 0.1).AfterCriticStep(critic);
        var real = randn(32, 2, generator: Seeds.Generator(1));
        var fake = randn(32, 2, generator: Seeds.Generator(2)) * 0.5;
        var probe = ClippingProbes.LayerInputGradients(critic, real, fake);

        // the library's computation before the cell: weights and layer inputs as targets of one call
        double[] reference;
        using (enable_grad())
        {
            var (outReal, inReal) = critic.ForwardWithInputs(real.detach().requires_grad_(true));
            var (outFake, inFake) = critic.ForwardWithInputs(fake.detach().requires_grad_(true));
            var targets = critic.Layers.Select(l => (Tensor)l.weight).Concat(inReal).Concat(inFake).ToArray();
            var g = autograd.grad(new[] { outFake.mean() - outReal.mean() }, targets, allow_unused: true);
            int d = critic.Depth;
            reference = Enumerable.Range(0, d).Select(l => (g[d + l].to_type(float64).square().sum()
                + g[2 * d + l].to_type(float64).square().sum()).sqrt().item<double>()).ToArray();
        }
        Assert.Equal(reference, probe);
        Assert.Equal(probe, ClippingProbes.GradientNorms(critic, real, fake).ActivationGradients);
    }

    [Fact]
    public void The_chart_reads_the_probe_the_notebook_passes()
    {
        var calls = 0;
        double[] Counting(DeepCritic f, Tensor x, Tensor y) { calls++; return ClippingProbes.LayerInputGradients(f, x, y); }
        var passed = ClippingProbes.DeepCriticGradients(new WganClip(clip: 0.01), steps: 5, depth: 4, width: 16,
                                                        batch: 32, probeBatches: 2, probe: Counting);
        var library = ClippingProbes.DeepCriticGradients(new WganClip(clip: 0.01), steps: 5, depth: 4, width: 16,
                                                         batch: 32, probeBatches: 2);
        Assert.Equal(2, calls);
        Assert.Equal(library.ActivationGradients, passed.ActivationGradients);
        Assert.Equal(library.WeightGradients, passed.WeightGradients);
        // a probe that leaves out the fake half reads other numbers: the comparison above can fail
        var realOnly = ClippingProbes.DeepCriticGradients(new WganClip(clip: 0.01), steps: 5, depth: 4, width: 16,
            batch: 32, probeBatches: 2, probe: (f, x, y) => ClippingProbes.LayerInputGradients(f, x, x));
        Assert.NotEqual(library.ActivationGradients, realOnly.ActivationGradients);
    }
}
