using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using WganCourse.Exercises;

namespace WganCourse.Runner.Grading;

/// <summary>
/// Reads what a student's code refers to, not how it is spelled. The cells that grading runs are
/// compiled as the kernel compiles them (a chain of C# script submissions: the kernel's own usings,
/// the course's set-up cell, then the student's cells in order) against the assemblies the runner
/// itself loads (the framework, WganCourse and its packages, the kernel's). In the cells the
/// student wrote or changed, every symbol a name binds to is judged, so an alias,
/// `System . Reflection`, `dynamic` or a type name built from constant strings is seen for what it
/// is. `#r`/`#!` lines are kernel commands, not C#: flagged, then blanked before compiling.
/// </summary>
public static class SemanticScan
{
    public const string Kernel = "reaches into the notebook kernel";
    public const string Display = "changes how values are displayed";
    public const string Reflection = "uses reflection";
    public const string Processes = "starts or ends processes";
    public const string Native = "uses native code or process memory";
    public const string Background = "starts background work that can outlive its cell";
    public const string Dynamic = "uses dynamic dispatch";
    public const string Compiles = "compiles code at run time";
    public const string Machinery = "names the grading machinery";
    public const string Magic = "loads packages or runs kernel magic commands";

    /// <summary>One thing a cell refers to; <see cref="Exercise"/> is set for a library
    /// answer.</summary>
    public sealed record Finding(int Cell, string Why, string What, string? Exercise = null);

    public sealed record Result(IReadOnlyList<Finding> Findings,
                                IReadOnlyList<string> CompileErrors, TimeSpan Elapsed)
    {
        /// <summary>Review flags (one per reason, naming the cells and the first symbol), then the
        /// cells that do not compile (informational: the kernel fails on them too).</summary>
        public List<Flag> Flags()
        {
            var flags = new List<Flag>();
            foreach (var g in Findings.GroupBy(f => (f.Why, f.Exercise)))
            {
                var cells = string.Join(", ", g.Select(f => f.Cell + 1).Distinct());
                var first = g.First().What;
                flags.Add(g.Key.Exercise is { } ex
                    ? new Flag($"{ex}: review: calls {first}, which computes this exercise's " +
                               $"answer (cell {cells})", true, ex)
                    : new Flag($"review: code {g.Key.Why} (cell {cells}: `{first}`)", true));
            }
            flags.AddRange(CompileErrors.Select(e => new Flag(e, false)));
            return flags;
        }
    }

    /// <summary>Lines the kernel reads as its own commands (`#r`, `#i`, `#load`, `#!magic`),
    /// whatever the spacing.</summary>
    static readonly Regex KernelCommand =
        new(@"^[ \t]*#[ \t]*(?:!|r\b|i\b|load\b).*$", RegexOptions.Multiline);

    /// <summary>What the C# kernel puts in scope before any cell (CSharpKernel's imports,
    /// UseKernelHelpers, UseDefaultFormatting).</summary>
    const string KernelPreamble =
        "using System; using System.Text; using System.Collections;\n" +
        "using System.Collections.Generic;\n" +
        "using System.Threading.Tasks; using System.Linq;\n" +
        "using Microsoft.DotNet.Interactive.Formatting;\n" +
        "using static Microsoft.DotNet.Interactive.Formatting.PocketViewTags;\n" +
        "using static Microsoft.DotNet.Interactive.Kernel;\n";

    static readonly CSharpParseOptions ScriptParse =
        new(LanguageVersion.Latest, kind: SourceCodeKind.Script);
    static readonly CSharpCompilationOptions CompileOptions =
        new(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true);
    static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    /// <summary>The runner's own assemblies (its build output: framework, WganCourse, TorchSharp,
    /// Plotly.NET, the kernel's client), the built library grading loads, and the kernel tool's C#
    /// kernel when restored.</summary>
    static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
                 .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            paths.TryAdd(Path.GetFileName(p), p);
        if (File.Exists(Grader.LibraryDll)) paths["WganCourse.dll"] = Grader.LibraryDll;
        const string CSharpKernel = "Microsoft.DotNet.Interactive.CSharp.dll";
        var tool = Path.Combine(Sandbox.NugetPackages, "microsoft.dotnet-interactive");
        if (Directory.Exists(tool) && !paths.ContainsKey(CSharpKernel))
            foreach (var dll in Directory.GetFiles(tool, CSharpKernel, SearchOption.AllDirectories)
                                         .OrderDescending(StringComparer.Ordinal).Take(1))
                paths[CSharpKernel] = dll;
        return paths.Values.Where(IsManaged)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }

    static bool IsManaged(string path)
    {
        try { System.Reflection.AssemblyName.GetAssemblyName(path); return true; }
        catch (Exception e) when (e is BadImageFormatException or IOException) { return false; }
    }

    /// <summary>Scans the cells grading runs (see <see cref="CheckCells.RunCells"/>). Cells
    /// identical to one of the master's are the course's code: compiled (later cells see them), not
    /// judged.</summary>
    public static Result Scan(NotebookJson master, NotebookJson student,
                              IReadOnlyList<ExerciseCells> exercises)
    {
        var sw = Stopwatch.StartNew();
        var course = Enumerable.Range(0, master.Cells.Count).Where(master.IsCode)
            .Select(i => CheckCells.Normalize(master.Source(i))).ToHashSet(StringComparer.Ordinal);
        var answers = Answers(exercises.Select(e => e.Id));
        var findings = new List<Finding>();
        var errors = new List<string>();
        var previous = Compile(KernelPreamble, null, out _);
        var setupSource = KernelCommand.Replace(master.Source(master.SetupIndex), "");
        var setup = Compile(setupSource, previous, out var setupErrors);
        if (setupErrors.Count > 0)
            errors.Add("scan: the course's set-up cell does not compile here: " + setupErrors[0]);
        else previous = setup;
        foreach (var i in CheckCells.RunCells(student, exercises).Where(student.IsCode))
        {
            var source = student.Source(i);
            bool judged = !course.Contains(CheckCells.Normalize(source));
            if (judged)
                foreach (Match m in KernelCommand.Matches(source))
                    findings.Add(new(i, Magic, m.Value.Trim()));
            var code = KernelCommand.Replace(source, "");
            var compilation = Compile(code, previous, out var cellErrs);
            if (cellErrs.Count > 0) errors.Add($"cell {i + 1} does not compile: {cellErrs[0]}");
            else previous = compilation; // as in the kernel: a failed cell defines nothing
            if (judged) findings.AddRange(Judge(compilation, i, answers));
        }
        var unique = findings.DistinctBy(f => (f.Cell, f.Why, f.Exercise)).ToList();
        return new Result(unique, errors, sw.Elapsed);
    }

    static CSharpCompilation Compile(string source, CSharpCompilation? previous,
                                     out List<string> errors)
    {
        var tree = CSharpSyntaxTree.ParseText(source, ScriptParse);
        var c = CSharpCompilation.CreateScriptCompilation("cell" + Guid.NewGuid().ToString("N"),
            tree, References.Value, CompileOptions, previous, typeof(object));
        errors = c.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => $"{d.Id} line {d.Location.GetLineSpan().StartLinePosition.Line + 1}: " +
                         d.GetMessage())
            .ToList();
        return c;
    }

    /// <summary>Library answers by exercise: the type's full name as C# shows it, and the member
    /// (null: any).</summary>
    static List<(string Exercise, string Type, string? Member)> Answers(IEnumerable<string> ids)
    {
        var all = Exercise.LibraryAnswers();
        return ids.Where(all.ContainsKey)
            .SelectMany(id => all[id].Select(a => (id, a.Type.FullName!.Replace('+', '.'),
                                                   a.Member)))
            .ToList();
    }

    static IEnumerable<Finding> Judge(CSharpCompilation c, int cell,
                                      List<(string Exercise, string Type, string? Member)> answers)
    {
        var tree = c.SyntaxTrees.Single();
        var model = c.GetSemanticModel(tree);
        foreach (var node in tree.GetRoot().DescendantNodes())
        {
            if (Unsafe(node) is { } u) yield return new(cell, Native, u);
            var info = model.GetSymbolInfo(node);
            foreach (var s in info.CandidateSymbols.Prepend(info.Symbol).OfType<ISymbol>())
            {
                var symbol = Original(s);
                if (Why(symbol) is { } why) yield return new(cell, why, Name(symbol));
                foreach (var a in answers.Where(a => IsAnswer(symbol, a.Type, a.Member)))
                    yield return new(cell, "answer", Name(symbol), a.Exercise);
            }
            if (node is not ExpressionSyntax e) continue;
            var type = model.GetTypeInfo(e).Type;
            if (type?.TypeKind == TypeKind.Dynamic)
                yield return new(cell, Dynamic, Short(e.ToString()));
            else if (type is not null && !Allowed(info.Symbol) && Why(type) is { } why)
                yield return new(cell, why, Name(type));
            if (model.GetConstantValue(e) is { HasValue: true, Value: string text } &&
                Text(text) is { } w)
                yield return new(cell, w, "\"" + Short(text) + "\"");
        }
    }

    static string Short(string s) => s.Length > 60 ? s[..60] + "…" : s;

    static ISymbol Original(ISymbol s) => s switch
    {
        IAliasSymbol a => Original(a.Target),
        IMethodSymbol m => (m.ReducedFrom ?? m).OriginalDefinition,
        _ => s.OriginalDefinition,
    };

    static string Name(ISymbol s) => s is INamespaceOrTypeSymbol || s.ContainingType is null
        ? s.ToDisplayString() : s.ContainingType.ToDisplayString() + "." + s.Name;

    static bool IsAnswer(ISymbol s, string type, string? member) => member is null
        ? (s as INamedTypeSymbol ?? s.ContainingType)?.ToDisplayString() == type
        : s.Name == member && s.ContainingType?.ToDisplayString() == type;

    static bool UnsafeOrExtern(SyntaxTokenList modifiers) =>
        modifiers.Any(t => t.IsKind(SyntaxKind.UnsafeKeyword) ||
                           t.IsKind(SyntaxKind.ExternKeyword));

    static string? Unsafe(SyntaxNode node) => node switch
    {
        UnsafeStatementSyntax or FixedStatementSyntax => "unsafe",
        PointerTypeSyntax or FunctionPointerTypeSyntax => node.ToString(),
        MemberDeclarationSyntax m when UnsafeOrExtern(m.Modifiers) => "unsafe/extern",
        LocalFunctionStatementSyntax f when UnsafeOrExtern(f.Modifiers) => "unsafe/extern",
        _ => null,
    };

    /// <summary>What a constant string says, however it was built: a result token, the grader's
    /// variables, the kernel's type names (only reflection needs them), process memory.</summary>
    static string? Text(string s) =>
        s.Contains(CheckCells.TokenPrefix) || s.Contains("WGAN_COURSE_") ? Machinery
        : s.Contains("Microsoft.DotNet.Interactive") ? Kernel
        : s.Contains("/proc/") ? Native : null;

    static ITypeSymbol? TypeOf(ISymbol s) => s as ITypeSymbol ?? s.ContainingType;

    /// <summary>Kernel helpers an honest notebook uses to show things.</summary>
    static bool Allowed(ISymbol? s) => s is not null && Original(s) is var o &&
        TypeOf(o)?.ToDisplayString() is var t &&
        (t == "Microsoft.DotNet.Interactive.Kernel" && o.Name is "display" or "HTML" ||
         t == "Microsoft.DotNet.Interactive.DisplayedValue" ||
         TypeOf(o)?.Name.StartsWith("PocketView", StringComparison.Ordinal) == true);

    /// <summary>Why a symbol is one an honest solution never needs, or null.</summary>
    public static string? Why(ISymbol s)
    {
        if (Allowed(s)) return null;
        if (s is ITypeSymbol { TypeKind: TypeKind.Dynamic }) return Dynamic;
        if (s is IArrayTypeSymbol array) return Why(array.ElementType);
        if (s is IPointerTypeSymbol or IFunctionPointerTypeSymbol) return Native;
        var type = s as INamedTypeSymbol ?? s.ContainingType;
        var ns = s is INamespaceSymbol n ? n.ToDisplayString()
            : (type ?? s).ContainingNamespace?.ToDisplayString() ?? "";
        var t = type?.ToDisplayString() ?? "";
        bool In(string prefix) =>
            ns == prefix || ns.StartsWith(prefix + ".", StringComparison.Ordinal);
        bool Ctor() => s is IMethodSymbol { MethodKind: MethodKind.Constructor };
        if (In("Microsoft.DotNet.Interactive.Formatting") ||
            t == "WganCourse.Runtime.Kernel" && s.Name == "RegisterHtml")
            return Display;
        if (In("Microsoft.DotNet.Interactive")) return Kernel;
        if (In("System.Reflection") || In("System.Runtime.Loader") ||
            t is "System.Activator" or "System.AppDomain"
                or "System.ComponentModel.TypeDescriptor" ||
            t == "System.Type" && (s.IsStatic || s.Name == "InvokeMember") ||
            t == "System.Delegate" && s.Name is "DynamicInvoke" or "CreateDelegate")
            return Reflection;
        if (In("System.Runtime.InteropServices") && type?.Name != "RuntimeInformation" ||
            t is "System.Runtime.CompilerServices.Unsafe"
                or "System.Runtime.CompilerServices.RuntimeHelpers")
            return Native;
        if (ns == "System.Diagnostics" &&
                type?.Name.StartsWith("Process", StringComparison.Ordinal) == true ||
            t == "System.Environment" && s.Name is "Exit" or "FailFast")
            return Processes;
        if (t is "System.Threading.Thread" or "System.Threading.ThreadPool"
                or "System.Threading.Timer" or "System.Threading.PeriodicTimer"
                or "System.Threading.Tasks.TaskFactory" ||
            In("System.Timers") ||
            t.StartsWith("System.Threading.Tasks.Task", StringComparison.Ordinal) &&
                (s.Name is "Run" or "Factory" or "Start" || Ctor()))
            return Background;
        if (In("System.Dynamic") || In("Microsoft.CSharp.RuntimeBinder")) return Dynamic;
        if (In("Microsoft.CodeAnalysis") || In("System.Linq.Expressions")) return Compiles;
        if (t == "WganCourse.Exercises.ExerciseResult" && Ctor()) return Machinery;
        // a member that hands out a flagged type (Type.Assembly, Delegate.Method) uses that type
        var returned = s switch
        {
            IMethodSymbol m => m.ReturnType,
            IPropertySymbol p => p.Type,
            _ => null,
        };
        return returned is not null && Why(returned) is { } r && r != Dynamic ? r : null;
    }
}
