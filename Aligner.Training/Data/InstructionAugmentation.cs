namespace Aligner.Training.Data;

/// <summary>
/// Data augmentation for correctors trained with one instruction per row category (the instruct template with
/// <c>aligner_instructions</c>): when a category's content always comes with its instruction, a small corrector learns the
/// content and ignores the instruction, and so fails on content it has never seen. Copies of those rows with another
/// row's question, or another row's answer, keep the category (hence the instruction) and the correction, so the
/// instruction becomes what decides. Meant for categories whose correction does not depend on the content (e.g. a
/// refusal for <c>harmful</c>).
/// </summary>
public static class InstructionAugmentation
{
    /// <summary>
    /// Returns <paramref name="rows"/> followed by, for each row of one of <paramref name="categories"/> that needs
    /// correction, a copy with the question of a random row of another category and a copy with the answer of one.
    /// Deterministic for a seed.
    /// </summary>
    public static IReadOnlyList<CorrectionExample> DecoupleContent(IReadOnlyList<CorrectionExample> rows, IReadOnlyCollection<string> categories, int seed)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(categories);
        if (categories.Count == 0) return rows;
        var chosen = new HashSet<string>(categories, StringComparer.OrdinalIgnoreCase);
        var others = rows.Where(r => r.Category is null || !chosen.Contains(r.Category)).ToList();
        if (others.Count == 0) return rows;
        var rng = new Random(seed);
        var result = new List<CorrectionExample>(rows);
        foreach (var row in rows)
        {
            if (row.Category is null || !chosen.Contains(row.Category) || row.IsIdentity) continue;
            result.Add(row with { Question = others[rng.Next(others.Count)].Question });
            result.Add(row with { Answer = others[rng.Next(others.Count)].Answer });
        }
        return result;
    }
}
