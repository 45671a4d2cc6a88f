package dev.censorsim.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON responses of the control API: one shared, thread-safe mapper, UTF-8 bodies. */
public final class Json {

    /** Thread-safe once configured; shared by every route. */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** {@code value} as compact JSON text. */
    public static String text(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
        }
    }

    /** A response with {@code value} as its JSON body. */
    public static FullHttpResponse response(HttpResponseStatus status, Object value) {
        return body(status, "application/json", text(value) + "\n");
    }

    /** {@code {"error": message, "status": code}}, the shape Toxiproxy's clients read too. */
    public static FullHttpResponse error(HttpResponseStatus status, String message) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("error", message);
        json.put("status", status.code());
        return response(status, json);
    }

    /** A response with a text body of {@code contentType}. */
    public static FullHttpResponse body(HttpResponseStatus status, String contentType, String text) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE,
                contentType.contains("charset") ? contentType : contentType + "; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        return response;
    }
}
