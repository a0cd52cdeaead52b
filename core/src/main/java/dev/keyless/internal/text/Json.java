package dev.keyless.internal.text;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.protocols.jsoncore.JsonWriter;

/** Writes maps, lists, strings, numbers, booleans and nulls as JSON with the AWS SDK's own writer. */
public final class Json {

    private Json() {
    }

    /**
     * The JSON text of a value.
     *
     * @param value a {@code Map} with string keys, a {@code List}, a {@code String}, a {@code Number}, a
     *     {@code Boolean} or {@code null}; anything else is written as its {@code toString()}
     * @return compact JSON
     */
    public static String write(Object value) {
        JsonWriter writer = JsonWriter.create();
        write(writer, value);
        return new String(writer.getBytes(), StandardCharsets.UTF_8);
    }

    private static void write(JsonWriter writer, Object value) {
        if (value == null) {
            writer.writeNull();
        } else if (value instanceof Map) {
            writer.writeStartObject();
            for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                writer.writeFieldName(String.valueOf(entry.getKey()));
                write(writer, entry.getValue());
            }
            writer.writeEndObject();
        } else if (value instanceof List) {
            writer.writeStartArray();
            for (Object element : (List<?>) value) {
                write(writer, element);
            }
            writer.writeEndArray();
        } else if (value instanceof Boolean) {
            writer.writeValue((Boolean) value);
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short) {
            writer.writeValue(((Number) value).longValue());
        } else if (value instanceof Number) {
            writer.writeValue(((Number) value).doubleValue());
        } else {
            writer.writeValue(value.toString());
        }
    }
}
