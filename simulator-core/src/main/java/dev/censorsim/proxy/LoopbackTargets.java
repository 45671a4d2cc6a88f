package dev.censorsim.proxy;

import java.net.InetAddress;

/**
 * The SOCKS rule for loopback targets, shared by CONNECT and UDP ASSOCIATE: a client that is not itself on loopback
 * may not reach a loopback or wildcard target (Linux delivers a wildcard destination locally). Services bound only to
 * loopback trust this host's own users, and an allow-listed remote network is not that. Lifted by
 * {@code --allow-loopback-targets} ({@link ProxyOptions#allowLoopbackTargets()}).
 */
public final class LoopbackTargets {

    private LoopbackTargets() {
    }

    /** Whether a client at {@code client} may reach {@code target}; {@code null}s are unresolved and not loopback. */
    public static boolean permits(InetAddress client, InetAddress target) {
        if (target == null || !(target.isLoopbackAddress() || target.isAnyLocalAddress())) {
            return true;
        }
        return client != null && client.isLoopbackAddress();
    }
}
