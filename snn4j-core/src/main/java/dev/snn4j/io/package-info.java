/**
 * Model export: {@link dev.snn4j.io.GraphExport} writes a trained net for the pure-Java runtime
 * ({@code dev.snn4j.runtime.SpikingModel}).
 *
 * <pre>{@code
 * GraphExport.export(vggSnn, Path.of("out/vgg"));
 * }</pre>
 */
package dev.snn4j.io;
