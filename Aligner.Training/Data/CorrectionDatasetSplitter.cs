namespace Aligner.Training.Data;

/// <summary>Duplicate removal and seeded train/validation splits of correction rows.</summary>
public static class CorrectionDatasetSplitter
{
    /// <summary>
    /// Removes rows whose (question, answer, correction) repeats an earlier row, keeping the first and the order.
    /// </summary>
    /// <param name="rows">The rows.</param>
    /// <param name="removed">How many rows were removed.</param>
    public static IReadOnlyList<CorrectionExample> RemoveDuplicates(IEnumerable<CorrectionExample> rows, out int removed)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var seen = new HashSet<(string, string, string)>();
        var kept = new List<CorrectionExample>();
        removed = 0;
        foreach (var row in rows)
        {
            if (seen.Add((row.Question, row.Answer, row.Correction))) kept.Add(row);
            else removed++;
        }
        return kept;
    }

    /// <summary>
    /// Shuffles the rows with a seed and splits off a validation share. Rows with the same (question, answer)
    /// always land in the same part, so validation never scores a prompt that training saw.
    /// </summary>
    /// <param name="rows">The rows.</param>
    /// <param name="validationShare">The share of rows for validation, in [0, 1).</param>
    /// <param name="seed">The shuffle seed.</param>
    public static (IReadOnlyList<CorrectionExample> Train, IReadOnlyList<CorrectionExample> Validation) Split(
        IReadOnlyList<CorrectionExample> rows, double validationShare, int seed)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (validationShare is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(validationShare), validationShare, "Must be in [0, 1).");
        var groups = rows.GroupBy(r => (r.Question, r.Answer)).Select(g => g.ToList()).ToArray();
        new Random(seed).Shuffle(groups);
        int target = (int)Math.Round(rows.Count * validationShare);
        var train = new List<CorrectionExample>();
        var validation = new List<CorrectionExample>();
        foreach (var group in groups)
            (validation.Count < target ? validation : train).AddRange(group);
        return (train, validation);
    }

    /// <summary>A seeded random sample of <paramref name="count"/> rows (all rows when <paramref name="count"/> is 0 or not smaller).</summary>
    public static IReadOnlyList<CorrectionExample> Sample(IReadOnlyList<CorrectionExample> rows, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (count <= 0 || count >= rows.Count) return rows;
        var rng = new Random(seed);
        return [.. rows.Select(r => (Row: r, Key: rng.Next())).OrderBy(x => x.Key).Take(count).Select(x => x.Row)];
    }
}
