package dev.keyless.internal.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.protocols.jsoncore.JsonNodeParser;
import software.amazon.awssdk.protocols.jsoncore.JsonWriter;

/**
 * JSON with the AWS SDK's own parser and writer (no other JSON library on Keyless's success path): plain Java
 * values in, plain Java values out: {@code Map} (insertion-ordered), {@code List}, {@code String},
 * {@code Long} or {@code Double}, {@code Boolean} and {@code null}.
 */
public final class Json {

    /** The deepest nesting of arrays and objects {@link #parse(String)} accepts. */
    public static final int MAX_DEPTH = 32;

    private static final JsonNodeParser PARSER = JsonNode.parserBuilder().removeErrorLocations(true).build();

    private Json() {
    }

    /**
     * Parses JSON text.
     *
     * @param json the text
     * @return the value: an unmodifiable {@code Map} or {@code List}, a {@code String}, {@code Long},
     *     {@code Double}, {@code Boolean}, or {@code null}
     * @throws IllegalArgumentException if it is not JSON or nests deeper than {@link #MAX_DEPTH}; the message
     *     never quotes the text
     */
    public static Object parse(String json) {
        int depth = depth(json);
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("JSON nested " + depth + " levels deep; at most " + MAX_DEPTH
                    + " are read");
        }
        JsonNode node;
        try {
            node = PARSER.parse(json);
        } catch (RuntimeException e) {
            // The parser's messages may quote the input: say what is wrong without them.
            throw new IllegalArgumentException("not valid JSON");
        }
        return node == null ? null : value(node);
    }

    /** The deepest nesting of arrays and objects, counted outside strings: the parser never recurses deeper. */
    private static int depth(String json) {
        int depth = 0;
        int max = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                max = Math.max(max, ++depth);
            } else if (c == '}' || c == ']') {
                depth--;
            }
        }
        return max;
    }

    private static Object value(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.asObject().forEach((key, value) -> map.put(key, value(value)));
            return Collections.unmodifiableMap(map);
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.asArray().forEach(element -> list.add(value(element)));
            return Collections.unmodifiableList(list);
        }
        if (node.isString()) {
            return node.asString();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        return node.isNumber() ? number(node.asNumber()) : null;
    }

    /** Integers as {@code Long} where they fit, other numbers as {@code Double}, as JSON libraries commonly do. */
    private static Number number(String text) {
        if (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                // too large for a long: a double below
            }
        }
        return Double.parseDouble(text);
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
