package io.flowpic.sensor.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.sensor.journal.JournalReader;
import io.flowpic.sensor.journal.LabelRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "journal", mixinStandardHelpOptions = true, description = "Read the label journal.",
    subcommands = JournalCommand.Tail.class)
final class JournalCommand
{
    enum Format
    {
        text, json
    }

    @Command(name = "tail", mixinStandardHelpOptions = true, description = "Print journal records, one a line.")
    static final class Tail implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Mixin
        JournalDirOptions where;

        @Option(names = "--follow", description = "Keep waiting for new records.")
        boolean follow;

        @Option(names = "--format", defaultValue = "text", description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        Format format;

        public Integer call() throws Exception
        {
            final PrintWriter out = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            final Path dir = where.resolve(err);
            if (dir == null)
            {
                return ExitCodes.CONFIG_ERROR;
            }
            final ObjectMapper json = new ObjectMapper();
            try (JournalReader reader = follow ? awaitJournal(dir, err) : open(dir))
            {
                while (true)
                {
                    final LabelRecord record = next(reader, dir);
                    if (record == null)
                    {
                        out.flush();
                        if (!follow)
                        {
                            return ExitCodes.OK;
                        }
                        Thread.sleep(100);
                        continue;
                    }
                    out.println(format == Format.json ? json.writeValueAsString(toJson(record)) : toText(record));
                }
            }
            catch (final AccessDeniedException ex)
            {
                err.println("flowpic: " + ex.getReason());
                return ExitCodes.INPUT_ERROR;
            }
            catch (final IOException ex)
            {
                // A damaged record stops the tail after the records before it (skipping would hide the damage
                // from the one reader that shows records to a person; export skips and counts instead).
                out.flush();
                err.println("flowpic: " + ex.getMessage());
                return ExitCodes.INPUT_ERROR;
            }
        }

        /** Chronicle's own exceptions for a header it cannot read, in the journal's terms. */
        private static LabelRecord next(final JournalReader reader, final Path dir) throws IOException
        {
            try
            {
                return reader.next();
            }
            catch (final RuntimeException ex)
            {
                final long last = reader.lastReadIndex();
                throw new IOException("journal " + dir + ": the record after " + (last < 0 ? "the start" :
                    "index 0x" + Long.toHexString(last)) + " is damaged (its header cannot be read)");
            }
        }

        /**
         * Like tail -F: a sensor that has not started yet (or a journal directory not yet created) is waited
         * for, not an error, so a follower can be started before the sensor.
         */
        private static JournalReader awaitJournal(final Path dir, final PrintWriter err)
            throws InterruptedException, IOException
        {
            boolean told = false;
            while (true)
            {
                try
                {
                    return open(dir);
                }
                catch (final AccessDeniedException ex)
                {
                    throw ex; // waiting would not help: another user's journal
                }
                catch (final IOException ex)
                {
                    if (!told)
                    {
                        err.println("flowpic: " + ex.getMessage() + "; waiting for it (--follow)");
                        err.flush();
                        told = true;
                    }
                }
                Thread.sleep(500);
            }
        }

        /**
         * Opens the journal, telling a journal this user may not read (the service's is flowpic:flowpic, 0750)
         * from a missing one: both look like "no journal" to the reader, which only sees files it can stat.
         */
        static JournalReader open(final Path dir) throws IOException
        {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir))
            {
                for (final Path entry : entries)
                {
                    if (Files.isRegularFile(entry) && !Files.isReadable(entry))
                    {
                        throw new AccessDeniedException(entry.toString());
                    }
                }
            }
            catch (final AccessDeniedException ex)
            {
                final String file = dir.toString().equals(ex.getFile()) ? "" : ex.getFile() + ", ";
                throw new AccessDeniedException(ex.getFile(), null, "permission denied reading the journal at " + dir +
                    " (" + file + "as user " + System.getProperty("user.name") + ")");
            }
            catch (final NoSuchFileException | NotDirectoryException ex)
            {
                // the reader's own "no journal at" says it
            }
            return new JournalReader(dir);
        }

        static Map<String, Object> toJson(final LabelRecord record)
        {
            final Map<String, Object> map = new LinkedHashMap<>();
            map.put("start_ns", record.startNanos);
            map.put("end_ns", record.endNanos);
            map.put("src_ip", record.srcIp());
            map.put("src_port", record.srcPort);
            map.put("dst_ip", record.dstIp());
            map.put("dst_port", record.dstPort);
            map.put("proto", record.protocolName());
            map.put("packets", record.packets);
            map.put("bytes", record.bytes);
            map.put("label", record.label);
            map.put("confidence", record.confidence);
            final Map<String, Object> scores = new LinkedHashMap<>();
            for (int i = 0; i < record.scores.length; i++)
            {
                scores.put(record.scoreLabels[i], record.scores[i]);
            }
            map.put("scores", scores);
            map.put("model", record.modelId);
            return map;
        }

        static String toText(final LabelRecord record)
        {
            return String.format("%s %s %s:%d -> %s:%d packets=%d bytes=%d %s %.3f model=%s",
                Instant.ofEpochSecond(0, record.startNanos), record.protocolName(),
                bracket(record), record.srcPort, bracketDst(record), record.dstPort,
                record.packets, record.bytes, record.label, record.confidence, record.modelId);
        }

        private static String bracket(final LabelRecord record)
        {
            return record.ipVersion == 6 ? "[" + record.srcIp() + "]" : record.srcIp();
        }

        private static String bracketDst(final LabelRecord record)
        {
            return record.ipVersion == 6 ? "[" + record.dstIp() + "]" : record.dstIp();
        }
    }
}
