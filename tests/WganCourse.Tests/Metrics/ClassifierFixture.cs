using WganCourse.Data;
using WganCourse.Metrics;
using WganCourse.Runtime;
using Xunit;

namespace WganCourse.Tests.Metrics;

/// <summary>One small-budget digit classifier, trained once for all the tests that need one.</summary>
public sealed class ClassifierFixture : IDisposable
{
    public const int Steps = 250;
    public ImageSet Digits { get; }
    public ImageSet Train { get; }
    public ImageSet HeldOut { get; }
    public DigitClassifier Classifier { get; }

    public ClassifierFixture()
    {
        Course.Setup();
        Digits = WganCourse.Data.Digits.Load(Path.Combine(TestPaths.Repo, "data"));
        (Train, HeldOut) = DigitClassifier.CourseSplit(Digits);
        Classifier = DigitClassifier.Train(Train, HeldOut, Steps, batch: 64, seed: 1, device: TorchSharp.torch.CPU);
    }

    public void Dispose() { Classifier.Dispose(); Train.Dispose(); HeldOut.Dispose(); Digits.Dispose(); }
}

[CollectionDefinition(Name)]
public sealed class ClassifierCollection : ICollectionFixture<ClassifierFixture> { public const string Name = "trained digit classifier"; }
