/** Encoders from static inputs {@code [B, ...]} to spike or current sequences {@code [T, B, ...]}. */
package dev.snn4j.encode;
