using Xunit;

// Test classes run one after another: they share libtorch's global generator and the machine's two cores
// (two libtorch-heavy classes at once make both slow and timing-dependent tests flaky).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
