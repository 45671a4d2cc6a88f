package dev.censorsim.testing;

import io.netty.handler.codec.quic.Quic;
import org.junit.jupiter.api.Assumptions;

import java.util.Locale;

/**
 * Makes sure Netty's native QUIC (quiche and BoringSSL in {@code netty-codec-native-quic}, classifier
 * {@code linux-x86_64}) is loaded before a test drives real QUIC.
 */
public final class QuicNative {

    private QuicNative() {
    }

    /**
     * On linux-x86_64, the one platform whose native file the build ships, fails with the loader's reason (a glibc
     * older than 2.16, a missing jar, a noexec temp directory) when QUIC does not load; elsewhere the test is
     * skipped, saying why.
     *
     * @throws AssertionError when the native library should load here but does not
     */
    public static void assumeLinuxX8664OrRequire() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        boolean shipped = os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
        Assumptions.assumeTrue(shipped, () -> "the build ships Netty's native QUIC for linux-x86_64 only; this is "
                + os + "/" + arch);
        if (!Quic.isAvailable()) {
            throw new AssertionError("Netty's native QUIC did not load on linux-x86_64 (it needs glibc 2.16 or later, "
                    + "io.netty:netty-codec-native-quic:linux-x86_64 on the class path and an exec-mounted "
                    + "java.io.tmpdir to unpack into): " + Quic.unavailabilityCause(), Quic.unavailabilityCause());
        }
    }
}
