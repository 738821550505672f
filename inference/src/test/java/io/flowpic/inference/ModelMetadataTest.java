package io.flowpic.inference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class ModelMetadataTest {
    static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void roundTrip() throws Exception {
        ModelMetadata md = new ModelMetadata(1, "flowpic-r64-v3", List.of("voip", "video", "chat"), 64, 60, 1500,
                "max", "serving_default", "in", "out");
        md.write(dir);
        assertTrue(Files.exists(dir.resolve(ModelMetadata.FILE_NAME)));
        assertEquals(md, ModelMetadata.read(dir));
        // overwrite works
        ModelMetadata md2 = TestModels.metadata(1500);
        md2.write(dir);
        assertEquals(md2, ModelMetadata.read(dir));
    }

    @Test
    void flowInputNameIsOptionalAndRoundTrips() throws Exception {
        ModelMetadata plain = TestModels.metadata(32);
        assertNull(plain.flowInputName());
        plain.write(dir);
        assertFalse(Files.readString(dir.resolve(ModelMetadata.FILE_NAME)).contains("flowInputName"),
                "a picture-only model's file stays as before");
        ModelMetadata withFlow = new ModelMetadata(1, "m", List.of("a", "b"), 32, 15, 1500, "log1p",
                "serving_default", "flowpic", "scores", "flow");
        withFlow.write(dir);
        assertEquals(withFlow, ModelMetadata.read(dir));
        assertEquals("flow", ModelMetadata.read(dir).flowInputName());
    }

    @Test
    void flowInputNameMustDifferFromInputName() throws Exception {
        ObjectNode n = valid();
        n.put("flowInputName", n.get("inputName").textValue());
        assertNames(readBroken(n), "flowInputName");
        n.put("flowInputName", 3);
        assertNames(readBroken(n), "flowInputName");
    }

    @Test
    void calibrationIsOptionalAndRoundTrips() throws Exception {
        ModelMetadata plain = TestModels.metadata(32);
        assertNull(plain.calibration());
        assertEquals(1.0, plain.temperature());
        plain.write(dir);
        assertFalse(Files.readString(dir.resolve(ModelMetadata.FILE_NAME)).contains("calibration"),
                "an uncalibrated model's file stays as before");
        ModelMetadata calibrated = plain.withCalibration(new ModelMetadata.Calibration(1.75, 420, 0.12, 0.03));
        calibrated.write(dir);
        assertTrue(Files.readString(dir.resolve(ModelMetadata.FILE_NAME)).contains("\"fitted_on_blocks\" : 420"));
        assertEquals(calibrated, ModelMetadata.read(dir));
        assertEquals(1.75, ModelMetadata.read(dir).temperature());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"temperature\": 0}", "{\"temperature\": -2}", "{\"temperature\": \"hot\"}",
            "{\"fitted_on_blocks\": 3}", "{\"temperature\": 1.5, \"fitted_on_blocks\": -1}", "7",
            "{\"temperature\": 1.5, \"colour\": 1}"})
    void badCalibrationIsRefusedNamingTheField(String json) throws Exception {
        ObjectNode n = valid();
        n.set("calibration", M.readTree(json));
        ModelException e = readBroken(n);
        assertTrue(e.getMessage().contains("'calibration"), e.getMessage());
    }

    @Test
    void unknownIsNotAModelLabel() throws Exception {
        ObjectNode n = valid();
        n.putArray("labels").add("voip").add("unknown");
        assertNames(readBroken(n), "labels");
    }

    @Test
    void labelsAreImmutableCopy() {
        var labels = new java.util.ArrayList<>(List.of("a", "b"));
        ModelMetadata md = TestModels.metadata(32, "none", labels);
        labels.add("c");
        assertEquals(2, md.numClasses());
        assertThrows(UnsupportedOperationException.class, () -> md.labels().add("x"));
    }

    private ObjectNode valid() throws Exception {
        TestModels.metadata(32).write(dir);
        return (ObjectNode) M.readTree(dir.resolve(ModelMetadata.FILE_NAME).toFile());
    }

    private ModelException readBroken(ObjectNode node) throws Exception {
        Files.writeString(dir.resolve(ModelMetadata.FILE_NAME), M.writeValueAsString(node));
        return assertThrows(ModelException.class, () -> ModelMetadata.read(dir));
    }

    private void assertNames(ModelException e, String field) {
        String msg = e.getMessage();
        assertTrue(msg.contains(dir.resolve(ModelMetadata.FILE_NAME).toString()), "no file in: " + msg);
        assertTrue(msg.contains("'" + field + "'"), "no field '" + field + "' in: " + msg);
    }

    @ParameterizedTest
    @ValueSource(strings = {"formatVersion", "modelId", "labels", "resolution", "blockSeconds", "maxPacketSize",
            "normalization", "signature", "inputName", "outputName"})
    void missingField(String field) throws Exception {
        ObjectNode n = valid();
        n.remove(field);
        assertNames(readBroken(n), field);
    }

    @ParameterizedTest
    @ValueSource(strings = {"formatVersion", "modelId", "labels", "resolution", "blockSeconds", "maxPacketSize",
            "normalization", "signature", "inputName", "outputName"})
    void nullField(String field) throws Exception {
        ObjectNode n = valid();
        n.putNull(field);
        assertNames(readBroken(n), field);
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("formatVersion", "2"),
                Arguments.of("formatVersion", "\"1\""),
                Arguments.of("formatVersion", "1.5"),
                Arguments.of("modelId", "\"  \""),
                Arguments.of("modelId", "17"),
                Arguments.of("labels", "[]"),
                Arguments.of("labels", "\"voip\""),
                Arguments.of("labels", "[\"a\", 3]"),
                Arguments.of("labels", "[\"a\", \"\"]"),
                Arguments.of("labels", "[\"a\", \"a\"]"),
                Arguments.of("resolution", "48"),
                Arguments.of("resolution", "0"),
                Arguments.of("resolution", "\"32\""),
                Arguments.of("resolution", "99999999999"),
                Arguments.of("blockSeconds", "30"),
                Arguments.of("maxPacketSize", "0"),
                Arguments.of("maxPacketSize", "70000"),
                Arguments.of("normalization", "\"zscore\""),
                Arguments.of("normalization", "\"LOG1P\""),
                Arguments.of("signature", "\"\""),
                Arguments.of("inputName", "[]"),
                Arguments.of("outputName", "\"\""));
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void badValue(String field, String json) throws Exception {
        ObjectNode n = valid();
        n.set(field, M.readTree(json));
        assertNames(readBroken(n), field);
    }

    @Test
    void unknownFieldIsRejected() throws Exception {
        ObjectNode n = valid();
        n.put("learningRate", 0.1);
        assertNames(readBroken(n), "learningRate");
    }

    @Test
    void missingFileNamesFile() {
        ModelException e = assertThrows(ModelException.class, () -> ModelMetadata.read(dir));
        assertTrue(e.getMessage().contains(dir.resolve(ModelMetadata.FILE_NAME).toString()), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{not json", "[1,2]", "", "null"})
    void malformedJsonNamesFile(String text) throws Exception {
        Files.writeString(dir.resolve(ModelMetadata.FILE_NAME), text);
        ModelException e = assertThrows(ModelException.class, () -> ModelMetadata.read(dir));
        assertTrue(e.getMessage().contains(dir.resolve(ModelMetadata.FILE_NAME).toString()), e.getMessage());
    }

    @Test
    void constructorRejectsInvalid() {
        assertThrows(IllegalArgumentException.class, () -> TestModels.metadata(32, "none", List.of()));
        assertThrows(IllegalArgumentException.class, () -> TestModels.metadata(100));
        assertThrows(IllegalArgumentException.class, () -> TestModels.metadata(32, "zscore", List.of("a")));
    }
}
