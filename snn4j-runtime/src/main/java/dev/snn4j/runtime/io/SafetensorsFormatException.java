package dev.snn4j.runtime.io;

import java.io.IOException;

/**
 * A safetensors file that does not follow the format; the message names the file, the offending field or tensor and
 * what was expected.
 *
 * <pre>{@code
 * try { Safetensors.read(path); } catch (SafetensorsFormatException e) { System.err.println(e.getMessage()); }
 * }</pre>
 */
public class SafetensorsFormatException extends IOException {
    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
