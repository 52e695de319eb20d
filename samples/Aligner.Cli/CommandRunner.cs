using System.CommandLine;
using System.Runtime.InteropServices;
using Aligner.Cli.Commands;
using Microsoft.Extensions.Logging;

namespace Aligner.Cli;

/// <summary>
/// The CLI's error contract: every failure is one line on stderr, <c>aligner: &lt;kind&gt;: &lt;message&gt;</c>, with a
/// distinct exit code (2 usage, 3 model files, 4 input data, 5 correction failed, 130 cancelled, 1 anything else);
/// stack traces only with --verbose. Parse errors included: they never print the help to stdout.
/// </summary>
internal static class CommandRunner
{
    /// <summary>Parses and runs the command line. Ctrl-C / SIGTERM cancel the running command, which then exits with 130.</summary>
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            var command = string.Join(' ', parsed.CommandResult.Command is RootCommand ? ["aligner"] : new[] { "aligner", parsed.CommandResult.Command.Name });
            // An unknown word explains more than the "required command was not provided" that it causes.
            var error = parsed.UnmatchedTokens.Count > 0 && parsed.Errors.Count > 1 && parsed.CommandResult.Command is RootCommand
                ? parsed.Errors.FirstOrDefault(e => e.Message.Contains(parsed.UnmatchedTokens[0], StringComparison.Ordinal)) ?? parsed.Errors[0]
                : parsed.Errors[0];
            var message = OneLine(error.Message);
            // Name the flag when System.CommandLine's message does not (e.g. "Argument 'f8' not recognized").
            var option = error.SymbolResult switch
            {
                System.CommandLine.Parsing.OptionResult o => o.Option,
                System.CommandLine.Parsing.ArgumentResult { Parent: System.CommandLine.Parsing.OptionResult o } => o.Option,
                _ => null,
            };
            if (option is not null && !message.Contains(option.Name, StringComparison.Ordinal)) message = $"{option.Name}: {message}";
            Console.Error.WriteLine($"aligner: usage: {message} (see '{command} --help')");
            return ExitCodes.Usage;
        }
        // The commands handle cancellation themselves (they keep what is done), so System.CommandLine must not
        // end the process two seconds after Ctrl-C.
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

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
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            int signals = 0;
            void OnSignal(PosixSignalContext context)
            {
                // The first Ctrl-C asks the command to stop cleanly; a second one ends the process at once.
                if (Interlocked.Increment(ref signals) > 1) return;
                context.Cancel = true;
                cancel.Cancel();
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            try
            {
                return await body(parseResult, loggerFactory, cancel.Token);
            }
            catch (Exception e)
            {
                var (code, kind) = e is RowFailedException { InnerException: { } inner }
                    ? inner is ArgumentException ? (ExitCodes.InputError, "input error") : Classify(inner)
                    : Classify(e);
                if (code == ExitCodes.Cancelled)
                {
                    Console.Error.WriteLine(e is CliCancelledException ? $"aligner: {e.Message}" : "aligner: cancelled.");
                    return code;
                }
                Console.Error.WriteLine($"aligner: {kind}: {OneLine(e.Message)}");
                if (verbose) Console.Error.WriteLine(e);
                return code;
            }
        });
    }

    private static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static (int Code, string Kind) Classify(Exception e) => e switch
    {
        OperationCanceledException => (ExitCodes.Cancelled, "cancelled"),
        CliModelException or ModelFormatException => (ExitCodes.ModelError, "model error"),
        ModelTooLargeException => (ExitCodes.ModelError, "model too large for memory"),
        CliUsageException => (ExitCodes.Usage, "usage"),
        InputDataException => (ExitCodes.InputError, "input error"),
        FileNotFoundException or DirectoryNotFoundException => (ExitCodes.InputError, "not found"),
        UnauthorizedAccessException => (ExitCodes.InputError, "file error"),
        IOException => (ExitCodes.InputError, "file error"),
        CorrectionFailedException or ContextBudgetExceededException => (ExitCodes.CorrectionFailed, "correction failed"),
        ArgumentException => (ExitCodes.Usage, "invalid argument"),
        AlignerException => (ExitCodes.Unexpected, "error"),
        _ => (ExitCodes.Unexpected, $"unexpected {e.GetType().Name}"),
    };
}

/// <summary>The command line was well-formed but meaningless (e.g. no answer given); the message names the flag.</summary>
internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>The model folder or its files are missing or unusable (exit 3).</summary>
internal sealed class CliModelException(string message) : Exception(message);

/// <summary>A user data file could not be read (names the file and line).</summary>
internal sealed class InputDataException(string message) : Exception(message);
