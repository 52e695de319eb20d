using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Aligner.Benchmarks.Suites;

/// <summary>Adds tokens/s and allocated bytes per generated token to the summary of <see cref="GenerationBenchmarks"/>.</summary>
public sealed class GenerationBenchmarkConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public GenerationBenchmarkConfig()
    {
        AddColumn(new TokenColumn("tokens/s", "Generated tokens (all sequences) per second",
            (summary, c, tokens) => summary[c]?.ResultStatistics is { } s ? tokens / (s.Mean / 1e9) : null, "F1"));
        AddColumn(new TokenColumn("B alloc/token", "Managed bytes allocated per generated token",
            (summary, c, tokens) => summary[c] is { } r ? r.GcStats.GetBytesAllocatedPerOperation(c) / tokens : null, "F0"));
    }

    /// <summary>A column derived from the mean or allocations and the case's token count (batch × generated).</summary>
    private sealed class TokenColumn(string name, string legend, Func<Summary, BenchmarkCase, double, double?> value, string format) : IColumn
    {
        public string Id => nameof(TokenColumn) + name;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => legend;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            int batch = Convert.ToInt32(benchmarkCase.Parameters["Batch"], System.Globalization.CultureInfo.InvariantCulture);
            int generated = Convert.ToInt32(benchmarkCase.Parameters["Generated"], System.Globalization.CultureInfo.InvariantCulture);
            var v = value(summary, benchmarkCase, (double)batch * generated);
            return v is { } x ? x.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "NA";
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
    }
}
