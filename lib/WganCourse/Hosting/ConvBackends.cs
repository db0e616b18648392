using System.Runtime.InteropServices;

namespace WganCourse.Hosting;

/// <summary>
/// libtorch's switches for its oneDNN (MKL-DNN) and NNPACK CPU kernels — <c>torch.backends.mkldnn.enabled</c> and
/// <c>torch.backends.nnpack</c> in Python, which TorchSharp 0.107 does not expose. The course turns both off:
/// <list type="bullet">
/// <item>libtorch 2.10's oneDNN convolution computes a wrong <em>input</em> gradient when the convolution has one input
/// channel and few output channels (the DCGAN discriminator's first layer at the course's widths, ndf 4–8): it differs
/// from the float64 result by as much as the gradient itself, and it reads memory it never wrote, so a process that has
/// used that memory before gets NaN (measured 2026-12-05; <c>ConvBackendsTests</c>). That gradient is what the
/// generator learns from and what WGAN-GP's penalty differentiates.</item>
/// <item>With oneDNN off, libtorch tries NNPACK first, which on CPUs it does not support prints a warning at every
/// convolution and on others would be a third, untested code path.</item>
/// </list>
/// With both off, every machine uses libtorch's own im2col + GEMM convolution, which agrees with float64 to 1e-6.
/// Linear layers never use either in float32, so the toy MLPs are unaffected.
/// <para>
/// The switches are members of libtorch's global <c>at::Context</c>, reached through its exported C++ symbols, whose
/// names differ by ABI (Itanium on Linux and macOS, MSVC on Windows); a test checks that all three pinned libtorch
/// packages export them.
/// </para>
/// </summary>
public static class ConvBackends
{
    /// <summary>WGAN_COURSE_ONEDNN=on keeps libtorch's oneDNN and NNPACK kernels (to measure the bug, or once libtorch
    /// fixes it).</summary>
    public const string Variable = "WGAN_COURSE_ONEDNN";

    /// <summary>The exported names of at::globalContext() and of Context's setter and getter of one switch
    /// ("Mkldnn" or "NNPACK") on one platform.</summary>
    public static (string GlobalContext, string Set, string Get) Symbols(string rid, string which)
    {
        if (which is not ("Mkldnn" or "NNPACK")) throw new ArgumentException($"unknown switch {which}", nameof(which));
        int n = "userEnabled".Length + which.Length;
        return rid switch
        {
            "win-x64" => ("?globalContext@at@@YAAEAVContext@1@XZ", $"?setUserEnabled{which}@Context@at@@QEAAX_N@Z",
                          $"?userEnabled{which}@Context@at@@QEBA_NXZ"),
            "linux-x64" or "osx-arm64" => ("_ZN2at13globalContextEv", $"_ZN2at7Context{n + 3}setUserEnabled{which}Eb",
                                           $"_ZNK2at7Context{n}userEnabled{which}Ev"),
            _ => throw new PlatformNotSupportedException($"no libtorch symbol names known for {rid}"),
        };
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate IntPtr GlobalContextFn();
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate void SetFn(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool value);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.I1)]
    delegate bool GetFn(IntPtr context);

    sealed record Switch(IntPtr Context, SetFn Set, GetFn Get)
    {
        public void Write(bool value)
        {
            Set(Context, value);
            if (Get(Context) != value)
                throw new InvalidOperationException($"libtorch did not accept enabled = {value}");
        }
    }

    static readonly object gate = new();
    static (Switch OneDnn, Switch Nnpack)? bound;

    /// <summary>Binds to the loaded libtorch (called by <see cref="NativeSetup.Ensure"/>) and applies the course's
    /// default: both off, unless <see cref="Variable"/> is "on". Returns what it did, for the set-up line.</summary>
    internal static string Bind(IntPtr libtorchCpu, string rid)
    {
        Switch Bind1(string which)
        {
            var (ctx, set, get) = Symbols(rid, which);
            var context = Marshal.GetDelegateForFunctionPointer<GlobalContextFn>(NativeLibrary.GetExport(libtorchCpu, ctx))();
            return new Switch(context, Marshal.GetDelegateForFunctionPointer<SetFn>(NativeLibrary.GetExport(libtorchCpu, set)),
                              Marshal.GetDelegateForFunctionPointer<GetFn>(NativeLibrary.GetExport(libtorchCpu, get)));
        }
        (Switch, Switch) b;
        try { b = (Bind1("Mkldnn"), Bind1("NNPACK")); }
        catch (EntryPointNotFoundException e)
        {
            // another libtorch than the pinned one: run, but say what is not guarded
            return $"oneDNN switch not found in this libtorch ({e.Message}): DCGAN gradients at one-channel layers " +
                   "may be wrong; use the pinned TorchSharp/libtorch (Directory.Packages.props)";
        }
        lock (gate) bound = b;
        var keep = string.Equals(Environment.GetEnvironmentVariable(Variable)?.Trim(), "on", StringComparison.OrdinalIgnoreCase);
        b.Item1.Write(keep); // not through the properties: they call NativeSetup.Ensure, which is running
        b.Item2.Write(keep);
        return keep ? $"oneDNN/NNPACK convolutions on ({Variable}=on)" : "oneDNN convolutions off";
    }

    /// <summary>libtorch's oneDNN switch (<c>torch.backends.mkldnn.enabled</c>) in this process.</summary>
    public static bool OneDnn
    {
        get { var s = Bound().OneDnn; return s.Get(s.Context); }
        set => Bound().OneDnn.Write(value);
    }

    /// <summary>libtorch's NNPACK switch in this process.</summary>
    public static bool Nnpack
    {
        get { var s = Bound().Nnpack; return s.Get(s.Context); }
        set => Bound().Nnpack.Write(value);
    }

    /// <summary><c>using (ConvBackends.Use(oneDnn: true)) { ... }</c>: the block runs with oneDNN set as given (NNPACK
    /// stays off), then the previous settings are restored.</summary>
    public static IDisposable Use(bool oneDnn)
    {
        var before = (OneDnn, Nnpack);
        OneDnn = oneDnn;
        Nnpack = false;
        return new Restore(before.OneDnn, before.Nnpack);
    }

    sealed class Restore(bool oneDnn, bool nnpack) : IDisposable
    {
        public void Dispose() { OneDnn = oneDnn; Nnpack = nnpack; }
    }

    static (Switch OneDnn, Switch Nnpack) Bound()
    {
        NativeSetup.Ensure();
        lock (gate)
            return bound ?? throw new InvalidOperationException("libtorch's backend switches are not bound (NativeSetup did not run)");
    }
}
