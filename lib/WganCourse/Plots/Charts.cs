using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.LayoutObjects;
using TorchSharp;
using WganCourse.Data;
using static TorchSharp.torch;

namespace WganCourse.Plots;

/// <summary>One named curve.</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    public static Series Of(string name, IReadOnlyList<double> y) => new(name, Enumerable.Range(0, y.Count).Select(i => (double)i).ToList(), y);
}

/// <summary>The charts the course draws, on Plotly.NET. Each returns a <see cref="Figure"/> that renders offline.</summary>
public static class Charts
{
    static FSharpOption<T> O<T>(T v) => FSharpOption<T>.Some(v);

    static GenericChart Layout(GenericChart c, string title, string xTitle, string yTitle, bool logX = false, bool logY = false)
    {
        c = Chart.withTitle(title, null).Invoke(c);
        var x = new LinearAxis(); x.SetProperty("title", new { text = xTitle }); if (logX) x.SetProperty("type", "log");
        var y = new LinearAxis(); y.SetProperty("title", new { text = yTitle }); if (logY) { y.SetProperty("type", "log"); y.SetProperty("exponentformat", "power"); }
        return Chart.withXAxis(x, null).Invoke(Chart.withYAxis(y, null).Invoke(c));
    }

    static GenericChart Line(Series s, bool markers = false) =>
        Plotly.NET.CSharp.Chart.Line<double, double, string>(x: s.X, y: s.Y, ShowMarkers: markers, Name: s.Name);

    /// <summary>Curves against a shared x axis (loss curves, divergences against θ, gradient norms).</summary>
    public static Figure Lines(string title, string xTitle, string yTitle, IEnumerable<Series> series, bool logY = false, bool logX = false, bool markers = false)
    {
        var list = series.ToList();
        if (list.Count == 0) throw new ArgumentException("nothing to plot: give at least one series", nameof(series));
        foreach (var s in list)
            if (s.X.Count != s.Y.Count) throw new ArgumentException($"series '{s.Name}' has {s.X.Count} x values but {s.Y.Count} y values");
        return new Figure(Layout(Chart.combine(list.Select(s => Line(s, markers))), title, xTitle, yTitle, logX, logY));
    }

    /// <summary>Points without lines, one colour per series (e.g. an estimate against exact W₁ per frozen generator);
    /// <paramref name="guides"/> are drawn as lines (reference lines such as y = x), so they do not read as data.</summary>
    public static Figure Scatter(string title, string xTitle, string yTitle, IEnumerable<Series> series,
                                 IEnumerable<Series>? guides = null)
    {
        var list = series.ToList();
        var lines = guides?.ToList() ?? new List<Series>();
        if (list.Count == 0) throw new ArgumentException("nothing to plot: give at least one series", nameof(series));
        foreach (var s in list.Concat(lines))
            if (s.X.Count != s.Y.Count) throw new ArgumentException($"series '{s.Name}' has {s.X.Count} x values but {s.Y.Count} y values");
        return new Figure(Layout(Chart.combine(list.Select(s =>
            Plotly.NET.CSharp.Chart.Point<double, double, string>(x: s.X, y: s.Y, Name: s.Name))
            .Concat(lines.Select(s => Line(s, markers: false)))), title, xTitle, yTitle));
    }

    /// <summary>Training curves from a history: step on x, one series per loss.</summary>
    public static Figure Losses(string title, IReadOnlyList<double> steps, params (string Name, IReadOnlyList<double> Values)[] losses) =>
        Lines(title, "generator step", "loss", losses.Select(l => new Series(l.Name, steps, l.Values)));

    /// <summary>1-D densities on a grid, e.g. pr, pg, and D(x) against D*(x).</summary>
    public static Figure Densities(string title, IReadOnlyList<double> grid, params (string Name, IReadOnlyList<double> Values)[] curves) =>
        Lines(title, "x", "density / value", curves.Select(c => new Series(c.Name, grid, c.Values)));

    /// <summary>2-D samples (N×2 tensor) scattered over a target's mode centres. <paramref name="showLegend"/> = false
    /// gives small multiples (e.g. training snapshots side by side) the whole width for the points.</summary>
    public static Figure Samples2D(string title, Tensor samples, GaussianMixture? target = null, string name = "generated", int maxPoints = 2000, double range = 2.2, int size = 420,
                                   bool showLegend = true)
    {
        if (samples.ndim != 2 || samples.shape[1] != 2) throw new ArgumentException($"Samples2D expects an [N, 2] tensor, got [{string.Join(", ", samples.shape)}]");
        using var cpu = samples.detach().cpu().to_type(float64);
        int n = (int)Math.Min(cpu.shape[0], maxPoints);
        var xs = cpu[..n, 0].data<double>().ToArray(); var ys = cpu[..n, 1].data<double>().ToArray();
        var traces = new List<GenericChart>();
        if (target is not null)
            traces.Add(Plotly.NET.CSharp.Chart.Point<double, double, string>(x: target.Means.Select(m => m[0]), y: target.Means.Select(m => m[1]),
                Name: "modes (target)", ShowLegend: showLegend, MarkerSymbol: StyleParam.MarkerSymbol.Cross, Opacity: 0.9));
        traces.Add(Plotly.NET.CSharp.Chart.Point<double, double, string>(x: xs, y: ys, Name: name, ShowLegend: showLegend, Opacity: 0.5));
        var c = Layout(Chart.combine(traces), title, "x₁", "x₂");
        var x = new LinearAxis(); x.SetProperty("range", new[] { -range, range });
        var y = new LinearAxis(); y.SetProperty("range", new[] { -range, range }); y.SetProperty("scaleanchor", "x");
        // plotly's default margins (80 px a side, 100 on top) leave a 260 px chart a 100 px plot; these leave room
        // for the title and axis labels only, and the legend goes below the square plot instead of beside it
        var layout = new Layout(); layout.SetProperty("margin", new { l = 50, r = 20, t = 50, b = 45 });
        layout.SetProperty("legend", new { orientation = "h", x = 0, y = -0.18, yanchor = "top" });
        return new Figure(Chart.withLayout(layout).Invoke(Chart.withXAxis(x, null).Invoke(Chart.withYAxis(y, null).Invoke(c))), size, size);
    }

    /// <summary>1-D samples (N×1) as a density histogram over the target's exact density.</summary>
    public static Figure SamplesVsDensity1D(string title, Tensor samples, GaussianMixture target, double from = double.NaN, double to = double.NaN, int bins = 80)
    {
        if (samples.ndim != 2 || samples.shape[1] != 1) throw new ArgumentException($"SamplesVsDensity1D expects an [N, 1] tensor, got [{string.Join(", ", samples.shape)}]");
        if (target.Dim != 1) throw new ArgumentException($"target {target.Name} is {target.Dim}-D, expected 1-D");
        using var cpu = samples.detach().cpu().to_type(float64);
        var v = cpu.data<double>().ToArray();
        double lo = double.IsNaN(from) ? target.Means.Min(m => m[0]) - 4 * target.Stds.Max() : from;
        double hi = double.IsNaN(to) ? target.Means.Max(m => m[0]) + 4 * target.Stds.Max() : to;
        var grid = Enumerable.Range(0, 301).Select(i => lo + (hi - lo) * i / 300).ToList();
        var hist = Plotly.NET.CSharp.Chart.Histogram<double, double, string>(X: v, Name: "generated (histogram)", NBinsX: bins,
            HistNorm: StyleParam.HistNorm.ProbabilityDensity, Opacity: 0.6);
        var c = Chart.combine(new[] { hist, Line(new Series("p_r (target density)", grid, target.DensityOnGrid(grid))) });
        var x = new LinearAxis(); x.SetProperty("range", new[] { lo, hi });
        return new Figure(Chart.withXAxis(x, null).Invoke(Layout(c, title, "x", "density")));
    }

    /// <summary>A histogram of values (e.g. critic weights), with an optional count of bins.</summary>
    public static Figure Histogram(string title, IEnumerable<double> values, string xTitle = "value", int bins = 60, string name = "")
    {
        var v = values.ToArray();
        if (v.Length == 0) throw new ArgumentException("nothing to plot: no values", nameof(values));
        var c = Plotly.NET.CSharp.Chart.Histogram<double, double, string>(X: v, Name: name, NBinsX: bins);
        return new Figure(Layout(c, title, xTitle, "count"));
    }
}
