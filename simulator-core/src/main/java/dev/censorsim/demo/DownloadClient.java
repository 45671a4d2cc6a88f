package dev.censorsim.demo;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The demo's client: opens a real TLS connection whose ClientHello names {@code serverName} (so the censor sees a
 * real SNI), verifies the server's certificate against the demo CA, and downloads a given number of bytes.
 */
public final class DownloadClient {

    private final SSLContext sslContext;
    private final int timeoutMillis;

    public DownloadClient(SSLContext sslContext, int timeoutMillis) {
        this.sslContext = sslContext;
        this.timeoutMillis = timeoutMillis;
    }

    /** What one download measured. {@code nanos} runs from the request to the last byte (or the failure). */
    public record Result(DownloadOutcome outcome, long bytes, long nanos, String detail) {

        public double bytesPerSecond() {
            return nanos == 0 ? 0 : bytes * 1e9 / nanos;
        }
    }

    /** Connects to {@code via} (the censor), shakes hands for {@code serverName}, and reads {@code size} bytes. */
    public Result download(InetSocketAddress via, String serverName, long size) {
        long start = System.nanoTime();
        long received = 0;
        try (Socket plain = new Socket()) {
            plain.setTcpNoDelay(true);
            plain.connect(via, timeoutMillis);
            plain.setSoTimeout(timeoutMillis);
            try (SSLSocket tls = (SSLSocket) sslContext.getSocketFactory()
                    .createSocket(plain, serverName, via.getPort(), true)) {
                SSLParameters params = tls.getSSLParameters();
                params.setServerNames(List.of(new SNIHostName(serverName)));
                params.setEndpointIdentificationAlgorithm("HTTPS");
                tls.setSSLParameters(params);
                tls.startHandshake();
                OutputStream out = tls.getOutputStream();
                out.write(("GET " + size + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = tls.getInputStream();
                byte[] buffer = new byte[64 * 1024];
                int n;
                while (received < size && (n = in.read(buffer)) >= 0) {
                    received += n;
                }
            }
            long nanos = System.nanoTime() - start;
            return received >= size
                    ? new Result(DownloadOutcome.OK, received, nanos, "")
                    : new Result(DownloadOutcome.FAILED, received, nanos, "closed after " + received + " bytes");
        } catch (SocketTimeoutException e) {
            return new Result(DownloadOutcome.TIMEOUT, received, System.nanoTime() - start, "no data for "
                    + timeoutMillis + " ms");
        } catch (IOException e) {
            return new Result(isReset(e) ? DownloadOutcome.RESET : DownloadOutcome.FAILED, received,
                    System.nanoTime() - start, String.valueOf(e.getMessage()));
        }
    }

    private static boolean isReset(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // The JDK reports a RST as SocketException("Connection reset"), sometimes wrapped in an SSLException.
            if (t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains("connection reset")) {
                return true;
            }
        }
        return false;
    }
}
