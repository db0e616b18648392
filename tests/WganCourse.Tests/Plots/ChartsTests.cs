using System.Text.Json;
using TorchSharp;
using WganCourse.Data;
using WganCourse.Plots;
using WganCourse.Runtime;
using Xunit;

namespace WganCourse.Tests.Plots;

/// <summary>What a chart shows (traces, names, axis titles, legend, square axes, offline plotly.js), read from the
/// figure JSON as plotly would read it rather than compared as text.</summary>
public class ChartsTests
{
    public ChartsTests() => Course.Setup();

    static JsonElement Fig(Figure f) => JsonDocument.Parse(f.Json).RootElement;
    static JsonElement[] Traces(Figure f) => Fig(f).GetProperty("data").EnumerateArray().ToArray();
    static JsonElement Layout(Figure f) => Fig(f).GetProperty("layout");
    static string? Text(JsonElement e, string prop) =>
        e.TryGetProperty(prop, out var t) ? (t.ValueKind == JsonValueKind.String ? t.GetString() : t.TryGetProperty("text", out var x) ? x.GetString() : null) : null;
    static bool? ShowLegend(JsonElement trace) => trace.TryGetProperty("showlegend", out var v) ? v.GetBoolean() : null;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void A_line_chart_of_n_series_has_n_named_traces_with_their_points(int n)
    {
        var series = Enumerable.Range(0, n).Select(i => new Series($"s{i}", new double[] { 0, 1, 2 }, new double[] { i, i + 1, i + 2 })).ToList();
        var traces = Traces(Charts.Lines("t", "step", "loss", series));
        Assert.Equal(n, traces.Length);
        Assert.Equal(series.Select(s => s.Name), traces.Select(t => t.GetProperty("name").GetString()));
        Assert.All(traces, t => Assert.Equal(3, t.GetProperty("y").GetArrayLength()));
    }

    [Fact]
    public void A_line_chart_has_its_title_and_both_axis_titles_and_a_log_axis_when_asked()
    {
        var s = new[] { Series.Of("a", new double[] { 1, 10, 100 }) };
        var layout = Layout(Charts.Lines("the title", "generator step", "‖∇‖", s, logY: true));
        Assert.Equal("the title", Text(layout, "title"));
        Assert.Equal("generator step", Text(layout.GetProperty("xaxis"), "title"));
        Assert.Equal("‖∇‖", Text(layout.GetProperty("yaxis"), "title"));
        Assert.Equal("log", layout.GetProperty("yaxis").GetProperty("type").GetString());
        Assert.False(layout.GetProperty("xaxis").TryGetProperty("type", out _));
    }

    [Fact]
    public void A_line_chart_refuses_nothing_to_plot_and_series_whose_x_and_y_differ_in_length()
    {
        Assert.Throws<ArgumentException>(() => Charts.Lines("t", "x", "y", Array.Empty<Series>()));
        Assert.Throws<ArgumentException>(() => Charts.Lines("t", "x", "y", new[] { new Series("bad", new double[] { 0, 1 }, new double[] { 0 }) }));
    }

    [Fact]
    public void Samples2D_draws_the_samples_over_the_target_modes_and_caps_the_points()
    {
        var x = torch.zeros(50, 2);
        var withTarget = Traces(Charts.Samples2D("s", x, Toy.Ring8(), maxPoints: 20));
        Assert.Equal(2, withTarget.Length);
        Assert.Equal(8, withTarget[0].GetProperty("x").GetArrayLength()); // the ring's 8 mode centres
        Assert.Equal(20, withTarget[1].GetProperty("x").GetArrayLength());
        Assert.Single(Traces(Charts.Samples2D("s", x)));
    }

    [Fact]
    public void Samples2D_hides_its_legend_only_when_asked()
    {
        var x = torch.zeros(5, 2);
        Assert.All(Traces(Charts.Samples2D("s", x, Toy.Ring8())), t => Assert.NotEqual(false, ShowLegend(t)));
        Assert.All(Traces(Charts.Samples2D("s", x, Toy.Ring8(), showLegend: false)), t => Assert.Equal(false, ShowLegend(t)));
    }

    [Fact]
    public void Samples2D_is_square_and_a_small_one_keeps_most_of_its_area_for_the_plot()
    {
        var f = Charts.Samples2D("s", torch.zeros(5, 2), Toy.Ring8(), size: 260);
        Assert.Equal((260, 260), (f.Width, f.Height));
        var layout = Layout(f);
        Assert.Equal("x", layout.GetProperty("yaxis").GetProperty("scaleanchor").GetString()); // one unit is as long on both axes
        Assert.Equal(2, layout.GetProperty("xaxis").GetProperty("range").GetArrayLength());
        var m = layout.GetProperty("margin");
        double Px(string side) => m.GetProperty(side).GetDouble();
        // plotly's default margins (80 a side, 100 on top) would leave 100 px of 260
        Assert.True(Px("l") + Px("r") <= 260 * 0.4 && Px("t") + Px("b") <= 260 * 0.4, m.ToString());
    }

    [Fact]
    public void A_histogram_is_one_trace_of_all_the_values()
    {
        var traces = Traces(Charts.Histogram("h", new double[] { 1, 2, 2, 3 }, bins: 3));
        Assert.Single(traces);
        Assert.Equal("histogram", traces[0].GetProperty("type").GetString());
        Assert.Equal(4, traces[0].GetProperty("x").GetArrayLength());
    }

    [Fact]
    public void Charts_render_offline_the_setup_cell_carries_plotly_js_and_a_figure_only_uses_window_Plotly()
    {
        var setup = new SetupReport("env", inlinePlotly: true).ToHtml();
        Assert.Contains("<script", setup);
        Assert.Contains("window.Plotly", setup);
        Assert.True(setup.Length > 1_000_000, $"the setup output should embed plotly.js, it is {setup.Length} characters");
        Assert.DoesNotContain("<script", new SetupReport("env", inlinePlotly: false).ToHtml());

        var html = Charts.Lines("t", "x", "y", new[] { Series.Of("a", new double[] { 1, 2 }) }).ToHtml();
        Assert.Contains("window.Plotly.newPlot", html);
        Assert.DoesNotContain("src=", html);     // nothing fetched: no CDN, no require.js
        Assert.DoesNotContain("cdn.plot.ly", html);
    }
}

public class RowLayoutTests
{
    public RowLayoutTests() => Course.Setup();

    static Figure Picture(int size = 200) => Charts.Samples2D("seed", torch.zeros(5, 2), Toy.Ring8(), size: size, showLegend: false);

    [Theory]
    [InlineData(2, 2)]
    [InlineData(5, 5)]
    [InlineData(6, 3)]
    [InlineData(8, 4)]
    [InlineData(10, 5)]
    public void Same_size_charts_go_in_a_grid_whose_lines_are_full(int count, int columns)
    {
        var row = new Row(Enumerable.Range(0, count).Select(_ => (IHtmlDisplay)Picture()).ToList());
        Assert.Equal(columns, row.Columns);
        var html = row.ToHtml();
        Assert.Contains($"grid-template-columns:repeat({columns}, minmax(0, 200px))", html);
        Assert.Equal(count, System.Text.RegularExpressions.Regex.Matches(html, "width:100%;max-width:200px;aspect-ratio:200/200").Count);
        Assert.DoesNotContain("fig.layout.width=", html); // the grid sets the size, not the chart
    }

    [Fact]
    public void Charts_of_different_sizes_or_other_displays_wrap_as_before()
    {
        var mixed = new Row(new IHtmlDisplay[] { Picture(200), Picture(300) });
        var withTable = new Row(new IHtmlDisplay[] { Picture(), new Table(new[] { "a" }, new[] { new[] { "1" } }) });
        foreach (var row in new[] { mixed, withTable })
        {
            Assert.Null(row.Columns);
            Assert.Contains("display:flex;flex-wrap:wrap", row.ToHtml());
            Assert.Contains("fig.layout.width=200;fig.layout.height=200;", row.ToHtml());
        }
        // larger charts (e.g. four 330 px line charts) keep their size: shrunk, their plot area would vanish
        var large = new Row(Enumerable.Range(0, 4).Select(_ => (IHtmlDisplay)Picture(Row.SmallMultipleMaxWidth + 1)).ToList());
        Assert.Null(large.Columns);
        Assert.Contains("display:flex;flex-wrap:wrap", large.ToHtml());
        Assert.Equal(3, new Row(new IHtmlDisplay[] { Picture(), Picture() }, columns: 3).Columns); // asked for
    }

    [Fact]
    public void Small_charts_have_no_mode_bar_over_their_title()
    {
        Assert.Contains("displayModeBar:false", Picture(200).ToHtml());
        Assert.Contains("displayModeBar:false", Picture(Figure.ModeBarMinWidth - 1).ToHtml());
        Assert.Contains("displayModeBar:'hover'", Picture(Figure.ModeBarMinWidth).ToHtml());
        var lines = Charts.Lines("t", "x", "y", new[] { Series.Of("s", new[] { 1.0, 2 }) });
        Assert.Contains("displayModeBar:'hover'", lines.ToHtml());
        Assert.DoesNotContain("fig.layout.legend=", lines.ToHtml());
        Assert.Contains("fig.layout.legend={orientation:'h'", lines.WithSize(330, 300).ToHtml()); // small: legend below
    }

    static Figure Density(int k) => new(Charts.SamplesVsDensity1D($"seed {k}", torch.randn(50, 1),
        Toy.Bimodal1D()).Chart, 300, 260);

    [Fact]
    public void A_small_charts_legend_sits_at_the_bottom_of_the_chart_not_on_its_x_axis_title()
    {
        var html = Density(1).ToHtml();
        // pinned to the container, below a bottom margin that leaves the axis title room (a fraction of the plot
        // height put it on the title when a grid shrank the chart)
        Assert.Contains("yref:'container',yanchor:'bottom'", html);
        Assert.Contains("b:legend?78:45", html);
        Assert.DoesNotContain("y:-0.3", html);
    }

    [Fact]
    public void A_grid_of_small_multiples_draws_one_legend_under_it_instead_of_one_per_picture()
    {
        var figures = Enumerable.Range(1, 5).Select(k => (IHtmlDisplay)Density(k)).ToList();
        var html = new Row(figures).ToHtml();
        Assert.Equal(5, System.Text.RegularExpressions.Regex.Matches(html,
            "if\\(fig.layout.showlegend===undefined\\)fig.layout.showlegend=false;").Count);
        var entries = ((Figure)figures[0]).LegendEntries();
        Assert.Equal(new[] { "generated (histogram)", "p_r (target density)" }, entries.Select(e => e.Name));
        Assert.NotEqual(entries[0].Color, entries[1].Color); // coloured as plotly colours the two traces
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "generated \\(histogram\\)</span>|" +
            "</span>generated \\(histogram\\)"));
        // a row whose pictures hide their legends (Samples2D showLegend: false) gets no shared legend either
        Assert.DoesNotContain("</span>modes (target)",
            new Row(Enumerable.Range(0, 3).Select(_ => (IHtmlDisplay)Picture()).ToList()).ToHtml());
        // a single chart keeps its own legend
        Assert.DoesNotContain("fig.layout.showlegend=false", Density(1).ToHtml());
    }
}
