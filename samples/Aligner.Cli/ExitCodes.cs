namespace Aligner.Cli;

/// <summary>Distinct process exit codes, so scripts can tell failures apart.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Unexpected = 1;
    public const int Usage = 2;
    public const int ModelError = 3;
    public const int InputError = 4;
    public const int CorrectionFailed = 5;
    public const int Cancelled = 130;
}
