package dev.censorsim.dns;

/** A zone file that cannot be served; the message names the file (and the line when known). */
public final class ZoneException extends Exception {

    public ZoneException(String message) {
        super(message);
    }
}
