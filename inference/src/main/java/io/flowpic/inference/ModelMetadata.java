package io.flowpic.inference;

import io.flowpic.flowtable.flow.FlowPicSpec;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Metadata file {@value #FILE_NAME} beside the SavedModel files in a model directory.
 *
 * <p>All fields are validated on construction (an invalid instance cannot exist), so {@link #read(Path)}
 * and {@link #write(Path)} only ever see valid metadata.
 *
 * @param formatVersion metadata format version, currently always {@value #FORMAT_VERSION}
 * @param modelId       free-form non-blank model identifier
 * @param labels        class labels in the order of the model's output scores; non-empty, non-blank, distinct
 * @param resolution    FlowPic resolution R (image is R x R): 32, 64 or 1500
 * @param blockSeconds  length of the flow block in seconds: 15 or 60
 * @param maxPacketSize largest packet size mapped onto the size axis (normally 1500), 1..65535
 * @param normalization applied in Java to raw counts before feeding: "none", "log1p" or "max"
 *                      (max = divide each image by its largest count, all-zero images stay zero)
 * @param signature     SavedModel signature key, e.g. {@code serving_default}
 * @param inputName     signature input key (float [-1,R,R,1])
 * @param outputName    signature output key (float [-1,labels.size()], softmax scores)
 * @param flowInputName optional second signature input (float [-1,{@link FlowDescriptors#WIDTH}], the block's
 *                      flow descriptors); null for models that see the picture only
 * @param calibration   optional temperature fitted on validation blocks ({@link ScoreCalibration}); null = scores
 *                      as the graph emits them (temperature 1), as in models written before calibration existed
 */
public record ModelMetadata(int formatVersion, String modelId, List<String> labels, int resolution,
                            int blockSeconds, int maxPacketSize, String normalization, String signature,
                            String inputName, String outputName, String flowInputName, Calibration calibration) {

    /**
     * Temperature scaling of the scores: served scores are softmax(log(p) / temperature).
     *
     * @param temperature    &gt; 0; above 1 softens over-confident scores, below 1 sharpens
     * @param fittedOnBlocks validation blocks the temperature was fitted on (minimum negative log-likelihood)
     * @param eceBefore      expected calibration error on those blocks before scaling (for the record)
     * @param eceAfter       the same after scaling
     */
    public record Calibration(double temperature, int fittedOnBlocks, double eceBefore, double eceAfter) {
        public Calibration {
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("field 'calibration.temperature': " + temperature
                        + " is not a positive finite number");
            }
            if (fittedOnBlocks < 0) {
                throw new IllegalArgumentException("field 'calibration.fitted_on_blocks': " + fittedOnBlocks + " < 0");
            }
        }
    }

    public static final String FILE_NAME = "flowpic-model.json";
    public static final int FORMAT_VERSION = 1;
    public static final Set<Integer> RESOLUTIONS = FlowPicSpec.MODEL_RESOLUTIONS;
    public static final Set<Integer> BLOCK_SECONDS = FlowPicSpec.MODEL_BLOCK_SECONDS;
    public static final Set<String> NORMALIZATIONS = Set.of("none", "log1p", "max");

    private static final List<String> FIELDS = List.of("formatVersion", "modelId", "labels", "resolution",
            "blockSeconds", "maxPacketSize", "normalization", "signature", "inputName", "outputName", "flowInputName",
            "calibration");
    private static final List<String> CALIBRATION_FIELDS = List.of("temperature", "fitted_on_blocks", "ece_before",
            "ece_after");
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** @throws IllegalArgumentException naming the field if any field is invalid */
    public ModelMetadata {
        if (labels != null) {
            for (String l : labels) {
                if (l == null) {
                    throw new IllegalArgumentException("field 'labels': contains null");
                }
            }
            labels = List.copyOf(labels);
        }
        String problem = problem(formatVersion, modelId, labels, resolution, blockSeconds, maxPacketSize,
                normalization, signature, inputName, outputName);
        if (problem == null && flowInputName != null && (flowInputName.isBlank() || flowInputName.equals(inputName))) {
            problem = "field 'flowInputName': blank or the same as inputName";
        }
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** Metadata without calibration (temperature 1). */
    public ModelMetadata(int formatVersion, String modelId, List<String> labels, int resolution,
                         int blockSeconds, int maxPacketSize, String normalization, String signature,
                         String inputName, String outputName, String flowInputName) {
        this(formatVersion, modelId, labels, resolution, blockSeconds, maxPacketSize, normalization, signature,
                inputName, outputName, flowInputName, null);
    }

    /** The same metadata with {@code c} as its calibration (null = none). */
    public ModelMetadata withCalibration(Calibration c) {
        return new ModelMetadata(formatVersion, modelId, labels, resolution, blockSeconds, maxPacketSize, normalization,
                signature, inputName, outputName, flowInputName, c);
    }

    /** Temperature the served scores are scaled with: the calibration's, or 1 without one. */
    public double temperature() {
        return calibration == null ? 1.0 : calibration.temperature();
    }

    /** Metadata of a model that sees the picture only (no {@code flowInputName}). */
    public ModelMetadata(int formatVersion, String modelId, List<String> labels, int resolution,
                         int blockSeconds, int maxPacketSize, String normalization, String signature,
                         String inputName, String outputName) {
        this(formatVersion, modelId, labels, resolution, blockSeconds, maxPacketSize, normalization, signature,
                inputName, outputName, null);
    }

    /** Number of classes (= labels.size()). */
    public int numClasses() {
        return labels.size();
    }

    private static String problem(int formatVersion, String modelId, List<String> labels, int resolution,
                                  int blockSeconds, int maxPacketSize, String normalization, String signature,
                                  String inputName, String outputName) {
        if (formatVersion != FORMAT_VERSION) {
            return "field 'formatVersion': unsupported value " + formatVersion + " (expected " + FORMAT_VERSION + ")";
        }
        if (isBlank(modelId)) {
            return "field 'modelId': missing or blank";
        }
        if (labels == null || labels.isEmpty()) {
            return "field 'labels': missing or empty";
        }
        Set<String> seen = new HashSet<>();
        for (String l : labels) {
            if (isBlank(l)) {
                return "field 'labels': contains a blank label";
            }
            if (l.equals(ConfidenceThreshold.UNKNOWN)) {
                return "field 'labels': '" + l + "' is reserved for blocks below flowpic.min-confidence";
            }
            if (!seen.add(l)) {
                return "field 'labels': duplicate label '" + l + "'";
            }
        }
        if (!RESOLUTIONS.contains(resolution)) {
            return "field 'resolution': " + resolution + " is not one of " + new TreeSet<>(RESOLUTIONS);
        }
        if (!BLOCK_SECONDS.contains(blockSeconds)) {
            return "field 'blockSeconds': " + blockSeconds + " is not one of " + new TreeSet<>(BLOCK_SECONDS);
        }
        if (maxPacketSize < FlowPicSpec.MIN_MAX_PACKET_SIZE || maxPacketSize > FlowPicSpec.MAX_MAX_PACKET_SIZE) {
            return "field 'maxPacketSize': " + maxPacketSize + " is not in " + FlowPicSpec.MIN_MAX_PACKET_SIZE + ".."
                    + FlowPicSpec.MAX_MAX_PACKET_SIZE;
        }
        if (normalization == null || !NORMALIZATIONS.contains(normalization)) {
            return "field 'normalization': " + (normalization == null ? "missing" : "unknown value '" + normalization + "'")
                    + " (expected none, log1p or max)";
        }
        if (isBlank(signature)) {
            return "field 'signature': missing or blank";
        }
        if (isBlank(inputName)) {
            return "field 'inputName': missing or blank";
        }
        if (isBlank(outputName)) {
            return "field 'outputName': missing or blank";
        }
        return null;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    /**
     * Reads and validates {@code modelDir/flowpic-model.json}.
     *
     * @throws ModelException naming the file and the field for a missing file, malformed JSON, a missing,
     *                        mistyped or invalid field, or an unknown field
     */
    public static ModelMetadata read(Path modelDir) throws ModelException {
        Objects.requireNonNull(modelDir, "modelDir");
        Path file = modelDir.resolve(FILE_NAME);
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ModelException(file + ": metadata file not found");
        } catch (JsonProcessingException e) {
            throw new ModelException(file + ": malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelException(file + ": cannot read: " + e, e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelException(file + ": top level is not a JSON object");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!FIELDS.contains(name)) {
                throw new ModelException(file + ": unknown field '" + name + "'");
            }
        }
        int formatVersion = intField(file, root, "formatVersion");
        String modelId = textField(file, root, "modelId");
        JsonNode labelsNode = root.get("labels");
        if (labelsNode == null || labelsNode.isNull()) {
            throw new ModelException(file + ": field 'labels': missing");
        }
        if (!labelsNode.isArray()) {
            throw new ModelException(file + ": field 'labels': not an array of strings");
        }
        List<String> labels = new ArrayList<>();
        for (JsonNode l : labelsNode) {
            if (!l.isTextual()) {
                throw new ModelException(file + ": field 'labels': element " + l + " is not a string");
            }
            labels.add(l.textValue());
        }
        int resolution = intField(file, root, "resolution");
        int blockSeconds = intField(file, root, "blockSeconds");
        int maxPacketSize = intField(file, root, "maxPacketSize");
        String normalization = textField(file, root, "normalization");
        String signature = textField(file, root, "signature");
        String inputName = textField(file, root, "inputName");
        String outputName = textField(file, root, "outputName");
        String flowInputName = root.hasNonNull("flowInputName") ? textField(file, root, "flowInputName") : null;
        Calibration calibration = root.hasNonNull("calibration") ? calibration(file, root.get("calibration")) : null;
        try {
            return new ModelMetadata(formatVersion, modelId, labels, resolution, blockSeconds, maxPacketSize,
                    normalization, signature, inputName, outputName, flowInputName, calibration);
        } catch (IllegalArgumentException e) {
            throw new ModelException(file + ": " + e.getMessage(), e);
        }
    }

    private static Calibration calibration(Path file, JsonNode node) throws ModelException {
        if (!node.isObject()) {
            throw new ModelException(file + ": field 'calibration': not an object");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!CALIBRATION_FIELDS.contains(name)) {
                throw new ModelException(file + ": unknown field 'calibration." + name + "'");
            }
        }
        JsonNode t = node.get("temperature");
        if (t == null || !t.isNumber()) {
            throw new ModelException(file + ": field 'calibration.temperature': missing or not a number");
        }
        JsonNode blocks = node.get("fitted_on_blocks");
        if (blocks != null && !(blocks.isIntegralNumber() && blocks.canConvertToInt())) {
            throw new ModelException(file + ": field 'calibration.fitted_on_blocks': not an integer: " + blocks);
        }
        try {
            return new Calibration(t.doubleValue(), blocks == null ? 0 : blocks.intValue(),
                    number(file, node, "ece_before"), number(file, node, "ece_after"));
        } catch (IllegalArgumentException e) {
            throw new ModelException(file + ": " + e.getMessage(), e);
        }
    }

    private static double number(Path file, JsonNode node, String name) throws ModelException {
        JsonNode n = node.get(name);
        if (n == null || n.isNull()) {
            return Double.NaN;
        }
        if (!n.isNumber()) {
            throw new ModelException(file + ": field 'calibration." + name + "': not a number: " + n);
        }
        return n.doubleValue();
    }

    private static int intField(Path file, JsonNode root, String name) throws ModelException {
        JsonNode n = root.get(name);
        if (n == null || n.isNull()) {
            throw new ModelException(file + ": field '" + name + "': missing");
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new ModelException(file + ": field '" + name + "': not an integer: " + n);
        }
        return n.intValue();
    }

    private static String textField(Path file, JsonNode root, String name) throws ModelException {
        JsonNode n = root.get(name);
        if (n == null || n.isNull()) {
            throw new ModelException(file + ": field '" + name + "': missing");
        }
        if (!n.isTextual()) {
            throw new ModelException(file + ": field '" + name + "': not a string: " + n);
        }
        return n.textValue();
    }

    /** Writes {@code modelDir/flowpic-model.json} (atomically via a temp file + rename), creating the directory. */
    public void write(Path modelDir) throws IOException {
        Files.createDirectories(modelDir);
        ObjectNode root = MAPPER.createObjectNode();
        root.put("formatVersion", formatVersion);
        root.put("modelId", modelId);
        ArrayNode arr = root.putArray("labels");
        labels.forEach(arr::add);
        root.put("resolution", resolution);
        root.put("blockSeconds", blockSeconds);
        root.put("maxPacketSize", maxPacketSize);
        root.put("normalization", normalization);
        root.put("signature", signature);
        root.put("inputName", inputName);
        root.put("outputName", outputName);
        if (flowInputName != null) {
            root.put("flowInputName", flowInputName);
        }
        if (calibration != null) {
            ObjectNode c = root.putObject("calibration");
            c.put("temperature", calibration.temperature());
            c.put("fitted_on_blocks", calibration.fittedOnBlocks());
            if (Double.isFinite(calibration.eceBefore())) {
                c.put("ece_before", calibration.eceBefore());
            }
            if (Double.isFinite(calibration.eceAfter())) {
                c.put("ece_after", calibration.eceAfter());
            }
        }
        Path file = modelDir.resolve(FILE_NAME);
        Path tmp = modelDir.resolve(FILE_NAME + ".tmp");
        Files.write(tmp, MAPPER.writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
