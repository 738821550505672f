package io.flowpic.inference.dataset;

/** A malformed row of a FlowPic CSV file: names the file, the 1-based line number and what is wrong. */
public final class FlowCsvException extends Exception
{
    private final String file;
    private final long line;
    private final String problem;

    public FlowCsvException(final String file, final long line, final String problem)
    {
        super(file + ":" + line + ": " + problem);
        this.file = file;
        this.line = line;
        this.problem = problem;
    }

    public String file()
    {
        return file;
    }

    public long line()
    {
        return line;
    }

    public String problem()
    {
        return problem;
    }
}
