using Aligner.Backends.Torch.Runtime;

namespace Aligner.Backends.Torch.Tests;

public class ElfVersionPatcherTests
{
    private static readonly string TorchSharpNative = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [Fact]
    public void Marks_only_the_named_requirement_weak()
    {
        if (!File.Exists(TorchSharpNative)) return; // Linux x64 builds only.
        var original = File.ReadAllBytes(TorchSharpNative);
        var image = (byte[])original.Clone();
        int changed = ElfVersionPatcher.MarkWeak(image, new HashSet<string> { "GLIBCXX_3.4.32" });
        Assert.Equal(1, changed);
        var differences = Enumerable.Range(0, image.Length).Where(i => image[i] != original[i]).ToList();
        Assert.Single(differences);
        Assert.Equal(original[differences[0]] | 0x2, image[differences[0]]);
        Assert.Equal(0, ElfVersionPatcher.MarkWeak((byte[])original.Clone(), new HashSet<string> { "GLIBCXX_9.9.99" }));
    }

    [Fact]
    public void Rejects_files_that_are_not_elf()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MarkWeak(new byte[128], new HashSet<string> { "GLIBCXX_3.4.32" }));
    }
}
