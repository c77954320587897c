/**
 * The module system: {@link dev.snn4j.nn.Module} (named parameters, children, train/eval, dtype),
 * {@link dev.snn4j.nn.Parameter}, seeded initialisation ({@link dev.snn4j.nn.Init}) and autograd-safe tensor helpers
 * ({@link dev.snn4j.nn.Tensors}).
 */
package dev.snn4j.nn;
