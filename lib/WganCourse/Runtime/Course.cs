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
                        "Build with -p:TorchBackend=cuda on a machine with an NVIDIA GPU (see docs/NATIVES.md, 'GPU'), or unset the variable.");
                return torch.CUDA;
            default:
                throw new ArgumentException($"{Variable}='{requested}' is not a device; use cpu, cuda or auto.");
        }
    }
}

/// <summary>One seed for everything random: libtorch's generator, and the generators samplers create from it.</summary>
/// <remarks>Every seed of the course passes through <see cref="Set"/> or <see cref="Generator"/>, so a seed block
/// (WGAN_COURSE_SEED_BLOCK, <c>reproduce --seed-block K</c>) moves every seeded experiment to other draws at once:
/// block 0 is the seeds as written; block K ≥ 1 maps each written seed s to a hash of (s, K). A claim tuned to one
/// block's draws fails on another, which is what held-out blocks are for.</remarks>
public static class Seeds
{
    public const int Default = 20140610; // the GAN paper's arXiv date
    public const string BlockVariable = "WGAN_COURSE_SEED_BLOCK";

    /// <summary>The seed block of this run: 0 (the seeds as written) unless WGAN_COURSE_SEED_BLOCK says otherwise.</summary>
    public static int Block => ParseBlock(Environment.GetEnvironmentVariable(BlockVariable));

    public static int ParseBlock(string? v) =>
        string.IsNullOrWhiteSpace(v) ? 0 : int.TryParse(v, out var k) && k >= 0 ? k
        : throw new ArgumentException($"{BlockVariable}='{v}' must be a whole number ≥ 0 (0: the seeds as written).");

    /// <summary>The seed libtorch gets for a written seed: itself in block 0; in block K a 32-bit hash of (seed, K)
    /// (libtorch's CPU generator reads only the low 32 bits, so the hash must change them).</summary>
    public static long Effective(int seed) => Effective(seed, Block);

    public static long Effective(int seed, int block)
    {
        if (block == 0) return seed;
        ulong x = (uint)seed | (ulong)(uint)block << 32;
        x += 0x9E3779B97F4A7C15UL; // splitmix64's finaliser
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (long)(x & 0x7FFFFFFF); // non-negative, so block 0's reading of a seed as a ulong is the same here
    }

    /// <summary>Seeds libtorch's global generator (CPU and CUDA).</summary>
    public static void Set(int seed = Default)
    {
        var s = Effective(seed);
        torch.manual_seed(s);
        if (torch.cuda.is_available()) torch.cuda.manual_seed_all(s);
    }

    /// <summary>A private CPU generator: sampling with it does not disturb the global stream.</summary>
    public static torch.Generator Generator(int seed) => new torch.Generator((ulong)Effective(seed), torch.CPU);
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
               $"· profile {Profile.Describe()} · seed {seed}" +
               (Seeds.Block == 0 ? "" : $" · seed block {Seeds.Block} (every seed moved)") + $" · {native.OneDnn}" +
               (native.PatchNeeded ? " · native fix applied (GLIBCXX weakened)" : "");
    }

    /// <summary>What the native setup did, for the curious (and for bug reports).</summary>
    public static NativeReport Native => NativeSetup.Ensure();
}
