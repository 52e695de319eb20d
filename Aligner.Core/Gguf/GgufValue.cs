using System.Globalization;

namespace Aligner.Gguf;

/// <summary>
/// One GGUF metadata value: a scalar (boxed <see cref="byte"/>, <see cref="sbyte"/>, <see cref="ushort"/>, <see cref="short"/>,
/// <see cref="uint"/>, <see cref="int"/>, <see cref="float"/>, <see cref="bool"/>, <see cref="ulong"/>, <see cref="long"/>,
/// <see cref="double"/>), a <see cref="string"/>, or an array of one of those (a .NET array of the element type).
/// </summary>
public sealed class GgufValue
{
    private GgufValue(GgufValueType type, GgufValueType? elementType, object value)
    {
        Type = type;
        ElementType = elementType;
        Value = value;
    }

    /// <summary>The stored type.</summary>
    public GgufValueType Type { get; }

    /// <summary>For arrays, the element type; otherwise <see langword="null"/>.</summary>
    public GgufValueType? ElementType { get; }

    /// <summary>The value: a boxed scalar, a string, or a .NET array of the element type.</summary>
    public object Value { get; }

    /// <summary>Number of elements of an array value; 1 for a scalar.</summary>
    public long Count => Value is Array a ? a.LongLength : 1;

    /// <summary>A scalar value of the given type.</summary>
    /// <exception cref="ArgumentException">The value is not of the .NET type that <paramref name="type"/> stores.</exception>
    public static GgufValue Scalar(GgufValueType type, object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (type == GgufValueType.Array) throw new ArgumentException("Use Array for array values.", nameof(type));
        if (value.GetType() != ClrTypeOf(type))
            throw new ArgumentException($"A {type} value must be a {ClrTypeOf(type).Name}, not {value.GetType().Name}.", nameof(value));
        return new GgufValue(type, null, value);
    }

    /// <summary>An array value whose elements have type <paramref name="elementType"/> (nested arrays are not supported).</summary>
    /// <exception cref="ArgumentException">The array is not a .NET array of the element type's .NET type.</exception>
    public static GgufValue Array(GgufValueType elementType, Array elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        if (elementType == GgufValueType.Array) throw new ArgumentException("Nested arrays are not supported.", nameof(elementType));
        if (elements.GetType().GetElementType() != ClrTypeOf(elementType) || elements.Rank != 1)
            throw new ArgumentException($"An array of {elementType} must be a {ClrTypeOf(elementType).Name}[].", nameof(elements));
        return new GgufValue(GgufValueType.Array, elementType, elements);
    }

    /// <summary>A string value.</summary>
    public static GgufValue From(string value) => Scalar(GgufValueType.String, value);

    /// <summary>A 32-bit unsigned value.</summary>
    public static GgufValue From(uint value) => Scalar(GgufValueType.UInt32, value);

    /// <summary>A 32-bit signed value.</summary>
    public static GgufValue From(int value) => Scalar(GgufValueType.Int32, value);

    /// <summary>A 32-bit float value.</summary>
    public static GgufValue From(float value) => Scalar(GgufValueType.Float32, value);

    /// <summary>A boolean value.</summary>
    public static GgufValue From(bool value) => Scalar(GgufValueType.Bool, value);

    /// <summary>The .NET type that holds a value (or array element) of <paramref name="type"/>.</summary>
    public static Type ClrTypeOf(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => typeof(byte),
        GgufValueType.Int8 => typeof(sbyte),
        GgufValueType.UInt16 => typeof(ushort),
        GgufValueType.Int16 => typeof(short),
        GgufValueType.UInt32 => typeof(uint),
        GgufValueType.Int32 => typeof(int),
        GgufValueType.Float32 => typeof(float),
        GgufValueType.Bool => typeof(bool),
        GgufValueType.String => typeof(string),
        GgufValueType.UInt64 => typeof(ulong),
        GgufValueType.Int64 => typeof(long),
        GgufValueType.Float64 => typeof(double),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a scalar GGUF type."),
    };

    /// <summary>The value as a string; throws when it is not a string.</summary>
    public string AsString() => Value as string ?? throw new InvalidCastException($"GGUF value is {Type}, not String.");

    /// <summary>The value as an integer when it is any integer type that fits a <see cref="long"/>; throws otherwise.</summary>
    public long AsInteger() => Value switch
    {
        byte v => v, sbyte v => v, ushort v => v, short v => v, uint v => v, int v => v, long v => v,
        ulong v when v <= long.MaxValue => (long)v,
        _ => throw new InvalidCastException($"GGUF value is {Type}, not an integer."),
    };

    /// <summary>The value as a double when it is a float or integer type; throws otherwise.</summary>
    public double AsDouble() => Value switch
    {
        float f => f, double d => d,
        _ => AsInteger(),
    };

    /// <summary>The elements of an array value; throws when the value is not an array of <typeparamref name="T"/>.</summary>
    public T[] AsArray<T>() => Value as T[] ?? throw new InvalidCastException($"GGUF value is {Type}{(ElementType is { } e ? " of " + e : "")}, not an array of {typeof(T).Name}.");

    /// <inheritdoc />
    public override string ToString() => Value switch
    {
        string s => s,
        Array a => $"[{ElementType} x {a.LongLength}]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Value.ToString() ?? "",
    };
}
