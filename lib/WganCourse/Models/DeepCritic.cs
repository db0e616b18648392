using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WganCourse.Models;

/// <summary>
/// A plain deep ReLU MLP critic without normalisation (Gulrajani et al. §3.2 use 12-layer ReLU MLPs without
/// BatchNorm): <c>depth</c> Linear layers, ReLU between them, that also returns the inputs of every layer so their
/// gradients can be read.
/// </summary>
public sealed class DeepCritic : CriticNet
{
    readonly ModuleList<Linear> layers;

    public DeepCritic(int inputDim, int depth = 12, int width = 128) : base("DeepCritic")
    {
        if (inputDim < 1 || depth < 2 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(depth), $"need inputDim ≥ 1, depth ≥ 2, width ≥ 1; got {inputDim}, {depth}, {width}");
        var list = new List<Linear> { nn.Linear(inputDim, width) };
        for (int l = 1; l < depth - 1; l++) list.Add(nn.Linear(width, width));
        list.Add(nn.Linear(width, 1));
        layers = nn.ModuleList(list.ToArray());
        RegisterComponents();
        (InputDim, Depth, Width) = (inputDim, depth, width);
    }

    public int InputDim { get; }
    public int Depth { get; }
    public int Width { get; }

    /// <summary>The Linear layers, input side first.</summary>
    public IReadOnlyList<Linear> Layers => layers.ToArray();

    public override Tensor forward(Tensor x) => ForwardWithInputs(x).Output;

    /// <summary>The score and the input h_l of every Linear layer (h_1 = x).</summary>
    public (Tensor Output, Tensor[] LayerInputs) ForwardWithInputs(Tensor x)
    {
        if (x.dim() != 2 || x.shape[1] != InputDim)
            throw new ArgumentException($"DeepCritic expects [batch, {InputDim}] inputs, got [{string.Join(", ", x.shape)}]");
        var inputs = new Tensor[Depth];
        var h = x;
        for (int l = 0; l < Depth; l++)
        {
            inputs[l] = h;
            h = layers[l].call(h);
            if (l < Depth - 1) h = nn.functional.relu(h);
        }
        return (h, inputs);
    }
}
