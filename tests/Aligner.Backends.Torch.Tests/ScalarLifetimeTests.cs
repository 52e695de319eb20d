using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Aligner.Backends.Torch.Tests;

/// <summary>
/// Guards the fix of the "Unknown scalar type" race (issue 13). TorchSharp 0.107's <c>Scalar</c> owns a native
/// <c>c10::Scalar</c> that only its finalizer frees (DisposeScopes do not track Scalars), and its methods pass
/// <c>scalar.Handle</c> to native code as a bare pointer. A temporary Scalar — made by an implicit number → Scalar
/// conversion, in our code or inside a TorchSharp overload such as <c>Tensor.add(Tensor)</c> (alpha = 1) or
/// <c>Tensor.square()</c> (<c>pow(2)</c>) — is unreachable once its handle has been read, so a garbage collection
/// during the native call lets the finalizer thread free it while libtorch still reads it. Under concurrent callers
/// (many allocations, frequent GCs) that surfaced as <c>ExternalException: Unknown scalar type</c> in add/sub.
/// This test reads the IL: neither our code nor any TorchSharp method it calls may create such a temporary.
/// </summary>
public sealed class ScalarLifetimeTests
{
    private const int MaxDepth = 4;
    private readonly Dictionary<string, string?> _verdicts = [];

    [Theory]
    [InlineData("Aligner.Backends.Torch")]
    [InlineData("Aligner.Training")]
    public void No_temporary_scalar_reaches_libtorch(string assemblyName)
    {
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(AppContext.BaseDirectory);
        using var assembly = AssemblyDefinition.ReadAssembly(Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll"), new ReaderParameters { AssemblyResolver = resolver, ReadSymbols = true });
        var offenders = new List<string>();
        foreach (var type in assembly.MainModule.GetTypes())
        {
            foreach (var method in type.Methods.Where(m => m.HasBody))
            {
                foreach (var instruction in method.Body.Instructions)
                {
                    if (instruction.Operand is not MethodReference called) continue;
                    if (IsNumberToScalar(called))
                        offenders.Add($"{method.DeclaringType.Name}.{method.Name}: implicit number -> Scalar ({Location(method, instruction)})");
                    else if (IsTorchSharp(called) && TemporaryScalarIn(called, 0) is { } chain)
                        offenders.Add($"{method.DeclaringType.Name}.{method.Name}: calls {chain} ({Location(method, instruction)})");
                }
            }
        }
        Assert.True(offenders.Count == 0, $"{offenders.Count} temporary Scalars reach libtorch:\n" + string.Join("\n", offenders.Distinct()));
    }

    [Fact]
    public void The_scan_finds_the_overloads_that_caused_the_race()
    {
        // The test above must be able to fail: the known culprits are recognised.
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(AppContext.BaseDirectory);
        using var torchSharp = AssemblyDefinition.ReadAssembly(Path.Combine(AppContext.BaseDirectory, "TorchSharp.dll"), new ReaderParameters { AssemblyResolver = resolver });
        var tensor = torchSharp.MainModule.GetTypes().Single(t => t.FullName == "TorchSharp.torch/Tensor");
        var add = tensor.Methods.Single(m => m.Name == "add" && m.Parameters.Count == 1 && m.Parameters[0].ParameterType.Name == "Tensor");
        var square = tensor.Methods.Single(m => m.Name == "square" && m.Parameters.Count == 0);
        var matmul = tensor.Methods.Single(m => m.Name == "matmul" && m.Parameters.Count == 1);
        Assert.NotNull(TemporaryScalarIn(add, 0));
        Assert.NotNull(TemporaryScalarIn(square, 0));
        Assert.Null(TemporaryScalarIn(matmul, 0));
    }

    private static string Location(MethodDefinition method, Instruction instruction)
    {
        var point = method.DebugInformation?.GetSequencePoint(instruction);
        return point is null ? $"IL_{instruction.Offset:x4}" : $"{Path.GetFileName(point.Document.Url)}:{point.StartLine}";
    }

    private static bool IsTorchSharp(MethodReference method) => method.DeclaringType.Scope.Name is "TorchSharp" or "TorchSharp.dll";

    private static bool IsNumberToScalar(MethodReference method) =>
        method.Name == "op_Implicit" && method.ReturnType.FullName == "TorchSharp.Scalar";

    /// <summary>The call chain to the first temporary Scalar a TorchSharp method creates, or null.</summary>
    private string? TemporaryScalarIn(MethodReference reference, int depth)
    {
        string key = reference.FullName;
        if (_verdicts.TryGetValue(key, out var known)) return known;
        if (depth > MaxDepth) return null;
        _verdicts[key] = null; // recursion guard
        MethodDefinition? method;
        try { method = reference.Resolve(); }
        catch (AssemblyResolutionException) { return null; }
        string? verdict = null;
        if (method?.HasBody == true)
        {
            foreach (var instruction in method.Body.Instructions)
            {
                if (instruction.Operand is not MethodReference called) continue;
                if (IsNumberToScalar(called) || IsToScalar(called))
                {
                    verdict = Name(method);
                    break;
                }
                if (IsTorchSharp(called) && TemporaryScalarIn(called, depth + 1) is { } inner)
                {
                    verdict = $"{Name(method)} -> {inner}";
                    break;
                }
            }
        }
        _verdicts[key] = verdict;
        return verdict;
    }

    private static bool IsToScalar(MethodReference method) =>
        method.DeclaringType.FullName == "TorchSharp.ScalarExtensionMethods" && method.ReturnType.FullName == "TorchSharp.Scalar";

    private static string Name(MethodDefinition method) =>
        $"{method.DeclaringType.Name}.{method.Name}({string.Join(", ", method.Parameters.Select(p => p.ParameterType.Name))})";
}
