/**
 * Time-distributed layers over time-major tensors {@code [T, B, ...]}: stateless layers fold time into the batch for
 * one kernel call; readouts turn sequences into logits.
 */
package dev.snn4j.layer;
