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
        return new CommandLine(new FlowpicCommand())
            .setCaseInsensitiveEnumValuesAllowed(true)
            .execute(args);
    }
}
