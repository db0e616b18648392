using TorchSharp;
using WganCourse.Metrics;
using WganCourse.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace WganCourse.Tests.Metrics;

[Collection(ClassifierCollection.Name)]
public class DigitClassifierTests(ClassifierFixture fixture)
{
    readonly DigitClassifier clf = fixture.Classifier;

    [Fact]
    public void Learns_the_digits_far_above_chance_on_a_small_budget()
    {
        Assert.Equal("trained", clf.Provenance);
        Assert.Equal(ClassifierFixture.Steps, clf.Steps);
        Assert.True(clf.HeldOutAccuracy > 0.90, $"held-out accuracy {clf.HeldOutAccuracy:P2} after {ClassifierFixture.Steps} steps, expected > 90 % (chance 10 %)");
        Assert.Equal(clf.HeldOutAccuracy, clf.Accuracy(fixture.HeldOut), 12);
        using var untrained = new DigitClassifier(seed: 1, device: CPU);
        Assert.InRange(untrained.Accuracy(fixture.HeldOut), 0.0, 0.3);
    }

    [Fact]
    public void The_course_split_is_fixed_80_20_and_covers_every_digit()
    {
        var (a, b) = DigitClassifier.CourseSplit(fixture.Digits);
        using (a) using (b)
        {
            Assert.Equal(8000, a.Count);
            Assert.Equal(2000, b.Count);
            Assert.True(b.Labels.eq(fixture.HeldOut.Labels).all().item<bool>());
            Assert.True(b.Images.eq(fixture.HeldOut.Images).all().item<bool>());
            Assert.Equal(fixture.Digits.ClassCounts(), a.ClassCounts().Zip(b.ClassCounts(), (x, y) => x + y).ToArray());
        }
    }

    [Fact]
    public void Features_are_the_non_negative_penultimate_layer_deterministic_and_leave_the_mode_alone()
    {
        var x = fixture.HeldOut.Images[..300];
        clf.train();
        try
        {
            var f1 = clf.Features(x, batch: 128);  // three chunks
            var f2 = clf.Features(x);
            Assert.True(clf.training);
            Assert.Equal(new long[] { 300, DigitClassifier.FeatureDim }, f1.shape);
            Assert.True(f1.min().item<float>() >= 0f);                     // after the ReLU
            Assert.True(f1.allclose(f2, rtol: 1e-5, atol: 1e-6));          // eval mode inside: no batch dependence
            Assert.Equal(new long[] { 300, 10 }, clf.Logits(x).shape);
            Assert.True(clf.Predict(x).eq(clf.Logits(x).argmax(1)).all().item<bool>());
        }
        finally { clf.eval(); }
        Assert.Contains("expects images of shape [N, 1, 28, 28] or [N, 784], got [3, 28, 28]",
                        Assert.Throws<ArgumentException>(() => clf.Features(zeros(3, 28, 28))).Message);
        Assert.Contains("one label per image", Assert.Throws<ArgumentException>(() => clf.Accuracy(x, fixture.HeldOut.Labels)).Message);
    }

    [Fact]
    public void Same_seed_trains_the_same_classifier()
    {
        using var a = DigitClassifier.Train(fixture.Train, fixture.HeldOut, steps: 15, seed: 4, device: CPU);
        using var b = DigitClassifier.Train(fixture.Train, fixture.HeldOut, steps: 15, seed: 4, device: CPU);
        using var c = DigitClassifier.Train(fixture.Train, fixture.HeldOut, steps: 15, seed: 5, device: CPU);
        var x = fixture.HeldOut.Images[..50];
        Assert.True(a.Logits(x).eq(b.Logits(x)).all().item<bool>());
        Assert.False(a.Logits(x).allclose(c.Logits(x)));
    }

    [Fact]
    public void The_cache_is_used_when_it_verifies_and_retrained_when_it_does_not()
    {
        var dir = Directory.CreateTempSubdirectory("clf-cache-").FullName;
        try
        {
            using var first = DigitClassifier.ForCourse(seed: 2, steps: 12, digits: fixture.Digits, cacheDir: dir, device: CPU);
            Assert.Equal("trained", first.Provenance);
            var weights = Directory.GetFiles(dir, "*.bin").Single();
            Assert.Contains("seed2-steps12-batch64", weights);
            var sidecar = Path.ChangeExtension(weights, ".json");

            using var second = DigitClassifier.ForCourse(seed: 2, steps: 12, digits: fixture.Digits, cacheDir: dir, device: CPU);
            Assert.Equal("loaded from cache", second.Provenance);
            Assert.Equal(0, second.TrainingSeconds);
            Assert.Equal(first.HeldOutAccuracy, second.HeldOutAccuracy, 12);
            var x = fixture.HeldOut.Images[..20];
            Assert.True(first.Logits(x).eq(second.Logits(x)).all().item<bool>());

            var bytes = File.ReadAllBytes(weights);
            bytes[^5] ^= 0x55;
            File.WriteAllBytes(weights, bytes);
            using var third = DigitClassifier.ForCourse(seed: 2, steps: 12, digits: fixture.Digits, cacheDir: dir, device: CPU);
            Assert.StartsWith("cache mismatch: retrained (checksum of", third.Provenance);
            Assert.True(first.Logits(x).eq(third.Logits(x)).all().item<bool>()); // retrained from the same seed

            var json = File.ReadAllText(sidecar);
            var recorded = System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("HeldOutAccuracy").GetDouble();
            File.WriteAllText(sidecar, json.Replace(recorded.ToString("R", System.Globalization.CultureInfo.InvariantCulture), "0.5"));
            using var fourth = DigitClassifier.ForCourse(seed: 2, steps: 12, digits: fixture.Digits, cacheDir: dir, device: CPU);
            Assert.StartsWith("cache mismatch: retrained (held-out accuracy re-measured", fourth.Provenance);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Shipped_weights_are_used_when_they_verify_and_skipped_when_they_do_not()
    {
        var (made, shipped, cache) = (Directory.CreateTempSubdirectory("clf-made-").FullName,
            Directory.CreateTempSubdirectory("clf-shipped-").FullName, Directory.CreateTempSubdirectory("clf-cache-").FullName);
        try
        {
            using var trained = DigitClassifier.ForCourse(seed: 2, steps: 12, digits: fixture.Digits, cacheDir: made, device: CPU);
            foreach (var f in Directory.GetFiles(made)) File.Copy(f, Path.Combine(shipped, Path.GetFileName(f)));
            var x = fixture.HeldOut.Images[..20];

            using var fromShipped = DigitClassifier.ForCourse(seed: 2, steps: 12, digits: fixture.Digits, cacheDir: cache,
                                                              device: CPU, shippedDir: shipped);
            Assert.StartsWith("shipped with the course", fromShipped.Provenance);
            Assert.Equal(0, fromShipped.TrainingSeconds);
            Assert.True(trained.Logits(x).eq(fromShipped.Logits(x)).all().item<bool>());
            Assert.Empty(Directory.GetFiles(cache)); // nothing trained, nothing cached

            var weights = Directory.GetFiles(shipped, "*.bin").Single();
            var bytes = File.ReadAllBytes(weights);
            bytes[^5] ^= 0x55;
            File.WriteAllBytes(weights, bytes);
            using var retrained = DigitClassifier.ForCourse(seed: 2, steps: 12, digits: fixture.Digits, cacheDir: cache,
                                                            device: CPU, shippedDir: shipped);
            // a tampered shipped file is not read as the judge, and the provenance says so
            Assert.StartsWith("trained (shipped weights refused: checksum of", retrained.Provenance);
            Assert.True(trained.Logits(x).eq(retrained.Logits(x)).all().item<bool>());
        }
        finally { foreach (var d in new[] { made, shipped, cache }) Directory.Delete(d, recursive: true); }
    }

    [Fact]
    public void The_classifier_shipped_in_data_is_the_cpu_profiles_and_judges_as_recorded()
    {
        // data/digit-classifier holds the `cpu` classifier of seed block 0 (1000 steps); on any machine its checksum
        // must match its sidecar and its held-out accuracy re-measure to the recorded value (±0.002).
        var dir = Path.Combine(TestPaths.Repo, "data", DigitClassifier.ShippedFolder);
        var weights = Directory.GetFiles(dir, "*.bin").Single();
        Assert.EndsWith($"v{DigitClassifier.RecipeVersion}-seed{Seeds.Default}-steps1000-batch64.bin", weights);
        var cache = Directory.CreateTempSubdirectory("clf-cache-").FullName;
        try
        {
            using var clf = DigitClassifier.ForCourse(steps: 1000, digits: fixture.Digits, cacheDir: cache, device: CPU, shippedDir: dir);
            Assert.StartsWith("shipped with the course", clf.Provenance);
            Assert.True(clf.HeldOutAccuracy >= 0.95, $"held-out accuracy {clf.HeldOutAccuracy}");
        }
        finally { Directory.Delete(cache, recursive: true); }
    }

    [Fact]
    public void Fd_digits_of_two_halves_of_the_real_digits_is_near_zero_next_to_real_versus_noise()
    {
        var real = fixture.HeldOut.Images;
        var half1 = real[..1000]; var half2 = real[1000..];
        using var g = Seeds.Generator(21);
        var noise = rand(new long[] { 1000, 1, 28, 28 }, generator: g) * 2 - 1;
        double realReal = FdDigits.Compute(clf, half1, half2);
        double realNoise = FdDigits.Compute(clf, half1, noise);
        Assert.True(realReal < 0.05 * realNoise, $"FD-digits real/real {realReal:F3}, real/noise {realNoise:F3}");
        Assert.True(realReal > 0);                                          // finite samples: biased above 0
        Assert.True(Math.Abs(FdDigits.Compute(clf, half1, half1)) < 1e-6 * realNoise);
    }
}
