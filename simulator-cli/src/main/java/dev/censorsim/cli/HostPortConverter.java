package dev.censorsim.cli;

import picocli.CommandLine;

import java.net.InetSocketAddress;

/**
 * Parses {@code HOST:PORT}, {@code [IPv6]:PORT} or a bare {@code PORT} (which means loopback). Host names are
 * resolved at once, so a typo fails at start-up rather than at the first flow.
 */
public final class HostPortConverter implements CommandLine.ITypeConverter<InetSocketAddress> {

    @Override
    public InetSocketAddress convert(String value) {
        return parse(value);
    }

    static InetSocketAddress parse(String value) {
        String host;
        String port;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
                throw new CommandLine.TypeConversionException("'" + value + "' is not [IPv6]:PORT");
            }
            host = value.substring(1, close);
            port = value.substring(close + 2);
        } else {
            int colon = value.lastIndexOf(':');
            if (colon < 0) {
                host = "127.0.0.1";
                port = value;
            } else if (value.indexOf(':') != colon) {
                throw new CommandLine.TypeConversionException("'" + value + "': write IPv6 addresses as [ADDRESS]:PORT");
            } else {
                host = value.substring(0, colon);
                port = value.substring(colon + 1);
            }
        }
        int portNumber;
        try {
            portNumber = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "': port '" + port + "' is not a number");
        }
        if (portNumber < 0 || portNumber > 65535) {
            throw new CommandLine.TypeConversionException("'" + value + "': port must be within 0..65535");
        }
        if (host.isEmpty()) {
            throw new CommandLine.TypeConversionException("'" + value + "': missing host before ':'");
        }
        InetSocketAddress address = new InetSocketAddress(host, portNumber);
        if (address.isUnresolved()) {
            throw new CommandLine.TypeConversionException("'" + value + "': cannot resolve host '" + host + "'");
        }
        return address;
    }

    /** The inverse of {@link #parse}: {@code 127.0.0.1:1080} or {@code [::1]:1080}, without Java's leading slash. */
    static String format(InetSocketAddress address) {
        String host = address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
