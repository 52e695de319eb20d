namespace Aligner.Cli;

/// <summary>Lets tests find the CLI assembly.</summary>
public static class ExitCodesMarker { }
