/**
 * Event-driven inference of spiking nets exported by snn4j-core, in pure Java (no DJL, no native library):
 * {@link dev.snn4j.runtime.SpikingModel} loads {@code graph.json + weights.safetensors}, a
 * {@link dev.snn4j.runtime.Session} runs it step by step (streaming) or per sample, counting operations and spikes
 * ({@link dev.snn4j.runtime.LayerStats}).
 *
 * <pre>{@code
 * Session s = SpikingModel.load(dir).newSession();
 * float[] logits = s.run(image, 5);
 * }</pre>
 */
package dev.snn4j.runtime;
