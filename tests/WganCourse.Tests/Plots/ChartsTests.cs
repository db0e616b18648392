using TorchSharp;
using WganCourse.Data;
using WganCourse.Plots;
using WganCourse.Runtime;
using Xunit;

namespace WganCourse.Tests.Plots;

public class ChartsTests
{
    public ChartsTests() => Course.Setup();

    [Fact]
    public void Samples2D_hides_its_legend_only_when_asked()
    {
        var x = torch.zeros(5, 2);
        var shown = Charts.Samples2D("s", x, Toy.Ring8()).Json;
        var hidden = Charts.Samples2D("s", x, Toy.Ring8(), showLegend: false).Json;
        Assert.DoesNotContain("\"showlegend\":false", shown);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(hidden, "\"showlegend\":false").Count); // both traces
    }

    [Fact]
    public void Samples2D_uses_tight_margins_so_small_charts_keep_their_plot_area()
    {
        var json = Charts.Samples2D("s", torch.zeros(5, 2), Toy.Ring8(), size: 260).Json;
        Assert.Contains("\"margin\":{\"l\":50,\"r\":20,\"t\":50,\"b\":45}", json);
        Assert.Contains("\"scaleanchor\":\"x\"", json); // the axes survive the layout merge
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
}
