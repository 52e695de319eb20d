using System.Buffers.Binary;
using System.Text;

namespace Aligner.Checkpoints.TorchPickle;

/// <summary>A storage named by a persistent id: <c>('storage', torch.XStorage, key, location, numel)</c>.</summary>
internal sealed record StorageRef(SafeTensorDType DType, string Key, long ElementCount);

/// <summary>A tensor rebuilt by <c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)</c>.</summary>
internal sealed record TensorRef(StorageRef Storage, long StorageOffset, long[] Shape, long[] Stride);

/// <summary>A class or function a pickle names with GLOBAL (never imported or called; only recognised).</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => Module + "." + Name;
}

/// <summary>An <c>OrderedDict</c> or dict: insertion-ordered key/value pairs.</summary>
internal sealed class PickleDict
{
    public List<KeyValuePair<object?, object?>> Items { get; } = [];
}

/// <summary>
/// An unpickler with the semantics of <c>torch.load(weights_only=True)</c> for state dicts: it interprets pickle
/// opcodes as data only. The only globals accepted are <c>collections.OrderedDict</c>,
/// <c>torch._utils._rebuild_tensor_v2</c> and the <c>torch.*Storage</c> types; the only calls (REDUCE) it performs are
/// building an empty OrderedDict and recording a tensor's storage, offset, shape and strides. Any other global or
/// opcode is a <see cref="NotSupportedModelException"/> naming it and its byte offset; nothing is imported or executed.
/// </summary>
internal sealed class RestrictedUnpickler
{
    private const int MaxStack = 1_000_000;
    private static readonly PickleGlobal OrderedDict = new("collections", "OrderedDict");
    private static readonly PickleGlobal RebuildTensor = new("torch._utils", "_rebuild_tensor_v2");
    private static readonly Dictionary<string, SafeTensorDType> Storages = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = SafeTensorDType.F32, ["HalfStorage"] = SafeTensorDType.F16, ["BFloat16Storage"] = SafeTensorDType.BF16,
        ["DoubleStorage"] = SafeTensorDType.F64, ["LongStorage"] = SafeTensorDType.I64, ["IntStorage"] = SafeTensorDType.I32,
        ["ShortStorage"] = SafeTensorDType.I16, ["CharStorage"] = SafeTensorDType.I8, ["ByteStorage"] = SafeTensorDType.U8,
        ["BoolStorage"] = SafeTensorDType.BOOL,
    };

    private sealed class Mark
    {
        public static readonly Mark Instance = new();
    }

    private readonly string _path;
    private readonly string _member;
    private readonly byte[] _data;
    private readonly List<object?> _stack = [];
    private readonly Dictionary<long, object?> _memo = [];
    private int _pos;

    private RestrictedUnpickler(string path, string member, byte[] data)
    {
        _path = path;
        _member = member;
        _data = data;
    }

    /// <summary>Unpickles <paramref name="data"/> (the archive member <paramref name="member"/> of <paramref name="path"/>).</summary>
    public static object? Load(string path, string member, byte[] data) => new RestrictedUnpickler(path, member, data).Run();

    private ModelFormatException Bad(string problem) => new(_path, _member, $"{problem} (byte {_pos}).");

    private NotSupportedModelException Refused(string problem) =>
        new(_path, _member, $"{problem} at byte {_pos}: only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and torch.*Storage are allowed " +
            "(the semantics of torch.load(weights_only=True)); nothing was executed.");

    private object? Run()
    {
        while (true)
        {
            if (_pos >= _data.Length) throw Bad("the pickle ends without a STOP opcode");
            int opAt = _pos;
            byte op = _data[_pos++];
            switch (op)
            {
                case 0x80: Bytes(1); break;                                   // PROTO
                case 0x95: Bytes(8); break;                                   // FRAME (protocol 4): framing only
                case (byte)'.':                                               // STOP
                    if (_stack.Count != 1) throw Bad($"STOP with {_stack.Count} values on the stack");
                    return Pop();
                case (byte)'(': Push(Mark.Instance); break;                   // MARK
                case (byte)'}': Push(new PickleDict()); break;                // EMPTY_DICT
                case (byte)']': Push(new List<object?>()); break;             // EMPTY_LIST
                case (byte)')': Push(Array.Empty<object?>()); break;          // EMPTY_TUPLE
                case (byte)'N': Push(null); break;                            // NONE
                case 0x88: Push(true); break;                                 // NEWTRUE
                case 0x89: Push(false); break;                                // NEWFALSE
                case (byte)'K': Push((long)Bytes(1)[0]); break;               // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2))); break; // BININT2
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))); break;  // BININT
                case 0x8a: Push(Long(Bytes(1)[0])); break;                    // LONG1
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8))); break; // BINFLOAT
                case (byte)'X': Push(Text(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))); break; // BINUNICODE
                case 0x8c: Push(Text(Bytes(1)[0])); break;                    // SHORT_BINUNICODE
                case 0x8d: Push(Text((long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8)), long.MaxValue))); break; // BINUNICODE8
                case (byte)'c': Push(Global(Line(), Line())); break;          // GLOBAL
                case 0x93:                                                    // STACK_GLOBAL
                {
                    var name = Pop() as string ?? throw Bad("STACK_GLOBAL needs two strings");
                    var module = Pop() as string ?? throw Bad("STACK_GLOBAL needs two strings");
                    Push(Global(module, name));
                    break;
                }
                case (byte)'q': _memo[Bytes(1)[0]] = Peek(); break;          // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))] = Peek(); break; // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(); break;                // MEMOIZE
                case (byte)'h': Push(Memo(Bytes(1)[0])); break;               // BINGET
                case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))); break; // LONG_BINGET
                case (byte)'t': Push(PopToMark().ToArray()); break;           // TUPLE
                case 0x85: Push(new[] { Pop() }); break;                      // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }            // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                case (byte)'a': { var v = Pop(); ListOf(Peek()).Add(v); break; }                     // APPEND
                case (byte)'e': { var items = PopToMark(); ListOf(Peek()).AddRange(items); break; }  // APPENDS
                case (byte)'s': { var v = Pop(); var k = Pop(); DictOf(Peek()).Items.Add(new(k, v)); break; } // SETITEM
                case (byte)'u':                                               // SETITEMS
                {
                    var items = PopToMark();
                    if (items.Count % 2 != 0) throw Bad("SETITEMS with an odd number of values");
                    var dict = DictOf(Peek());
                    for (int i = 0; i < items.Count; i += 2) dict.Items.Add(new(items[i], items[i + 1]));
                    break;
                }
                case (byte)'Q': Push(PersistentId(Pop())); break;             // BINPERSID
                case (byte)'R':                                               // REDUCE
                {
                    var args = Pop() as object?[] ?? throw Bad("REDUCE needs an argument tuple");
                    Push(Reduce(Pop(), args));
                    break;
                }
                case (byte)'b':                                               // BUILD: only state on an OrderedDict (e.g. _metadata), ignored
                {
                    var state = Pop();
                    if (Peek() is not PickleDict || state is not (null or PickleDict)) throw Refused("BUILD (setting object state) on something other than an OrderedDict");
                    break;
                }
                default:
                    _pos = opAt;
                    throw Refused($"pickle opcode 0x{op:x2} ('{(op is >= 0x20 and < 0x7f ? (char)op : '?')}')");
            }
        }
    }

    private object Global(string module, string name)
    {
        var g = new PickleGlobal(module, name);
        if (g == OrderedDict || g == RebuildTensor || (module == "torch" && Storages.ContainsKey(name))) return g;
        throw Refused($"global '{module}.{name}'");
    }

    private object Reduce(object? callable, object?[] args)
    {
        if (callable is PickleGlobal g && g == OrderedDict)
        {
            if (args.Length != 0) throw Refused("OrderedDict called with arguments");
            return new PickleDict();
        }
        if (callable is PickleGlobal r && r == RebuildTensor)
        {
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            if (args.Length is < 6 or > 7) throw Bad($"_rebuild_tensor_v2 takes 6 or 7 arguments, got {args.Length}");
            var storage = args[0] as StorageRef ?? throw Bad("_rebuild_tensor_v2's first argument is not a storage");
            long offset = args[1] is long o && o >= 0 ? o : throw Bad("_rebuild_tensor_v2's storage offset is not a non-negative integer");
            var shape = Longs(args[2], "size");
            var stride = Longs(args[3], "stride");
            if (shape.Length != stride.Length) throw Bad($"_rebuild_tensor_v2's size has {shape.Length} dimensions but stride {stride.Length}");
            if (args[4] is not bool) throw Bad("_rebuild_tensor_v2's requires_grad is not a boolean");
            if (args[5] is not (PickleDict or null)) throw Bad("_rebuild_tensor_v2's backward hooks are not an OrderedDict");
            if (args[5] is PickleDict { Items.Count: > 0 }) throw Refused("a tensor with backward hooks");
            return new TensorRef(storage, offset, shape, stride);
        }
        throw Refused($"calling {callable switch { PickleGlobal pg => pg.ToString(), null => "None", _ => callable.GetType().Name }}");
    }

    private long[] Longs(object? value, string what)
    {
        if (value is not object?[] items) throw Bad($"_rebuild_tensor_v2's {what} is not a tuple");
        var result = new long[items.Length];
        for (int i = 0; i < items.Length; i++)
            result[i] = items[i] is long v && v >= 0 ? v : throw Bad($"_rebuild_tensor_v2's {what} has an entry that is not a non-negative integer");
        return result;
    }

    private StorageRef PersistentId(object? pid)
    {
        if (pid is not object?[] t || t.Length != 5 || t[0] is not "storage")
            throw Bad("persistent id is not ('storage', type, key, location, numel)");
        if (t[1] is not PickleGlobal { Module: "torch" } type || !Storages.TryGetValue(type.Name, out var dtype))
            throw Bad("persistent id names no torch storage type");
        var key = t[2] as string ?? throw Bad("storage key is not a string");
        if (key.Length == 0 || key.Length > 64 || !key.All(char.IsAsciiLetterOrDigit)) throw Bad($"storage key '{Printable(key)}' is not a plain name");
        if (t[3] is not string) throw Bad("storage location is not a string");
        long numel = t[4] is long n && n >= 0 ? n : throw Bad("storage element count is not a non-negative integer");
        return new StorageRef(dtype, key, numel);
    }

    private static string Printable(string s) => s.Length > 40 ? s[..40] + "…" : s;

    private long Long(int length)
    {
        var bytes = Bytes(length);
        if (length > 8) throw Refused($"an integer of {length} bytes");
        long v = 0;
        for (int i = length - 1; i >= 0; i--) v = (v << 8) | bytes[i];
        if (length is > 0 and < 8 && (bytes[length - 1] & 0x80) != 0) v -= 1L << (8 * length); // two's complement
        return v;
    }

    private string Text(long length)
    {
        if (length > _data.Length - _pos) throw Bad("a string runs past the end of the pickle");
        var bytes = Bytes((int)length);
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { throw Bad("a string is not valid UTF-8"); }
    }

    private string Line()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0 || end - _pos > 256) throw Bad("GLOBAL name is not a short newline-terminated line");
        var s = Encoding.ASCII.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private ReadOnlySpan<byte> Bytes(int count)
    {
        if (count < 0 || count > _data.Length - _pos) throw Bad("the pickle is truncated");
        var span = _data.AsSpan(_pos, count);
        _pos += count;
        return span;
    }

    private object? Memo(long key) => _memo.TryGetValue(key, out var v) ? v : throw Bad($"memo entry {key} is read before it is written");

    private void Push(object? value)
    {
        if (_stack.Count >= MaxStack) throw Bad("the pickle stack is too deep");
        _stack.Add(value);
    }

    private object? Pop()
    {
        if (_stack.Count == 0) throw Bad("the pickle pops an empty stack");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        if (v is Mark) throw Bad("a MARK is used as a value");
        return v;
    }

    private object? Peek()
    {
        if (_stack.Count == 0) throw Bad("the pickle reads an empty stack");
        return _stack[^1] is Mark ? throw Bad("a MARK is used as a value") : _stack[^1];
    }

    private List<object?> PopToMark()
    {
        int mark = _stack.FindLastIndex(v => v is Mark);
        if (mark < 0) throw Bad("no MARK on the stack");
        var items = _stack.GetRange(mark + 1, _stack.Count - mark - 1);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private List<object?> ListOf(object? value) => value as List<object?> ?? throw Bad("APPEND to something that is not a list");

    private PickleDict DictOf(object? value) => value as PickleDict ?? throw Bad("SETITEM on something that is not a dict");
}
