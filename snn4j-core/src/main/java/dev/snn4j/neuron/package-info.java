/**
 * Spiking neurons as charge -> fire -> reset over a membrane state, with single-step ({@code step}) and multi-step
 * ({@code forward} over {@code [T, B, ...]}) drivers of the same three functions. SpikingJelly semantics by default;
 * {@link dev.snn4j.neuron.SnnTorchLeaky} reproduces snnTorch's {@code Leaky} for porting.
 */
package dev.snn4j.neuron;
