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
