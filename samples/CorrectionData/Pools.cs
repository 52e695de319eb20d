namespace Aligner.Samples.CorrectionData;

internal enum Split { Train, Validation, Test }

/// <summary>
/// A list partitioned between splits. Template pools (phrasings) hold their last item out for the test split and the one
/// before for validation (when they have at least five); evaluation rows use a held-out template half the time. Entity
/// pools (words, sentences, countries, names) are partitioned by a stable hash of a key: ~5 % validation, ~5 % test.
/// </summary>
internal sealed class Pool<T>
{
    private readonly T[] _train, _validation, _test;
    private readonly bool _templates;

    private Pool(T[] train, T[] validation, T[] test, bool templates)
    {
        _train = train; _validation = validation; _test = test; _templates = templates;
    }

    public int Count => _train.Length + _validation.Length + _test.Length;

    public static Pool<T> Templates(IReadOnlyList<T> items)
    {
        if (items.Count < 5) return new Pool<T>([.. items], [], [], true);
        return new Pool<T>([.. items.Take(items.Count - 2)], [items[^2]], [items[^1]], true);
    }

    public static Pool<T> Entities(IEnumerable<T> items, Func<T, string> key, int heldOutPercent = 5)
    {
        var train = new List<T>(); var val = new List<T>(); var test = new List<T>();
        foreach (var item in items)
        {
            var h = StableHash(key(item)) % 100;
            if (h < (ulong)heldOutPercent) val.Add(item);
            else if (h < (ulong)(2 * heldOutPercent)) test.Add(item);
            else train.Add(item);
        }
        return new Pool<T>([.. train], [.. val], [.. test], false);
    }

    /// <summary>A pool whose items every split shares.</summary>
    public static Pool<T> Shared(IReadOnlyList<T> items) => new([.. items], [], [], true);

    public T Pick(Random rng, Split split)
    {
        var own = split switch { Split.Validation => _validation, Split.Test => _test, _ => _train };
        if (split == Split.Train || own.Length == 0) return _train[rng.Next(_train.Length)];
        if (_templates && rng.Next(2) == 0) return _train[rng.Next(_train.Length)];
        return own[rng.Next(own.Length)];
    }

    public static ulong StableHash(string s)
    {
        ulong h = 14695981039346656037;
        foreach (var c in s) { h ^= c; h *= 1099511628211; }
        return h;
    }
}
