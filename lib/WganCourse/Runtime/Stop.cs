using System.Reflection;

namespace WganCourse.Runtime;

/// <summary>
/// The stop button. Long loops call <see cref="ThrowIfRequested"/> between completed steps: inside a .NET Interactive
/// kernel it observes the running cell's cancellation (VS Code's stop button, Jupyter's interrupt, a stdio
/// <c>Cancel</c> command) through the current <c>KernelInvocationContext</c>'s token, found by reflection as
/// <see cref="Kernel"/> finds the kernel, so the library needs no kernel and works the same without one. Apps and tests
/// can add their own token with <see cref="Use"/> (e.g. Ctrl+C in a console app).
/// </summary>
public static class Stop
{
    static readonly AsyncLocal<CancellationToken?> own = new();
    static PropertyInfo? current, token;
    static long nextLookup;

    /// <summary>The token a loop should observe now: the one given to <see cref="Use"/>, else the running kernel cell's,
    /// else <see cref="CancellationToken.None"/>.</summary>
    public static CancellationToken Token => own.Value ?? KernelToken();

    /// <summary>True once the user asked the running cell (or the token given to <see cref="Use"/>) to stop.</summary>
    public static bool IsRequested => Token.IsCancellationRequested;

    /// <summary>Observes <paramref name="token"/> in this async flow until the returned handle is disposed (nested
    /// uses restore the outer token). For apps and tests; notebooks need nothing: the kernel's token is found.</summary>
    public static IDisposable Use(CancellationToken token)
    {
        var previous = own.Value;
        own.Value = token;
        return new Restore(() => own.Value = previous);
    }

    /// <summary>Throws <see cref="StoppedException"/> ("{what} stopped at step {done} of {total}") when a stop was
    /// requested. Call it between completed steps, so that everything the loop updates is left at step
    /// <paramref name="done"/>.</summary>
    public static void ThrowIfRequested(string what, int done, int total, object? partial = null)
    {
        if (Token.IsCancellationRequested) throw new StoppedException(what, done, total, partial, Token);
    }

    static CancellationToken KernelToken()
    {
        if (current is null)
        {
            // the kernel's assembly is loaded before any cell runs; outside a kernel look again at most once a second
            var now = Environment.TickCount64;
            if (now < Volatile.Read(ref nextLookup)) return CancellationToken.None;
            var type = AppDomain.CurrentDomain.GetAssemblies()
                .FirstOrDefault(a => a.GetName().Name == "Microsoft.DotNet.Interactive")
                ?.GetType("Microsoft.DotNet.Interactive.KernelInvocationContext");
            var c = type?.GetProperty("Current", BindingFlags.Public | BindingFlags.Static);
            var t = type?.GetProperty("CancellationToken", BindingFlags.Public | BindingFlags.Instance);
            if (c is null || t is null || t.PropertyType != typeof(CancellationToken))
            {
                Volatile.Write(ref nextLookup, now + 1000);
                return CancellationToken.None;
            }
            token = t;
            current = c;
        }
        var ctx = current.GetValue(null);
        return ctx is null ? CancellationToken.None : (CancellationToken)token!.GetValue(ctx)!;
    }

    sealed class Restore(Action undo) : IDisposable
    {
        bool done;
        public void Dispose() { if (!done) { done = true; undo(); } }
    }
}

/// <summary>A long loop was stopped (stop button, interrupt, or a token given to <see cref="Stop.Use"/>) after
/// <see cref="Step"/> of <see cref="Total"/> completed steps. What the loop updates (models, optimizers) is left as it
/// was after step <see cref="Step"/>; <see cref="Partial"/> holds what the loop had produced, when it has something.</summary>
public sealed class StoppedException : OperationCanceledException
{
    public string What { get; }
    public int Step { get; }
    public int Total { get; }
    /// <summary>The loop's partial result (e.g. a <c>TrainResult</c> up to <see cref="Step"/>), or null.</summary>
    public object? Partial { get; }

    public StoppedException(string what, int step, int total, object? partial = null, CancellationToken token = default)
        : base($"{what} stopped at step {step} of {total} (stop requested). Everything it trains is left as it was after " +
               $"step {step}; run the cell again to start over, no kernel restart needed.", token)
        => (What, Step, Total, Partial) = (what, step, total, partial);
}
