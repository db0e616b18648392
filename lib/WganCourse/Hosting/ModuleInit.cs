using System.Runtime.CompilerServices;
using WganCourse.Runtime;

namespace WganCourse.Hosting;

static class ModuleInit
{
    /// <summary>Any use of the library first bridges FSharp.Core (for Plotly.NET in the kernel) and loads
    /// TorchSharp's natives; a native failure is kept for <see cref="Course.Setup"/> to report.</summary>
#pragma warning disable CA2255 // the library must fix loading before any TorchSharp or Plotly call
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Init()
    {
        Kernel.BridgeFSharpCore();
        try { NativeSetup.Ensure(); }
        catch (Exception e) { Course.NativeError = e; }
    }
}
