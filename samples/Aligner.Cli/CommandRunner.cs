using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace Aligner.Cli;

/// <summary>Runs a command body and turns exceptions into one-line messages and exit codes (stack traces only with --verbose).</summary>
internal static class CommandRunner
{
    public static void SetGuardedAction(this Command command, Func<ParseResult, ILoggerFactory, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            bool verbose = parseResult.GetValue(CommonOptions.Verbose);
            // Logs go to stderr so that stdout stays clean JSON / JSONL for scripts.
            using var loggerFactory = LoggerFactory.Create(b => b
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = null; })
                .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning)
                .AddFilter("Microsoft", LogLevel.Warning));
            try
            {
                return await body(parseResult, loggerFactory, cancellationToken);
            }
            catch (Exception e)
            {
                var (code, kind) = Classify(e);
                if (code == ExitCodes.Cancelled) { Console.Error.WriteLine("aligner: cancelled."); return code; }
                Console.Error.WriteLine($"aligner: {kind}: {e.Message}");
                if (verbose) Console.Error.WriteLine(e);
                return code;
            }
        });
    }

    private static (int Code, string Kind) Classify(Exception e) => e switch
    {
        OperationCanceledException => (ExitCodes.Cancelled, "cancelled"),
        ModelFormatException => (ExitCodes.ModelError, "model error"),
        ModelTooLargeException => (ExitCodes.ModelError, "model too large for memory"),
        CliUsageException => (ExitCodes.Usage, "usage"),
        InputDataException => (ExitCodes.InputError, "input error"),
        FileNotFoundException or DirectoryNotFoundException => (ExitCodes.InputError, "not found"),
        IOException => (ExitCodes.InputError, "file error"),
        CorrectionFailedException or ContextBudgetExceededException => (ExitCodes.CorrectionFailed, "correction failed"),
        ArgumentException => (ExitCodes.Usage, "invalid argument"),
        AlignerException => (ExitCodes.Unexpected, "error"),
        _ => (ExitCodes.Unexpected, $"unexpected {e.GetType().Name}"),
    };
}

/// <summary>The command line was well-formed but meaningless (e.g. no answer given).</summary>
internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>A user data file could not be read (names the file and line).</summary>
internal sealed class InputDataException(string message) : Exception(message);
