package dev.censorsim.capture;

/** The file is not a capture this reader understands (bad magic, unsupported version, too large to map). */
public final class CaptureFormatException extends Exception {

    private static final long serialVersionUID = 1L;

    public CaptureFormatException(String message) {
        super(message);
    }
}
