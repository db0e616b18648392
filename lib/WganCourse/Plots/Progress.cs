using System.Net;

namespace WganCourse.Plots;

/// <summary>A progress line for live displays: step k of n, speed, time left.</summary>
public sealed record ProgressLine(int Step, int Total, double ElapsedSeconds, string? Extra = null) : IHtmlDisplay
{
    public double StepsPerSecond => ElapsedSeconds > 0 ? Step / ElapsedSeconds : 0;
    public double SecondsLeft => StepsPerSecond > 0 ? (Total - Step) / StepsPerSecond : double.NaN;

    public override string ToString() =>
        $"step {Step}/{Total} · {StepsPerSecond:0} steps/s · {ElapsedSeconds:0.0} s elapsed" +
        (double.IsFinite(SecondsLeft) ? $" · ~{SecondsLeft:0} s left" : "") + (Extra is null ? "" : " · " + Extra);

    public string ToHtml()
    {
        var pct = Total > 0 ? 100.0 * Step / Total : 0;
        return $"<div style=\"font-family:sans-serif;font-size:12px\"><div style=\"background:#eee;width:400px;height:8px\">" +
               $"<div style=\"background:#4a7;width:{pct:0.#}%;height:8px\"></div></div>{WebUtility.HtmlEncode(ToString())}</div>";
    }
}

/// <summary>Stacks displays vertically (e.g. a progress line above a live chart).</summary>
public sealed class Stack(params IHtmlDisplay[] items) : IHtmlDisplay
{
    public string ToHtml() => string.Concat(items.Select(i => "<div>" + i.ToHtml() + "</div>"));
}
