using TorchSharp;

namespace WganCourse.Runtime;

/// <summary>
/// libtorch's intra-op thread count, set for a block of code and restored after it.
/// <para>
/// Why the course cares: the toy models (2-D MLPs with 128 units, batch 256) are so small that every libtorch call
/// finishes in microseconds, and splitting such a call over threads costs more than it saves; on a loaded machine a
/// second thread that has to wait for a free core makes every call wait with it (measured on the course's 2-core
/// machine: see docs/PERFORMANCE.md). The DCGAN's convolutions, on the other hand, are large enough to use every
/// core. Hence <see cref="ForToyModels"/> for toy training and the machine's default for the image models.
/// </para>
/// Thread count changes the order of floating-point sums inside libtorch, so results are bit-identical only for the
/// same seed, the same thread count and the same CPU (libtorch promises nothing across thread counts or instruction
/// sets); a notebook that uses <see cref="ForToyModels"/> gets the same numbers every time on one machine, and its
/// claims are designed to hold over the seeds on any machine.
/// </summary>
public static class Threads
{
    /// <summary>Threads for the toy MLPs: 1, unless the user chose a count with WGAN_COURSE_THREADS (which then wins).</summary>
    public static int ToyModelThreads => FromEnvironment() ?? 1;

    /// <summary>libtorch's current intra-op thread count.</summary>
    public static int Current => torch.get_num_threads();

    /// <summary>Runs the block that follows with <paramref name="threads"/> libtorch threads and restores the previous
    /// count when disposed: <c>using (Threads.Use(1)) { ... }</c>.</summary>
    public static IDisposable Use(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "thread count must be ≥ 1");
        int before = torch.get_num_threads();
        torch.set_num_threads(threads);
        return new Restore(before);
    }

    /// <summary><c>using (Threads.ForToyModels()) { Trainer.Run(...); }</c>: the toy MLPs on <see cref="ToyModelThreads"/> threads.</summary>
    public static IDisposable ForToyModels() => Use(ToyModelThreads);

    static int? FromEnvironment()
    {
        var v = Environment.GetEnvironmentVariable(Course.ThreadsVariable);
        return int.TryParse(v, out var n) && n >= 1 ? n : null;
    }

    sealed class Restore(int threads) : IDisposable
    {
        bool done;
        public void Dispose()
        {
            if (done) return;
            done = true;
            torch.set_num_threads(threads);
        }
    }
}
