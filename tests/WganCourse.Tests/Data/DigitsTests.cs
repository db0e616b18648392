using WganCourse.Data;
using WganCourse.Runtime;
using Xunit;

namespace WganCourse.Tests.Data;

public class DigitsTests
{
    public DigitsTests() => Course.Setup();

    static string Shipped => Path.Combine(TestPaths.Repo, "data");

    [Fact]
    public void Loads_10000_digits_in_minus_one_to_one_with_the_documented_class_counts()
    {
        using var set = Digits.Load(Shipped);
        Assert.Equal(new long[] { 10_000, 1, 28, 28 }, set.Images.shape);
        Assert.Equal(-1f, set.Images.min().item<float>());
        Assert.Equal(1f, set.Images.max().item<float>());
        Assert.Equal(new[] { 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 }, set.ClassCounts());
        using var first = set.Labels[..1000];
        using var counts = TorchSharp.torch.bincount(first, minlength: 10);
        Assert.All(counts.data<long>().ToArray(), c => Assert.InRange(c, 60, 140)); // shuffled, not grouped by digit
    }

    [Fact]
    public void The_readme_lists_the_checksums_the_loader_verifies()
    {
        var readme = File.ReadAllText(Path.Combine(Shipped, "README.md"));
        Assert.Contains(Digits.ImagesSha256, readme);
        Assert.Contains(Digits.LabelsSha256, readme);
    }

    [Fact]
    public void A_corrupted_file_is_named_with_the_expected_checksum_and_the_fix()
    {
        var copy = Directory.CreateTempSubdirectory("digits-").FullName;
        try
        {
            var dir = Directory.CreateDirectory(Path.Combine(copy, Digits.Folder)).FullName;
            foreach (var f in new[] { Digits.ImagesFile, Digits.LabelsFile })
                File.Copy(Path.Combine(Shipped, Digits.Folder, f), Path.Combine(dir, f));
            var bytes = File.ReadAllBytes(Path.Combine(dir, Digits.ImagesFile));
            bytes[5000] ^= 0xFF;
            File.WriteAllBytes(Path.Combine(dir, Digits.ImagesFile), bytes);

            var e = Assert.Throws<DataFileException>(() => Digits.Load(copy));
            Assert.Contains($"Data file corrupt: {Path.Combine(dir, Digits.ImagesFile)}", e.Message);
            Assert.Contains($"expected {Digits.ImagesSha256}", e.Message);
            Assert.Contains("git checkout -- data/", e.Message);

            File.Delete(Path.Combine(dir, Digits.LabelsFile));
            File.Copy(Path.Combine(Shipped, Digits.Folder, Digits.ImagesFile), Path.Combine(dir, Digits.ImagesFile), overwrite: true);
            e = Assert.Throws<DataFileException>(() => Digits.Load(copy));
            Assert.Contains($"Data file missing: {Path.Combine(dir, Digits.LabelsFile)}", e.Message);
        }
        finally { Directory.Delete(copy, recursive: true); }
    }

    [Fact]
    public void Idx_round_trip_and_truncation_is_reported()
    {
        var images = new[] { Enumerable.Range(0, 784).Select(i => (byte)(i % 256)).ToArray(), new byte[784] };
        var raw = Idx.ImagesFile(images);
        var (n, r, c, px) = Idx.ParseImages(Idx.Gunzip(Idx.Gzip(raw)), "x");
        Assert.Equal((2, 28, 28), (n, r, c));
        Assert.Equal(images[0], px.Slice(0, 784).ToArray());
        Assert.Equal(Idx.Sha256(Idx.Gzip(raw)), Idx.Sha256(Idx.Gzip(raw))); // deterministic gzip
        Assert.Contains("truncated", Assert.Throws<DataFileException>(() => Idx.ParseImages(raw[..^10], "x")).Message);
    }

    [Fact]
    public void Fashion_mnist_loads_from_debian_when_installed()
    {
        if (!Directory.Exists("/usr/share/datasets/fashion-mnist")) return; // optional dataset
        using var set = Digits.LoadFashion("t10k");
        Assert.Equal(10_000, set.Count);
        Assert.All(set.ClassCounts(), c => Assert.Equal(1000, c));
    }
}
