using Aligner.Backends.Onnx.Protobuf;
using Google.Protobuf;

namespace Aligner.Backends.Onnx.Export;

/// <summary>
/// Assembles an ONNX graph (standard domain only) node by node: unique value names, shared constants,
/// typed graph inputs and outputs with symbolic dimensions.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>The ONNX IR version written (onnx 1.12 reads up to 8).</summary>
    public const long IrVersion = 8;

    private readonly GraphProto _graph = new();
    private readonly Dictionary<string, string> _constants = [];
    private readonly HashSet<string> _names = [];
    private int _counter;

    public OnnxGraphBuilder(string graphName) => _graph.Name = graphName;

    /// <summary>Initializers added so far, in order (the exporter fills in their storage).</summary>
    public IList<TensorProto> Initializers => _graph.Initializer;

    /// <summary>Declares a graph input; a dimension is a fixed size (<see cref="long"/>) or a symbolic name (<see cref="string"/>).</summary>
    public string AddInput(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        Reserve(name);
        _graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Declares a graph output produced by a node that names <paramref name="value"/>.</summary>
    public void AddOutput(string value, TensorProto.Types.DataType type, params object[] dims) =>
        _graph.Output.Add(ValueInfo(value, type, dims));

    /// <summary>Adds a named initializer (its data is attached by the caller) and returns its name.</summary>
    public string AddInitializer(TensorProto tensor)
    {
        Reserve(tensor.Name);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A shared int64 constant tensor of the given values (1-D, or a scalar when <paramref name="scalar"/>).</summary>
    public string Int64(long[] values, bool scalar = false)
    {
        string key = $"i64{(scalar ? "s" : "")}:{string.Join(',', values)}";
        if (_constants.TryGetValue(key, out var existing)) return existing;
        var tensor = new TensorProto { Name = Fresh("const_i64"), DataType = (int)TensorProto.Types.DataType.Int64 };
        if (!scalar) tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return _constants[key] = tensor.Name;
    }

    /// <summary>A shared scalar constant of a floating-point type.</summary>
    public string Scalar(float value, TensorProto.Types.DataType type)
    {
        string key = $"{type}:{BitConverter.SingleToInt32Bits(value)}";
        if (_constants.TryGetValue(key, out var existing)) return existing;
        var tensor = new TensorProto { Name = Fresh("const_f"), DataType = (int)type };
        if (type == TensorProto.Types.DataType.Float) tensor.FloatData.Add(value);
        else if (type == TensorProto.Types.DataType.Float16) tensor.RawData = ByteString.CopyFrom(BitConverter.GetBytes((Half)value));
        else throw new ArgumentOutOfRangeException(nameof(type));
        _graph.Initializer.Add(tensor);
        return _constants[key] = tensor.Name;
    }

    /// <summary>A 1-D float32 constant.</summary>
    public string Float32(string name, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(values.Length);
        tensor.FloatData.AddRange(values);
        return AddInitializer(tensor);
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Op(string opType, string[] inputs, params AttributeProto[] attributes) =>
        OpMulti(opType, inputs, 1, attributes)[0];

    /// <summary>The contrib operator domain of ONNX Runtime.</summary>
    public const string MicrosoftDomain = "com.microsoft";

    private readonly HashSet<string> _domains = [];

    /// <summary>Adds a node of another operator domain (e.g. <see cref="MicrosoftDomain"/>, imported at version 1) with one output.</summary>
    public string OpInDomain(string domain, string opType, string[] inputs, params AttributeProto[] attributes)
    {
        var output = OpMulti(opType, inputs, 1, attributes)[0];
        _graph.Node[^1].Domain = domain;
        _domains.Add(domain);
        return output;
    }

    /// <summary>
    /// Adds a node of <paramref name="domain"/> (the default domain when empty) with outputs named as given: a name,
    /// <see langword="null"/> for a fresh name, or <c>""</c> for an optional output left out. Returns the names.
    /// </summary>
    public string[] Node(string domain, string opType, string[] inputs, string?[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Fresh(opType) };
        node.Input.AddRange(inputs);
        var names = new string[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            if (outputs[i] is { Length: > 0 } chosen) Reserve(chosen);
            names[i] = outputs[i] ?? Fresh(opType.ToLowerInvariant());
            node.Output.Add(names[i]);
        }
        node.Attribute.AddRange(attributes);
        if (domain.Length > 0)
        {
            node.Domain = domain;
            _domains.Add(domain);
        }
        _graph.Node.Add(node);
        return names;
    }

    /// <summary>Adds a node with one output of a chosen name (a graph output, say).</summary>
    public string OpNamed(string output, string opType, string[] inputs, params AttributeProto[] attributes)
    {
        Reserve(output);
        var node = new NodeProto { OpType = opType, Name = Fresh(opType) };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    /// <summary>Adds a node with several outputs and returns their names.</summary>
    public string[] OpMulti(string opType, string[] inputs, int outputCount, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Fresh(opType) };
        node.Input.AddRange(inputs);
        var outputs = new string[outputCount];
        for (int i = 0; i < outputCount; i++)
        {
            outputs[i] = Fresh(opType.ToLowerInvariant());
            node.Output.Add(outputs[i]);
        }
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputs;
    }

    public static AttributeProto Attr(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Attr(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Attr(string name, long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>Wraps the graph into a model that imports the default domain at <paramref name="opset"/>.</summary>
    public ModelProto Build(int opset, IReadOnlyDictionary<string, string> metadata)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Aligner",
            ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        foreach (var domain in _domains.Order(StringComparer.Ordinal)) model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = 1 });
        foreach (var (key, value) in metadata) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    private string Fresh(string prefix)
    {
        string name;
        do name = $"{prefix}_{_counter++}"; while (_names.Contains(name));
        _names.Add(name);
        return name;
    }

    private void Reserve(string name)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"The graph already has a value named '{name}'.");
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                _ => throw new ArgumentException($"Dimension {dim} is neither a size nor a symbol.", nameof(dims)),
            });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
