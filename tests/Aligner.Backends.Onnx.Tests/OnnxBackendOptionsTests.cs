namespace Aligner.Backends.Onnx.Tests;

/// <summary>The ONNX backend names its device as the Torch backend does ("cpu", "cuda", "cuda:N").</summary>
public sealed class OnnxBackendOptionsTests
{
    [Theory]
    [InlineData("cpu", OnnxExecutionProvider.Cpu, 0, "cpu")]
    [InlineData("CUDA", OnnxExecutionProvider.Cuda, 0, "cuda")]
    [InlineData("cuda:2", OnnxExecutionProvider.Cuda, 2, "cuda:2")]
    public void Device_sets_the_execution_provider_and_ordinal(string device, OnnxExecutionProvider provider, int ordinal, string readBack)
    {
        var options = new OnnxBackendOptions { Device = device };
        Assert.Equal((provider, ordinal, readBack), (options.ExecutionProvider, options.CudaDeviceId, options.Device));
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("")]
    public void An_unknown_device_is_an_error_naming_the_option(string device)
    {
        var e = Assert.Throws<ArgumentException>(() => new OnnxBackendOptions { Device = device });
        Assert.Equal(nameof(OnnxBackendOptions.Device), e.ParamName);
    }
}
