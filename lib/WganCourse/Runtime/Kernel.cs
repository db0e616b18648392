using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace WganCourse.Runtime;

/// <summary>
/// The glue to the .NET Interactive kernel, by reflection so the library needs no compile-time reference to the
/// kernel's assemblies (their versions differ between the VS Code extension, the dotnet-interactive tool and tests).
/// Outside a kernel every member is a harmless no-op.
/// </summary>
public static class Kernel
{
    static Assembly? Find(string name) => AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == name);

    /// <summary>True when running inside a .NET Interactive kernel.</summary>
    public static bool IsInteractive => Find("Microsoft.DotNet.Interactive") is not null;

    /// <summary>Registers an HTML formatter for a type: the notebook then shows values of it as HTML.</summary>
    public static bool RegisterHtml(Type type, Func<object, string> toHtml)
    {
        var formatter = Find("Microsoft.DotNet.Interactive.Formatting")?.GetType("Microsoft.DotNet.Interactive.Formatting.Formatter");
        var register = formatter?.GetMethod("Register", new[] { typeof(Type), typeof(Action<object, TextWriter>), typeof(string) });
        if (register is null) return false;
        register.Invoke(null, new object[] { type, new Action<object, TextWriter>((o, w) => w.Write(toHtml(o))), "text/html" });
        return true;
    }

    /// <summary>Displays a value now and returns a handle whose Update replaces it in place (null outside a kernel).</summary>
    public static Action<object>? Display(object value)
    {
        var core = Find("Microsoft.DotNet.Interactive");
        var ctx = core?.GetType("Microsoft.DotNet.Interactive.KernelInvocationContext")?.GetProperty("Current")?.GetValue(null);
        var display = core?.GetType("Microsoft.DotNet.Interactive.KernelInvocationContextExtensions")
            ?.GetMethod("Display", new[] { ctx?.GetType() ?? typeof(object), typeof(object), typeof(string[]) });
        if (ctx is null || display is null) return null;
        var shown = display.Invoke(null, new[] { ctx, value, new[] { "text/html" } });
        var update = shown?.GetType().GetMethod("Update", new[] { typeof(object) });
        return update is null ? null : v => update.Invoke(shown, new[] { v });
    }

    /// <summary>
    /// Plotly.NET 6.0.0 was built against FSharp.Core 10.1 while the kernels load FSharp.Core 10.0: hand the loaded
    /// FSharp.Core to requests for another version. A no-op where no FSharp.Core is loaded yet (apps, tests).
    /// </summary>
    internal static void BridgeFSharpCore()
    {
        Assembly? Resolve(AssemblyName name) =>
            name.Name == "FSharp.Core" ? Find("FSharp.Core") : null;
        AssemblyLoadContext.Default.Resolving += (_, name) => Resolve(name);
        AppDomain.CurrentDomain.AssemblyResolve += (_, e) => Resolve(new AssemblyName(e.Name));
    }
    static object? interruptTarget;
    static PosixSignalRegistration? ownSigint;

    /// <summary>
    /// Jupyter interrupts this kernel with SIGINT (its kernelspec has no interrupt_mode), which the kernel's host
    /// takes as "shut down": the kernel died and every variable was lost. Inside a kernel this turns SIGINT into the
    /// stop button (a Cancel command to the root kernel, what VS Code sends), so training loops stop at the next step
    /// and the kernel lives on. Jupyter's message-mode interrupt is no help: this kernel version ignores it while a
    /// cell runs. Returns what was done (null outside a kernel or on Windows, where Jupyter cannot signal it).
    /// </summary>
    internal static string? CatchInterrupt()
    {
        if (OperatingSystem.IsWindows() || OperatingSystem.IsBrowser()) return null;
        var core = Find("Microsoft.DotNet.Interactive");
        var ctx = core?.GetType("Microsoft.DotNet.Interactive.KernelInvocationContext")?.GetProperty("Current")?.GetValue(null);
        var handling = ctx?.GetType().GetProperty("HandlingKernel")?.GetValue(ctx);
        var root = handling?.GetType().GetProperty("RootKernel")?.GetValue(handling) ?? handling;
        if (root is null) return null;
        var first = Interlocked.Exchange(ref interruptTarget, root) is null;
        if (!first) return "Jupyter's interrupt stops the running cell";
        Action<PosixSignalContext> onInterrupt = c => { c.Cancel = true; SendCancel(); };
        // the host's own SIGINT handler would stop the kernel: give its registration our handler instead
        var replaced = false;
        var table = typeof(PosixSignalRegistration).GetField("s_registrations", BindingFlags.Static | BindingFlags.NonPublic)
            ?.GetValue(null) as System.Collections.IDictionary;
        if (table is not null)
            lock (table)
                foreach (System.Collections.IEnumerable list in table.Values)
                    foreach (var token in list)
                    {
                        var handler = token.GetType().GetField("<Handler>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic);
                        var signal = token.GetType().GetProperty("Signal")?.GetValue(token);
                        if (handler?.GetValue(token) is Delegate d && signal is PosixSignal.SIGINT &&
                            d.Target?.GetType().Name == "ConsoleLifetime")
                        {
                            handler.SetValue(token, onInterrupt);
                            replaced = true;
                        }
                    }
        if (!replaced) ownSigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, onInterrupt);
        return "Jupyter's interrupt stops the running cell";
    }

    /// <summary>Cancels the running cell as VS Code's stop button does (a Cancel command to the root kernel).</summary>
    static void SendCancel()
    {
        var root = interruptTarget;
        var cancel = Find("Microsoft.DotNet.Interactive")?.GetType("Microsoft.DotNet.Interactive.Commands.Cancel");
        var send = root?.GetType().GetMethod("SendAsync", new[] { cancel?.BaseType ?? typeof(object), typeof(CancellationToken) });
        if (root is null || cancel is null || send is null) return;
        var command = Activator.CreateInstance(cancel, new object?[] { null });
        try { send.Invoke(root, new[] { command, CancellationToken.None }); }
        catch (TargetInvocationException) { } // a failed cancel must not take the kernel down
    }
}
