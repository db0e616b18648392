using System.Net;
using Plotly.NET;

namespace WganCourse.Plots;

/// <summary>Anything the notebook shows as HTML (charts, image grids, claim badges, tables).</summary>
public interface IHtmlDisplay
{
    string ToHtml();
}

/// <summary>
/// A Plotly.NET chart that renders offline: the HTML refers to the page's <c>window.Plotly</c>, which the setup
/// cell defines once from the plotly.js embedded in Plotly.NET.dll (no CDN, no require.js).
/// </summary>
public sealed class Figure(GenericChart chart, int width = 760, int height = 420) : IHtmlDisplay
{
    public GenericChart Chart => chart;
    public int Width => width;
    public int Height => height;

    /// <summary>The same chart drawn at another size (e.g. smaller, to sit beside another in a <see cref="Row"/>).</summary>
    public Figure WithSize(int newWidth, int newHeight) => new(chart, newWidth, newHeight);

    /// <summary>The plotly figure JSON (data + layout) as Plotly.NET writes it.</summary>
    public string Json => GenericChart.toFigureJson(chart);

    /// <summary>Narrower than this, a chart shows no mode bar: on a small chart plotly's zoom/pan/download buttons
    /// sit on top of the title, and zooming a thumbnail is not worth it (double-click still resets the axes).</summary>
    public const int ModeBarMinWidth = 450;

    /// <summary>Whether the chart shows plotly's mode bar (see <see cref="ModeBarMinWidth"/>).</summary>
    public bool ShowsModeBar => width >= ModeBarMinWidth;

    public string ToHtml() => ToHtml(fluid: false);

    /// <summary>
    /// The chart as HTML. <paramref name="fluid"/>: the chart fills the width of its container, at most
    /// <see cref="Width"/>, keeping its aspect ratio (how a <see cref="Row"/> grid fits n charts in one line).
    /// </summary>
    public string ToHtml(bool fluid) => ToHtml(fluid, legend: true);

    /// <summary><paramref name="legend"/> = false: no legend of its own (a <see cref="Row"/> of small multiples
    /// draws one for all of them under the grid).</summary>
    public string ToHtml(bool fluid, bool legend)
    {
        var id = "wgan-plot-" + Guid.NewGuid().ToString("N")[..12];
        var style = fluid ? $"width:100%;max-width:{width}px;aspect-ratio:{width}/{height}" : $"width:{width}px;height:{height}px";
        var size = fluid ? "fig.layout.autosize=true;delete fig.layout.width;delete fig.layout.height;"
                         : $"fig.layout.width={width};fig.layout.height={height};";
        // plotly's default margins (80 px a side, 100 on top) and a legend at the right leave a small chart almost
        // no plot area: tighter margins and the legend below, unless the chart set its own. The legend is pinned
        // to the bottom of the container (not a fraction of the plot, which lands on the x-axis title when a grid
        // shrinks the chart) and the bottom margin keeps two rows of small legend text clear of the axis title.
        if (!legend) size += "if(fig.layout.showlegend===undefined)fig.layout.showlegend=false;";
        if (!ShowsModeBar)
            size += "var legend=fig.layout.showlegend!==false&&fig.data.filter(function(t)" +
                    "{return t.showlegend!==false;}).length>1;" +
                    "if(!fig.layout.margin)fig.layout.margin={l:55,r:15,t:45,b:legend?78:45};" +
                    "if(!fig.layout.legend)fig.layout.legend={orientation:'h',x:0,y:0," +
                    "yref:'container',yanchor:'bottom',font:{size:10},tracegroupgap:0};";
        var config = $"{{responsive:true, displaylogo:false, displayModeBar:{(ShowsModeBar ? "'hover'" : "false")}}}";
        return $"<div id=\"{id}\" style=\"{style}\"></div>\n<script type=\"text/javascript\">(function(){{" +
               $"var fig={Json};var el=document.getElementById('{id}');fig.layout=fig.layout||{{}};{size}" +
               $"function draw(){{ if(window.Plotly){{ window.Plotly.newPlot(el, fig.data, fig.layout, {config}); return true;}} return false; }}" +
               "if(!draw()){ var n=0; var t=setInterval(function(){ if(draw()||++n>50){ clearInterval(t); if(!window.Plotly) el.innerHTML='<i>plotly.js is not loaded: run the setup cell (first cell) of this notebook.</i>'; } }, 100); }" +
               "})();</script>";
    }

    public override string ToString() => $"Figure ({width}×{height})";

    /// <summary>The legend entries plotly would draw: (name, colour) of each named trace that shows in the legend,
    /// coloured as plotly colours it (its own marker or line colour, else the template's colour way in order).</summary>
    public IReadOnlyList<(string Name, string Color)> LegendEntries()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(Json);
        var root = doc.RootElement;
        var way = root.TryGetProperty("layout", out var l) && l.TryGetProperty("template", out var t)
                  && t.TryGetProperty("layout", out var tl) && tl.TryGetProperty("colorway", out var cw)
            ? cw.EnumerateArray().Select(c => c.GetString() ?? "#444").ToArray()
            : new[] { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd" };
        static string? Colour(System.Text.Json.JsonElement tr, string part) =>
            tr.TryGetProperty(part, out var m) && m.TryGetProperty("color", out var c)
            && c.ValueKind == System.Text.Json.JsonValueKind.String ? c.GetString() : null;
        var entries = new List<(string, string)>();
        if (!root.TryGetProperty("data", out var data)) return entries;
        int i = 0;
        foreach (var tr in data.EnumerateArray())
        {
            var colour = Colour(tr, "marker") ?? Colour(tr, "line") ?? way[i % way.Length];
            i++;
            bool shown = !(tr.TryGetProperty("showlegend", out var sl) && sl.ValueKind == System.Text.Json.JsonValueKind.False);
            if (shown && tr.TryGetProperty("name", out var n) && n.GetString() is { Length: > 0 } name)
                entries.Add((name, colour));
        }
        return entries;
    }

    /// <summary>Any Plotly.NET chart (e.g. a student's <c>Chart.Line(...)</c>) at the size its layout sets, else 760×420;
    /// this is how the notebook shows a chart returned from a cell or passed to display(...).</summary>
    public static Figure OfChart(GenericChart chart)
    {
        var layout = System.Text.Json.JsonDocument.Parse(GenericChart.toFigureJson(chart)).RootElement;
        int Size(string name, int fallback) =>
            layout.TryGetProperty("layout", out var l) && l.TryGetProperty(name, out var v) && v.TryGetInt32(out var n) && n > 0 ? n : fallback;
        return new Figure(chart, Size("width", 760), Size("height", 420));
    }
}

/// <summary>
/// Several displays side by side, each with an optional caption. Small charts of one size (small multiples: one picture
/// per seed or per snapshot) go in a grid of <see cref="Columns"/> equal columns that shrink to fit the notebook's width,
/// so five seeds stay in one line instead of wrapping 4 + 1; anything else wraps as it comes.
/// </summary>
public sealed class Row(IReadOnlyList<IHtmlDisplay> items, IReadOnlyList<string>? captions = null, int? columns = null)
    : IHtmlDisplay
{
    /// <summary>Small multiples are charts of one size, at most this wide (a picture per seed or per snapshot).</summary>
    public const int SmallMultipleMaxWidth = 300;

    /// <summary>The grid's columns when every item is a small multiple (null: the items wrap freely, at their size).
    /// By default up to 5 in a line, and for more items a count that fills every line (6 → 3, 8 → 4, 10 → 5).</summary>
    public int? Columns
    {
        get
        {
            if (columns is int c) return Math.Max(1, c);
            var figures = items.OfType<Figure>().ToList();
            if (items.Count < 2 || figures.Count != items.Count) return null;
            if (figures.Any(f => f.Width != figures[0].Width || f.Height != figures[0].Height)) return null;
            if (figures[0].Width > SmallMultipleMaxWidth) return null; // larger charts keep their size and wrap
            int n = items.Count;
            return n <= 5 ? n : new[] { 5, 4, 3 }.FirstOrDefault(k => n % k == 0, 5);
        }
    }

    public string ToHtml()
    {
        string Caption(int i) => captions is not null && i < captions.Count
            ? $"<div style=\"text-align:center;font-family:sans-serif;font-size:12px\">{WebUtility.HtmlEncode(captions[i])}</div>"
            : "";
        if (Columns is int k)
        {
            int widest = items.OfType<Figure>().Select(f => f.Width).DefaultIfEmpty(300).Max();
            // one legend under the grid instead of one squeezing every picture (the first chart's traces)
            var shared = items.OfType<Figure>().FirstOrDefault()?.LegendEntries() ?? [];
            var legend = shared.Count < 2 ? "" :
                "<div style=\"font-family:sans-serif;font-size:12px;margin:2px 0 6px 8px\">" + string.Concat(shared.Select(e =>
                    $"<span style=\"display:inline-block;width:11px;height:11px;background:{WebUtility.HtmlEncode(e.Color)};" +
                    $"margin:0 4px 0 10px;vertical-align:middle\"></span>{WebUtility.HtmlEncode(e.Name)}")) + "</div>";
            return $"<div style=\"display:grid;grid-template-columns:repeat({k}, minmax(0, {widest}px));gap:8px;align-items:start\">" +
                   string.Concat(items.Select((it, i) => "<div style=\"min-width:0\">" +
                       (it is Figure f ? f.ToHtml(fluid: true, legend: false) : it.ToHtml()) + Caption(i) + "</div>")) +
                   "</div>" + legend;
        }
        return "<div style=\"display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start\">" +
               string.Concat(items.Select((it, i) => "<div>" + it.ToHtml() + Caption(i) + "</div>")) +
               "</div>";
    }
}

/// <summary>A small HTML table (header + rows) for results such as the comparison table of notebook 08.</summary>
public sealed class Table(IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows, string? caption = null) : IHtmlDisplay
{
    public IReadOnlyList<string> Header => header;
    public IReadOnlyList<IReadOnlyList<string>> Rows => rows;

    public string ToHtml()
    {
        string E(string s) => WebUtility.HtmlEncode(s);
        var td = "style=\"border:1px solid #ccc;padding:3px 8px;text-align:right\"";
        return "<table style=\"border-collapse:collapse;font-family:sans-serif;font-size:13px\">" +
               (caption is null ? "" : $"<caption style=\"text-align:left\">{E(caption)}</caption>") +
               "<tr>" + string.Concat(header.Select(h => $"<th {td}>{E(h)}</th>")) + "</tr>" +
               string.Concat(rows.Select(r => "<tr>" + string.Concat(r.Select(c => $"<td {td}>{E(c)}</td>")) + "</tr>")) + "</table>";
    }

    public override string ToString() =>
        string.Join("\n", new[] { string.Join(" | ", header) }.Concat(rows.Select(r => string.Join(" | ", r))));
}
