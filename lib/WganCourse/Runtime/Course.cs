using TorchSharp;
using WganCourse.Hosting;

namespace WganCourse.Runtime;

/// <summary>Device choice: CUDA when present, CPU otherwise; WGAN_COURSE_DEVICE=cpu|cuda overrides.</summary>
public static class Devices
{
    public const string Variable = "WGAN_COURSE_DEVICE";

    public static torch.Device Current => current ??= Select(Environment.GetEnvironmentVariable(Variable));
    static torch.Device? current;

    public static torch.Device Select(string? requested)
    {
        NativeSetup.Ensure();
        switch ((requested ?? "").Trim().ToLowerInvariant())
        {
            case "" or "auto":
                return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
            case "cpu":
                return torch.CPU;
            case "cuda":
                if (!torch.cuda.is_available())
                    throw new InvalidOperationException(
                        $"{Variable}=cuda but CUDA is not available: this build uses the CPU libtorch. " +
                        "Build with -p:TorchBackend=cuda on a machine with an NVIDIA GPU (see README, 'GPU'), or unset the variable.");
                return torch.CUDA;
            default:
                throw new ArgumentException($"{Variable}='{requested}' is not a device; use cpu, cuda or auto.");
        }
    }
}

/// <summary>One seed for everything random: libtorch's generator, and the generators samplers create from it.</summary>
public static class Seeds
{
    public const int Default = 20140610; // the GAN paper's arXiv date

    /// <summary>Seeds libtorch's global generator (CPU and CUDA).</summary>
    public static void Set(int seed = Default)
    {
        torch.manual_seed(seed);
        if (torch.cuda.is_available()) torch.cuda.manual_seed_all(seed);
    }

    /// <summary>A private CPU generator: sampling with it does not disturb the global stream.</summary>
    public static torch.Generator Generator(int seed) => new torch.Generator((ulong)seed, torch.CPU);
}

/// <summary>The shared setup every notebook (and app) runs first.</summary>
public static class Course
{
    public const string ThreadsVariable = "WGAN_COURSE_THREADS";
    internal static Exception? NativeError;

    /// <summary>
    /// Loads the natives, selects device and threads, seeds, and returns a one-line report
    /// (versions, device, threads, profile) for the notebook to show.
    /// </summary>
    public static string Setup(int seed = Seeds.Default)
    {
        var native = NativeSetup.Ensure(); // rethrows a load failure with its message
        var threads = Environment.GetEnvironmentVariable(ThreadsVariable);
        if (!string.IsNullOrWhiteSpace(threads))
        {
            if (!int.TryParse(threads, out var n) || n < 1)
                throw new ArgumentException($"{ThreadsVariable}='{threads}' must be a positive integer.");
            torch.set_num_threads(n);
        }
        Seeds.Set(seed);
        var device = Devices.Current;
        return $"WganCourse {typeof(Course).Assembly.GetName().Version?.ToString(3)} · TorchSharp {typeof(torch).Assembly.GetName().Version?.ToString(3)} " +
               $"· libtorch {NativeSetup.LibTorchVersion} · device {device.type.ToString().ToLowerInvariant()} · threads {torch.get_num_threads()} " +
               $"· profile {Profile.Describe()} · seed {seed}" + (native.PatchNeeded ? " · native fix applied (GLIBCXX weakened)" : "");
    }

    /// <summary>What the native setup did, for the curious (and for bug reports).</summary>
    public static NativeReport Native => NativeSetup.Ensure();
}
