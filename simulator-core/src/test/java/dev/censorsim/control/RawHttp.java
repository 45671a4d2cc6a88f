package dev.censorsim.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP/1.1 over a raw socket, for tests that send what no HTTP client would: half requests, pipelines, bad escapes. */
final class RawHttp {

    private RawHttp() {
    }

    /** A socket connected to {@code server}, reads bounded at 10 s. */
    static Socket connect(ControlServer server) throws IOException {
        Socket socket = new Socket();
        socket.connect(server.localAddress(), 5_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** One response with a Content-Length body (what this server sends); fails at the end of the connection. */
    static String readResponse(InputStream in) throws IOException {
        String response = readResponseOrNull(in);
        assertThat(response).as("a response, not the end of the connection").isNotNull();
        return response;
    }

    /** One response with a Content-Length body, or null at the end of the connection. */
    static String readResponseOrNull(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
