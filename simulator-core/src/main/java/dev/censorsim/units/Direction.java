package dev.censorsim.units;

import java.util.Locale;

/** Which way through the censor an action applies: {@code UP} is client to server, {@code DOWN} server to client. */
public enum Direction {
    UP, DOWN, BOTH;

    public boolean includesUp() {
        return this != DOWN;
    }

    public boolean includesDown() {
        return this != UP;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
