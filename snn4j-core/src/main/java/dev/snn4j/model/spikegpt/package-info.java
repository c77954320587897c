/**
 * SpikeGPT: an RWKV-4 language model whose blocks emit spikes ({@link dev.snn4j.model.spikegpt.SpikeGpt}), its parts
 * ({@link dev.snn4j.model.spikegpt.TimeMix}, {@link dev.snn4j.model.spikegpt.ChannelMix},
 * {@link dev.snn4j.model.spikegpt.Block}), and the WKV operator in a chunked parallel form for training and a
 * stabilised recurrence for generation ({@link dev.snn4j.model.spikegpt.Wkv}). Tensors are time-major
 * {@code [T, B, d]}: the token axis is the neurons' time axis.
 */
package dev.snn4j.model.spikegpt;
