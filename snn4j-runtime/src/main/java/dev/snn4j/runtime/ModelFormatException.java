package dev.snn4j.runtime;

import java.io.IOException;

/**
 * A model directory that cannot be loaded: malformed or unsupported {@code graph.json}, a missing or mis-shaped
 * tensor in {@code weights.safetensors}, or layers whose shapes do not chain. The message names the file and the
 * field (layer index and name, JSON key or tensor name).
 *
 * <pre>{@code
 * try { SpikingModel.load(dir); }
 * catch (ModelFormatException e) { System.err.println(e.getMessage()); }  // "graph.json: layers[3] (fc1): ..."
 * }</pre>
 */
public class ModelFormatException extends IOException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
