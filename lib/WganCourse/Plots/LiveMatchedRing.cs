using System.Diagnostics;
using WganCourse.Training;

namespace WganCourse.Plots;

/// <summary>A progress line for <see cref="MatchedRing.Run"/>: which objective trains, its step,
/// speed and time left. Pass <see cref="AfterStep"/> as <see
/// cref="MatchedRingOptions.AfterStep"/>.</summary>
public sealed class LiveMatchedRing
{
    readonly LiveView view;
    readonly Stopwatch clock = new();
    readonly int steps, every;
    readonly IReadOnlyList<RingObjective> objectives;
    RingObjective? current;

    /// <summary>Starts the display; it updates every <paramref name="every"/> generator
    /// steps.</summary>
    public LiveMatchedRing(IReadOnlyList<RingObjective> objectives, int steps, int every = 100)
    {
        (this.objectives, this.steps, this.every) = (objectives, steps, Math.Max(1, every));
        view = Notebook.Live(new ProgressLine(0, steps, 0, "starting…"));
    }

    /// <summary>What the display shows now (a no-op display outside a kernel keeps it
    /// too).</summary>
    public IHtmlDisplay Current => view.Current;

    /// <summary>Updates of the display so far.</summary>
    public int Updates => view.Updates;

    /// <summary>Pass as <see cref="MatchedRing.Run"/>'s afterRun: says for each objective whether its
    /// rows were trained or read from the store (a read row has no steps to show).</summary>
    public void AfterRun(IReadOnlyList<MatchedRingRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) return;
        var row = rows[^1];
        int index = objectives.TakeWhile(o => o != row.Objective).Count() + 1;
        bool read = row.Provenance.StartsWith("read from", StringComparison.Ordinal);
        view.Update(new ProgressLine(steps, steps, read ? 0 : clock.Elapsed.TotalSeconds,
            $"{row.Name} ({index} of {objectives.Count}) " +
            (read ? "read from the store" : "trained") +
            (index == objectives.Count ? ": all rows ready" : "")));
    }

    public void AfterStep(RingObjective which, int step)
    {
        if (current != which) // the next objective starts: its own clock
        {
            current = which;
            clock.Restart();
        }
        if (step % every != 0 && step != steps) return;
        int index = objectives.TakeWhile(o => o != which).Count() + 1;
        view.Update(new ProgressLine(step, steps, clock.Elapsed.TotalSeconds,
            $"{MatchedRing.Label(which)} ({index} of {objectives.Count}), all seeds at once"));
    }
}
