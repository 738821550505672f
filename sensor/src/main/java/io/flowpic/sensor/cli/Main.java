package io.flowpic.sensor.cli;

import picocli.CommandLine;

/** Entry point of the {@code flowpic} command. */
public final class Main
{
    private Main()
    {
    }

    public static void main(final String[] args)
    {
        System.exit(run(args));
    }

    public static int run(final String... args)
    {
        return commandLine().execute(args);
    }

    /** Runs with the given output streams, as tests and embedding tools need. */
    public static int run(final java.io.PrintWriter out, final java.io.PrintWriter err, final String... args)
    {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    private static CommandLine commandLine()
    {
        return new CommandLine(new FlowpicCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
