using TorchSharp;
using TorchSharp.Modules;
using WganCourse.Exercises;
using WganCourse.Metrics;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;
using static WganCourse.Tests.Exercises.ExerciseAssert;

namespace WganCourse.Tests.Exercises;

public class Ex05Tests
{
    public Ex05Tests() => Course.Setup();

    // ---- 05.dcgan-init ----

    internal static Action<nn.Module> Init(double convStd = 0.02, double bnMean = 1, double bnStd = 0.02, bool transposed = true, bool zeroBias = true, bool uniform = false) => module =>
    {
        using var _ = no_grad();
        foreach (var m in module.modules())
        {
            switch (m)
            {
                case ConvTranspose2d t when !transposed: break;
                case Convolution c:
                    if (uniform) c.weight!.uniform_(-convStd * Math.Sqrt(3), convStd * Math.Sqrt(3)); else c.weight!.normal_(0, convStd);
                    if (zeroBias) c.bias?.zero_();
                    break;
                case Linear l:
                    l.weight!.normal_(0, convStd);
                    if (zeroBias) l.bias?.zero_();
                    break;
                case BatchNorm2d b:
                    if (bnStd == 0) b.weight!.fill_(bnMean); else b.weight!.normal_(bnMean, bnStd);
                    b.bias!.zero_();
                    break;
            }
        }
    };

    [Fact]
    public void Dcgan_init_the_library_initialiser_passes_too()
    {
        var r = Ex05.DcganInit(m => WganCourse.Models.WeightInit.Dcgan(m, Seeds.Generator(3)));
        Assert.True(r.Passed, r.Message);
    }

    [Fact]
    public void Dcgan_init_typical_mistakes_get_their_hints()
    {
        Fails(Ex05.DcganInit(Init(convStd: Math.Sqrt(0.02))), "as the variance");
        Fails(Ex05.DcganInit(Init(bnMean: 0)), "centred on 0");
        Fails(Ex05.DcganInit(Init(bnStd: 0)), "exactly the same value");
        Fails(Ex05.DcganInit(Init(transposed: false)), "ConvTranspose2d weights");
        Fails(Ex05.DcganInit(Init(zeroBias: false)), "not every bias is 0");
        Fails(Ex05.DcganInit(Init(uniform: true)), "not normally distributed");
        var r = Ex05.DcganInit(Init(convStd: 0.2));
        Fails(r, "the paper's is 0.02");
    }

    // ---- 05.frechet-1d ----

    [Fact]
    public void Frechet_1d_reference_solution_passes_and_agrees_with_the_library()
    {
        double F(double m1, double s1, double m2, double s2) => (m1 - m2) * (m1 - m2) + (s1 - s2) * (s1 - s2);
        Assert.True(Ex05.Frechet1D(F).Passed);
        // the general formula (Frechet.Distance) on 1×1 covariances gives the same number
        double general = Frechet.Distance(tensor(new[] { -2.0 }), tensor(new[,] { { 0.09 } }), tensor(new[] { 1.5 }), tensor(new[,] { { 2.89 } }));
        Assert.Equal(F(-2, 0.3, 1.5, 1.7), general, 9);
    }

    [Fact]
    public void Frechet_1d_typical_mistakes_get_their_hints()
    {
        Fails(Ex05.Frechet1D((m1, s1, m2, s2) => Math.Sqrt((m1 - m2) * (m1 - m2) + (s1 - s2) * (s1 - s2))), "squared distance");
        Fails(Ex05.Frechet1D((m1, s1, m2, s2) => Math.Abs(m1 - m2) + (s1 - s2) * (s1 - s2)), "mean term");
        Fails(Ex05.Frechet1D((m1, s1, m2, s2) => (m1 - m2) * (m1 - m2) + s1 * s1 + s2 * s2), "cross term");
        Fails(Ex05.Frechet1D((m1, s1, m2, s2) => (m1 - m2) * (m1 - m2) + (s1 * s1 - s2 * s2) * (s1 * s1 - s2 * s2)), "compared the variances");
    }
}
