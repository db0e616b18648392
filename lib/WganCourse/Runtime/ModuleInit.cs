using System.Runtime.CompilerServices;

namespace WganCourse.Runtime;

static class ModuleInit
{
    /// <summary>Any use of the library loads TorchSharp's natives first; a failure is kept for <see cref="Course.Setup"/> to report.</summary>
#pragma warning disable CA2255 // the library must fix native loading before any TorchSharp call
    [ModuleInitializer]
    internal static void Init()
    {
        try { NativeSetup.Ensure(); }
        catch (Exception e) { Course.NativeError = e; }
    }
}
