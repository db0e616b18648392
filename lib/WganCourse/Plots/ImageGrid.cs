using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace WganCourse.Plots;

/// <summary>
/// Images (N×C×H×W, values in [−1, 1] as a Tanh generator makes them) laid out in a grid and encoded as PNG
/// with SkiaSharp; shown inline as a data-URI image, so it needs no network and no plotly.js.
/// </summary>
public sealed class ImageGrid : IHtmlDisplay
{
    public byte[] Png { get; }
    public int Columns { get; }
    public int Rows { get; }
    public string? Title { get; }

    public ImageGrid(Tensor images, int columns = 10, int scale = 2, int padding = 2, string? title = null)
    {
        if (images.ndim != 4 || (images.shape[1] != 1 && images.shape[1] != 3))
            throw new ArgumentException($"ImageGrid expects [N, 1 or 3, H, W] images, got [{string.Join(", ", images.shape)}]");
        if (columns < 1 || scale < 1 || padding < 0) throw new ArgumentException("columns and scale must be ≥ 1, padding ≥ 0");
        int n = (int)images.shape[0], c = (int)images.shape[1], h = (int)images.shape[2], w = (int)images.shape[3];
        Columns = Math.Min(columns, n); Rows = (n + Columns - 1) / Columns; Title = title;
        float[] px;
        using (var cpu = ((images.detach().cpu().to_type(float32).clamp(-1, 1) + 1) * 127.5f)) px = cpu.data<float>().ToArray();
        int cellW = w * scale + padding, cellH = h * scale + padding;
        using var bmp = new SKBitmap(Columns * cellW + padding, Rows * cellH + padding, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bmp.Erase(new SKColor(128, 128, 128));
        for (int i = 0; i < n; i++)
        {
            int ox = padding + (i % Columns) * cellW, oy = padding + (i / Columns) * cellH;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    byte Ch(int k) => (byte)Math.Round(px[((i * c + k) * h + y) * w + x]);
                    var col = c == 1 ? new SKColor(Ch(0), Ch(0), Ch(0)) : new SKColor(Ch(0), Ch(1), Ch(2));
                    for (int dy = 0; dy < scale; dy++)
                        for (int dx = 0; dx < scale; dx++)
                            bmp.SetPixel(ox + x * scale + dx, oy + y * scale + dy, col);
                }
        }
        using var image = SKImage.FromBitmap(bmp);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        Png = data.ToArray();
    }

    public string ToHtml() =>
        (Title is null ? "" : $"<div style=\"font-family:sans-serif;font-size:13px;font-weight:bold\">{System.Net.WebUtility.HtmlEncode(Title)}</div>") +
        $"<img alt=\"{System.Net.WebUtility.HtmlEncode(Title ?? "image grid")}\" src=\"data:image/png;base64,{Convert.ToBase64String(Png)}\"/>";

    /// <summary>Writes the PNG to a file (e.g. under artifacts/).</summary>
    public void Save(string path) => File.WriteAllBytes(path, Png);
}
