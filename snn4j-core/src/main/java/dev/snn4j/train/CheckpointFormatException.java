package dev.snn4j.train;

import java.io.IOException;

/**
 * A checkpoint that cannot be loaded: a malformed {@code checkpoint.json} sidecar, or weights / optimizer state whose
 * names, shapes or types do not match the model and optimizer they are loaded into. The message names the file and
 * the field or tensor. (A malformed safetensors file itself is a
 * {@link dev.snn4j.runtime.io.SafetensorsFormatException}.)
 *
 * <pre>{@code
 * try { Checkpoint.open(dir).restore(model, opt); }
 * catch (CheckpointFormatException e) { System.err.println(e.getMessage()); }
 * // runs/x/step-000000010/checkpoint.json: field 'step' must be an integer, got "ten"
 * }</pre>
 */
public class CheckpointFormatException extends IOException {
    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
