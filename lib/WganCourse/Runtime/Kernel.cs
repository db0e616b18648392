using System.Reflection;
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
}
