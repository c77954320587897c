/**
 * Surrogate gradients: forward exactly Heaviside, backward the derivative of a smooth primitive. One small class per
 * surrogate; {@link dev.snn4j.surrogate.Surrogate} explains the straight-through construction.
 */
package dev.snn4j.surrogate;
