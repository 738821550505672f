package io.flowpic.sensor.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import net.openhft.chronicle.queue.RollCycles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Loads {@link SensorConfig} from YAML. The defaults are the bundled copy of
 * {@code config/flowpic.yaml}; a user file is merged over them key by key, then the whole tree is
 * bound strictly (unknown keys and wrong types fail) and range-checked, every error naming the
 * file and the dotted key.
 */
public final class ConfigLoader
{
    static final String DEFAULT_RESOURCE = "flowpic.yaml";
    private static final String DEFAULT_NAME = "built-in defaults (config/flowpic.yaml)";

    private final ObjectMapper yaml;

    public ConfigLoader()
    {
        yaml = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);
    }

    public SensorConfig loadDefaults() throws ConfigException
    {
        return bind(defaultsTree(), DEFAULT_NAME);
    }

    /** @param file a YAML file, or null for the defaults alone. */
    public SensorConfig load(final Path file) throws ConfigException
    {
        if (file == null)
        {
            return loadDefaults();
        }
        if (Files.isDirectory(file))
        {
            throw new ConfigException(file + ": is a directory, not a config file");
        }
        if (!Files.isRegularFile(file))
        {
            throw new ConfigException(file + ": config file not found");
        }
        final JsonNode user;
        try
        {
            user = yaml.readTree(file.toFile());
        }
        catch (final JsonProcessingException ex)
        {
            throw new ConfigException(file + ": not valid YAML: " + ex.getOriginalMessage() + location(ex));
        }
        catch (final java.nio.file.AccessDeniedException ex)
        {
            throw new ConfigException(file + ": cannot read: permission denied");
        }
        catch (final IOException ex)
        {
            throw new ConfigException(file + ": cannot read: " + ex.getMessage());
        }
        final ObjectNode merged = defaultsTree();
        if (user != null && !user.isMissingNode() && !user.isNull())
        {
            if (!user.isObject())
            {
                throw new ConfigException(file + ": the top level must be a mapping of sections");
            }
            merge(merged, (ObjectNode)user, "", file.toString());
            resolveRelativePaths(merged, (ObjectNode)user, file);
        }
        return bind(merged, file.toString());
    }

    /**
     * journal.path and model.path written relative in a config file mean relative to that file, as in
     * systemd units and most daemons' configs, not to wherever the command happens to be started.
     */
    private static void resolveRelativePaths(final ObjectNode merged, final ObjectNode user, final Path file)
    {
        final Path base = file.toAbsolutePath().getParent();
        for (final String section : new String[] {"journal", "model"})
        {
            final JsonNode given = user.path(section).path("path");
            if (!given.isTextual() || given.asText().isBlank() || "default".equals(given.asText()))
            {
                continue;
            }
            final Path path = Path.of(given.asText());
            if (!path.isAbsolute() && merged.get(section) instanceof ObjectNode target)
            {
                target.put("path", base.resolve(path).normalize().toString());
            }
        }
    }

    private ObjectNode defaultsTree() throws ConfigException
    {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULT_RESOURCE))
        {
            if (in == null)
            {
                throw new ConfigException(DEFAULT_NAME + ": missing from the class path");
            }
            return (ObjectNode)yaml.readTree(in);
        }
        catch (final IOException ex)
        {
            throw new ConfigException(DEFAULT_NAME + ": " + ex.getMessage());
        }
    }

    private static void merge(final ObjectNode target, final ObjectNode source, final String path, final String file)
        throws ConfigException
    {
        final Iterator<Map.Entry<String, JsonNode>> fields = source.fields();
        while (fields.hasNext())
        {
            final Map.Entry<String, JsonNode> field = fields.next();
            final String key = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
            final JsonNode existing = target.get(field.getKey());
            if (existing == null)
            {
                throw new ConfigException(file + ": unknown key '" + key + "'" + knownKeys(target, path));
            }
            if (existing.isArray())
            {
                if (!field.getValue().isArray() && !field.getValue().isNull())
                {
                    throw new ConfigException(file + ": '" + key + "' must be a list");
                }
                target.set(field.getKey(), field.getValue().isNull() ? yamlArray(target) : field.getValue());
            }
            else if (existing.isObject())
            {
                if (!field.getValue().isObject())
                {
                    throw new ConfigException(file + ": '" + key + "' must be a section (a mapping)");
                }
                merge((ObjectNode)existing, (ObjectNode)field.getValue(), key, file);
            }
            else
            {
                if (field.getValue().isObject() || field.getValue().isArray())
                {
                    throw new ConfigException(file + ": '" + key + "' must be a single value, not a " +
                        (field.getValue().isObject() ? "section" : "list"));
                }
                target.set(field.getKey(), field.getValue());
            }
        }
    }

    private static JsonNode yamlArray(final ObjectNode owner)
    {
        return owner.arrayNode();
    }

    private static String knownKeys(final ObjectNode node, final String path)
    {
        final StringBuilder names = new StringBuilder();
        node.fieldNames().forEachRemaining(name -> names.append(names.length() == 0 ? "" : ", ").append(name));
        return " (known" + (path.isEmpty() ? " sections" : " keys in '" + path + "'") + ": " + names + ")";
    }

    private SensorConfig bind(final ObjectNode tree, final String file) throws ConfigException
    {
        final SensorConfig config;
        try
        {
            config = yaml.treeToValue(tree, SensorConfig.class);
        }
        catch (final UnrecognizedPropertyException ex)
        {
            throw new ConfigException(file + ": unknown key '" + dotted(ex) + "'");
        }
        catch (final JsonMappingException ex)
        {
            throw new ConfigException(file + ": bad value for '" + dotted(ex) + "': " + plain(ex));
        }
        catch (final JsonProcessingException ex)
        {
            throw new ConfigException(file + ": " + ex.getOriginalMessage());
        }
        new ConfigValidator(file).validate(config);
        return config;
    }

    /**
     * What was wrong, in the config's terms: Jackson's own text names Java types and advises on its settings
     * (DeserializationFeature, CoercionConfig), none of which an operator can act on.
     */
    static String plain(final JsonMappingException ex)
    {
        final String message = ex.getOriginalMessage() == null ? "" : ex.getOriginalMessage();
        final Class<?> type = ex instanceof MismatchedInputException mismatch ? mismatch.getTargetType() : null;
        final String expected = type == null ? null : expectedText(type);
        if (message.contains("Cannot map `null`") || message.contains("null value"))
        {
            return "must be set" + (expected == null ? "" : " to " + expected);
        }
        if (ex instanceof InvalidFormatException format && expected != null)
        {
            return "expected " + expected + ", got '" + format.getValue() + "'";
        }
        if (expected != null)
        {
            final java.util.regex.Matcher value = java.util.regex.Pattern.compile("value \\(([^)]*)\\)").matcher(message);
            return "expected " + expected + (value.find() ? ", got " + value.group(1) : "");
        }
        return message.replaceAll("\\s*\\((set|but could|through reference chain)[^)]*\\)", "")
            .replace("`", "'");
    }

    private static String expectedText(final Class<?> type)
    {
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class)
        {
            return "a whole number";
        }
        if (type == double.class || type == Double.class)
        {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class)
        {
            return "true or false";
        }
        if (type == String.class)
        {
            return "a text value";
        }
        if (java.util.List.class.isAssignableFrom(type))
        {
            return "a list";
        }
        if (java.util.Map.class.isAssignableFrom(type) || type.isRecord())
        {
            return "a mapping";
        }
        return null;
    }

    private static String dotted(final JsonMappingException ex)
    {
        return ex.getPath().stream()
            .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
            .collect(Collectors.joining()).replaceFirst("^\\.", "");
    }

    private static String location(final JsonProcessingException ex)
    {
        return ex.getLocation() == null ? "" :
            " (line " + ex.getLocation().getLineNr() + ", column " + ex.getLocation().getColumnNr() + ")";
    }

    static boolean isRollCycle(final String name)
    {
        for (final RollCycles cycle : RollCycles.values())
        {
            if (cycle.name().equals(name))
            {
                return true;
            }
        }
        return false;
    }
}
