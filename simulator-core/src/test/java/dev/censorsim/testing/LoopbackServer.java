package dev.censorsim.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A blocking-socket TCP server on a loopback address, one daemon thread per connection, for driving the proxy from
 * the far side. {@link #close()} closes the listener and every connection, so no test leaves threads behind.
 */
public final class LoopbackServer implements AutoCloseable {

    /** What the server does with each accepted connection; exceptions end that connection only. */
    @FunctionalInterface
    public interface Behaviour {
        void serve(Socket socket) throws IOException;
    }

    private final ServerSocket listener;
    private final Behaviour behaviour;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
    private final Thread acceptor;

    private LoopbackServer(ServerSocket listener, Behaviour behaviour) {
        this.listener = listener;
        this.behaviour = behaviour;
        this.acceptor = new Thread(this::acceptLoop, "loopback-server-" + listener.getLocalPort());
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** Starts on {@code 127.0.0.1} and an ephemeral port. */
    public static LoopbackServer start(Behaviour behaviour) throws IOException {
        return start(InetAddress.getByName("127.0.0.1"), behaviour);
    }

    public static LoopbackServer start(InetAddress loopback, Behaviour behaviour) throws IOException {
        if (!loopback.isLoopbackAddress()) {
            throw new IllegalArgumentException("tests listen on loopback only, not " + loopback);
        }
        ServerSocket listener = new ServerSocket();
        listener.bind(new InetSocketAddress(loopback, 0));
        return new LoopbackServer(listener, behaviour);
    }

    /** Echoes every byte until the client's EOF, then closes. */
    public static Behaviour echo() {
        return socket -> {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
            }
            socket.shutdownOutput();
        };
    }

    /** Writes {@code bytes} of {@link Payload} then closes. */
    public static Behaviour source(long bytes, long seed) {
        return socket -> {
            Payload.write(socket.getOutputStream(), bytes, seed);
            socket.shutdownOutput();
            // Wait for the client to finish so the close is not an RST for unread input.
            InputStream in = socket.getInputStream();
            byte[] drain = new byte[8192];
            while (in.read(drain) > 0) {
                // discard
            }
        };
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** The first exception a connection handler threw, or {@code null}; waits up to {@code millis} for one. */
    public Throwable failure(long millis) throws InterruptedException {
        return failures.poll(millis, TimeUnit.MILLISECONDS);
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                return;
            }
            sockets.add(socket);
            Thread worker = new Thread(() -> {
                try (socket) {
                    behaviour.serve(socket);
                } catch (SocketException e) {
                    if (!listener.isClosed()) {
                        failures.add(e);
                    }
                } catch (IOException | RuntimeException | Error e) {
                    failures.add(e);
                }
            }, "loopback-conn-" + socket.getPort());
            worker.setDaemon(true);
            worker.start();
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
