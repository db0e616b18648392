using WganCourse.Runner.Execution;
using Xunit;

namespace WganCourse.Tests.Notebooks;

/// <summary>`reproduce` runs a notebook once more only for TorchSharp's Scalar race, never for a notebook's own
/// error.</summary>
public class ScalarRaceTests
{
    // the cell error of the clean-clone CI of 2026-12-06 (notebook 07, cell 34, block 1 under AVX2)
    const string Seen = "Error: System.Runtime.InteropServices.ExternalException (0x80004005): Expected false to be " +
        "true, but got false.  (Could this error message be improved?  If so, please report an enhancement request " +
        "to PyTorch.) \nException raised from toFloat at /pytorch/c10/core/Scalar.h:140 (most recent call first):\n" +
        "frame #0: c10::Error::Error(...)";

    [Fact]
    public void The_race_is_recognised_by_where_libtorch_threw()
    {
        Assert.True(ScalarRace.Matches(Seen));
        Assert.True(ScalarRace.Matches("System.Runtime.InteropServices.ExternalException: Unknown scalar type"));
        Assert.Equal("Exception raised from toFloat at /pytorch/c10/core/Scalar.h:140 (most recent call first):",
                     ScalarRace.Describe(Seen));
    }

    [Fact]
    public void A_notebooks_own_errors_are_not_the_race()
    {
        Assert.False(ScalarRace.Matches(null));
        Assert.False(ScalarRace.Matches("System.NotImplementedException: The method or operation is not implemented."));
        Assert.False(ScalarRace.Matches("ExternalException: Expected all tensors to be on the same device, but found " +
            "at least two devices, cuda:0 and cpu!\nException raised from compute_types at /pytorch/aten/src/ATen/" +
            "TensorIterator.cpp:1234"));
        Assert.False(ScalarRace.Matches("Exception raised from TensorImpl at /pytorch/c10/core/TensorImpl.h:12"));
        Assert.False(ScalarRace.Matches("Training diverged at step 3: the critic loss is NaN"));
    }
}
