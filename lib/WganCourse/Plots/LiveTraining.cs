using TorchSharp;
using WganCourse.Data;
using WganCourse.Training;

namespace WganCourse.Plots;

/// <summary>
/// The live display of a training run: progress line, loss curves and the generator's current samples, updated in place
/// every time the trainer reports progress. Pass <see cref="Report"/> as the trainer's progress callback.
/// </summary>
public sealed class LiveTraining
{
    readonly string title;
    readonly GaussianMixture? target;
    readonly int samples;
    readonly LiveView view;
    readonly List<double> steps = new(), critic = new(), generator = new();
    readonly string criticName;

    /// <summary>Starts the display. <paramref name="target"/>, when given, is drawn under the samples (2-D: mode centres; 1-D: density).</summary>
    public LiveTraining(string title, GaussianMixture? target = null, int samples = 500, string criticName = "critic/D loss")
    {
        (this.title, this.target, this.samples, this.criticName) = (title, target, samples, criticName);
        view = Notebook.Live(new ProgressLine(0, 0, 0, "starting…"));
    }

    /// <summary>Updates of the display so far.</summary>
    public int Updates => view.Updates;

    public void Report(TrainProgress p)
    {
        steps.Add(p.Step); critic.Add(p.CriticLoss); generator.Add(p.GeneratorLoss);
        var losses = Charts.Lines($"{title}: losses", "generator step", "loss",
            new[] { new Series(criticName, steps.ToList(), critic.ToList()), new Series("generator loss", steps.ToList(), generator.ToList()) }).WithSize(520, 360);
        var items = new List<IHtmlDisplay> { losses };
        using var gen = new torch.Generator(7);
        // a conditional G (CGAN) is asked for the digits in turn: sample i gets label i mod 10, so with 10 columns
        // column k of the grid shows the requested digit k
        using var labels = p.Generator.IsConditional ? torch.arange(samples, dtype: torch.int64).remainder(10) : null;
        using var x = p.Generator.Sample(samples, gen, labels);
        if (x.ndim == 2 && x.shape[1] == 2) items.Add(Charts.Samples2D($"samples at step {p.Step}", x, target, size: 380));
        else if (x.ndim == 2 && x.shape[1] == 1 && target is { Dim: 1 }) items.Add(Charts.SamplesVsDensity1D($"samples at step {p.Step}", x, target).WithSize(520, 360));
        else if (x.ndim == 4) items.Add(new ImageGrid(x[..Math.Min(samples, 50)], columns: 10,
            title: p.Generator.IsConditional ? $"samples at step {p.Step} (column k: requested digit k)" : $"samples at step {p.Step}"));
        var line = new ProgressLine(p.Step, p.TotalSteps, p.Elapsed.TotalSeconds,
            p.Stopped ? $"stopped at step {p.Step} of {p.TotalSteps}" : null);
        view.Update(new Stack(line, new Row(items)));
    }
}
