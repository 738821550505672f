package io.flowpic.sensor.cli;

import picocli.CommandLine.Command;

@Command(
    name = "flowpic",
    mixinStandardHelpOptions = true,
    version = "flowpic 0.1.0",
    description = "Labels encrypted traffic per flow block from packet sizes and timing (FlowPic).",
    subcommands = {RunCommand.class, ReplayCommand.class, JournalCommand.class, TrainCommand.class,
        EvaluateCommand.class, RenderCommand.class, DatasetCommand.class, BenchCommand.class, StatCommand.class,
        ExportCommand.class})
final class FlowpicCommand
{
}
