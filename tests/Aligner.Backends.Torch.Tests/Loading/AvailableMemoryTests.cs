using Aligner.Memory;

namespace Aligner.Backends.Torch.Tests.Loading;

public sealed class AvailableMemoryTests : IDisposable
{
    private readonly TempFolder _root = new();
    private string Proc => Path.Combine(_root.Path, "proc");
    private string Cgroup => Path.Combine(_root.Path, "cgroup");

    public AvailableMemoryTests()
    {
        Directory.CreateDirectory(Path.Combine(Proc, "self"));
        Directory.CreateDirectory(Cgroup);
        File.WriteAllText(Path.Combine(Proc, "meminfo"), "MemTotal:       24683620 kB\nMemFree:        22019824 kB\nMemAvailable:   20000000 kB\n");
    }

    public void Dispose() => _root.Dispose();

    private void Write(string relative, string text)
    {
        var path = Path.Combine(Cgroup, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [Fact]
    public void Without_a_cgroup_limit_meminfo_decides()
    {
        File.WriteAllText(Path.Combine(Proc, "self", "cgroup"), "0::/user.slice\n");
        Write("user.slice/memory.max", "max\n");
        Write("user.slice/memory.current", "123456\n");
        var a = AvailableMemory.Read(Proc, Cgroup)!;
        Assert.Equal(20000000L * 1024, a.Bytes);
        Assert.Contains("MemAvailable", a.Source);
    }

    [Fact]
    public void Cgroup_v2_limit_minus_working_set_when_tighter()
    {
        File.WriteAllText(Path.Combine(Proc, "self", "cgroup"), "0::/job/task\n");
        Write("job/task/memory.max", $"{8L << 30}\n");
        Write("job/task/memory.current", $"{3L << 30}\n");
        // 1 GiB of the usage is inactive page cache, which the kernel reclaims before it kills.
        Write("job/task/memory.stat", $"anon 1234\ninactive_file {1L << 30}\nactive_file 5\n");
        var a = AvailableMemory.Read(Proc, Cgroup)!;
        Assert.Equal((8L << 30) - (2L << 30), a.Bytes);
        Assert.Contains("cgroup v2", a.Source);
        Assert.Contains(Path.Combine("job", "task", "memory.max"), a.Source);
    }

    [Fact]
    public void An_ancestor_group_limit_applies_too()
    {
        File.WriteAllText(Path.Combine(Proc, "self", "cgroup"), "0::/job/task\n");
        Write("job/task/memory.max", "max\n");
        Write("job/memory.max", $"{4L << 30}\n");
        Write("job/memory.current", $"{1L << 30}\n");
        var a = AvailableMemory.Read(Proc, Cgroup)!;
        Assert.Equal(3L << 30, a.Bytes);
    }

    [Fact]
    public void Cgroup_v1_memory_controller_is_read_and_its_no_limit_value_ignored()
    {
        File.WriteAllText(Path.Combine(Proc, "self", "cgroup"), "4:memory:/api/abc\n3:cpu:/\n");
        Write("memory/api/abc/memory.limit_in_bytes", $"{2L << 30}\n");
        Write("memory/api/abc/memory.usage_in_bytes", $"{1L << 29}\n");
        Write("memory/memory.limit_in_bytes", "9223372036854771712\n");
        var a = AvailableMemory.Read(Proc, Cgroup)!;
        Assert.Equal((2L << 30) - (1L << 29), a.Bytes);
        Assert.Contains("cgroup v1", a.Source);
    }

    [Fact]
    public void Nothing_readable_gives_null_and_path_tricks_are_not_followed()
    {
        File.Delete(Path.Combine(Proc, "meminfo"));
        File.WriteAllText(Path.Combine(Proc, "self", "cgroup"), "0::/../../etc\n");
        Assert.Null(AvailableMemory.Read(Proc, Cgroup));
    }

    [Fact]
    public void This_machine_reports_a_positive_figure()
    {
        if (!OperatingSystem.IsLinux()) return;
        var a = AvailableMemory.Read();
        Assert.NotNull(a);
        Assert.True(a!.Bytes > 0);
    }

    [Fact]
    public void Cpu_flags_are_read_from_cpuinfo()
    {
        var path = Path.Combine(_root.Path, "cpuinfo");
        File.WriteAllText(path, "processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16 avx2\n");
        Assert.Equal(new CpuFeatures(true, false), CpuFeatures.Read(path));
        File.WriteAllText(path, "processor\t: 0\nflags\t\t: fpu sse2 avx2 amx_fp16\n");
        Assert.Equal(new CpuFeatures(false, true), CpuFeatures.Read(path));
        Assert.Equal(new CpuFeatures(false, false), CpuFeatures.Read(Path.Combine(_root.Path, "missing")));
    }
}
