using System.Runtime.ExceptionServices;
using WganCourse.Runtime;

namespace WganCourse.Training;

/// <summary>
/// Independent training runs side by side: the toy models train on one libtorch thread (an op of a 128-unit MLP is
/// too small to split), so on a 2-core laptop one run leaves a core idle. <see cref="Map{TIn, TOut}"/> runs up to
/// one job per core, each on one libtorch thread. The numbers do not depend on how many run at once, as long as every
/// job draws its randomness from its own generators (seeds, data, z, and e.g. WGAN-GP's ε) and not from libtorch's
/// global one; a test checks side-by-side against one-at-a-time.
/// </summary>
public static class Concurrent
{
    /// <summary>Jobs that run at once by default: one per core, at most the number of jobs.</summary>
    public static int DefaultWorkers(int jobs) => Math.Max(1, Math.Min(Environment.ProcessorCount, jobs));

    /// <summary>
    /// <paramref name="run"/> applied to every item, up to <paramref name="workers"/> at a time (default: one per
    /// core), results in the items' order. Sets libtorch to one thread for the duration (restored after). The stop
    /// button reaches every job (the kernel's token flows into the workers); the first exception is rethrown as itself,
    /// e.g. "… stopped at step k of n", not wrapped in an AggregateException.
    /// </summary>
    public static List<TOut> Map<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> run, int? workers = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(run);
        int n = workers ?? DefaultWorkers(items.Count);
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(workers), n, "need at least one worker");
        var results = new TOut[items.Count];
        using var oneThread = Threads.Use(1);
        try
        {
            Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = n },
                i => results[i] = run(items[i]));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            var first = e.InnerExceptions.OfType<StoppedException>().FirstOrDefault() ?? e.InnerExceptions[0];
            ExceptionDispatchInfo.Capture(first).Throw();
        }
        return results.ToList();
    }
}
