package io.flowpic.sensor.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;

/** What a replay did, as printed by {@code flowpic replay}. Field order is the JSON key order. */
public record ReplaySummary(
    int files,
    long packets,
    long decoded,
    Map<String, Long> malformed,
    Map<String, Long> skipped,
    long flows,
    long blocksClassified,
    long blocksTooSmall,
    long blocksDropped,
    Map<String, Long> labels,
    double seconds)
{
    /** The JSON object of {@code --summary json}, with exactly its documented keys. */
    public Map<String, Object> toJsonMap()
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        map.put("files", files);
        map.put("packets", packets);
        map.put("decoded", decoded);
        map.put("malformed", malformed);
        map.put("skipped", skipped);
        map.put("flows", flows);
        map.put("blocks_classified", blocksClassified);
        map.put("blocks_too_small", blocksTooSmall);
        map.put("blocks_dropped", blocksDropped);
        map.put("labels", labels);
        map.put("seconds", seconds);
        return map;
    }

    public double packetsPerSecond()
    {
        return seconds > 0 ? packets / seconds : 0;
    }
}
