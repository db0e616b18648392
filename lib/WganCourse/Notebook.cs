using System.Net;
using WganCourse.Plots;
using WganCourse.Runtime;

namespace WganCourse;

/// <summary>
/// The shared setup of every notebook's first cell: TorchSharp natives, seeds, device, profile, HTML formatters for
/// the course's displays, and plotly.js inlined once so that charts render offline.
/// </summary>
public static class Notebook
{
    /// <summary>Call once at the top of a notebook; the returned value shows the one-line environment report.</summary>
    public static SetupReport Setup(int seed = Seeds.Default)
    {
        var line = Course.Setup(seed);
        // smoke is the tests' profile: on one libtorch thread every run is bit-identical. On two, 05's DCGAN was not,
        // run to run on one machine, and ended in NaN in about half of the smoke runs of its solution notebook.
        if (Profile.Current == ProfileName.Smoke && Environment.GetEnvironmentVariable(Course.ThreadsVariable) is null)
            TorchSharp.torch.set_num_threads(1);
        var registered = 0;
        foreach (var t in typeof(Notebook).Assembly.GetTypes().Where(t => !t.IsAbstract && typeof(IHtmlDisplay).IsAssignableFrom(t)))
            if (Kernel.RegisterHtml(t, o => ((IHtmlDisplay)o).ToHtml())) registered++;
        // students' own Plotly.NET / Plotly.NET.CSharp charts: drawn with the page's plotly.js, no CDN
        if (Kernel.RegisterHtml(typeof(Plotly.NET.GenericChart), o => Figure.OfChart((Plotly.NET.GenericChart)o).ToHtml())) registered++;
        Kernel.CatchInterrupt(); // Jupyter's interrupt = the stop button, not a dead kernel
        var stale = BuildCheck.Stale(typeof(Notebook).Assembly.Location);
        return new SetupReport(line, Kernel.IsInteractive && registered > 0, stale);
    }

    /// <summary>Shows a value now (inside a kernel) and returns a handle that replaces it in place.</summary>
    public static LiveView Live(IHtmlDisplay initial) => new(initial);
}

/// <summary>The setup cell's output: the environment line and (in a kernel) plotly.js for the whole page.</summary>
public sealed class SetupReport(string line, bool inlinePlotly, string? warning = null) : IHtmlDisplay
{
    public string Line => line;

    public string ToHtml() =>
        $"<div style=\"font-family:monospace;font-size:12px\">{WebUtility.HtmlEncode(line)}</div>" +
        (warning is null ? "" : $"<div style=\"font-family:sans-serif;font-size:13px;color:#a40\">⚠ {WebUtility.HtmlEncode(warning)}</div>") +
        (inlinePlotly ? PlotlyJs.ScriptTag() : "");

    public override string ToString() => warning is null ? line : line + "\n⚠ " + warning;
}

/// <summary>plotly.js from the copy Plotly.NET.dll embeds (no CDN), wrapped so require.js does not capture it.</summary>
public static class PlotlyJs
{
    static string? source;

    public static string Source => source ??= Load();

    static string Load()
    {
        var asm = typeof(Plotly.NET.GenericChart).Assembly;
        var name = asm.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith(".min.js", StringComparison.Ordinal) && n.Contains("plotly", StringComparison.OrdinalIgnoreCase))
                   ?? throw new InvalidOperationException("Plotly.NET.dll does not embed plotly.js: check the Plotly.NET version (6.0.0 expected).");
        using var s = asm.GetManifestResourceStream(name)!;
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    /// <summary>Defines window.Plotly once per page; hides AMD `define` while plotly.js runs (Jupyter loads require.js).</summary>
    public static string ScriptTag() =>
        "<script type=\"text/javascript\">if (typeof window.Plotly === 'undefined') { (function(){ var __define = window.define; window.define = undefined;\n" +
        Source.Replace("</script>", "<\\/script>") +
        "\n; window.define = __define; })(); }</script>";
}

/// <summary>A display that updates in place during training (a kernel display handle; a no-op outside a kernel).</summary>
public sealed class LiveView
{
    readonly Action<object>? update;
    public IHtmlDisplay Current { get; private set; }
    public int Updates { get; private set; }

    internal LiveView(IHtmlDisplay initial)
    {
        Current = initial;
        update = Kernel.Display(initial);
    }

    public void Update(IHtmlDisplay content)
    {
        Current = content;
        Updates++;
        update?.Invoke(content);
    }
}
