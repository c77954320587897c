package dev.snn4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Classification metrics computed on the tensor side with one host synchronisation each.
 *
 * <pre>{@code
 * long correct = Metrics.correct(logits, labels);   double acc = Metrics.accuracy(logits, labels);
 * }</pre>
 */
public final class Metrics {
    private Metrics() {
    }

    /** Number of rows of {@code logits [B, C]} whose argmax equals the integer label {@code [B]}. */
    public static long correct(NDArray logits, NDArray labels) {
        if (logits.getShape().dimension() != 2 || labels.getShape().dimension() != 1
                || labels.getShape().get(0) != logits.getShape().get(0)) {
            throw new IllegalArgumentException("accuracy: expected logits [B, C] and labels [B] but got "
                    + logits.getShape() + " and " + labels.getShape());
        }
        NDArray predicted = logits.argMax(1);
        NDArray hits = predicted.eq(labels.toType(predicted.getDataType(), false));
        NDArray count = hits.toType(DataType.INT64, false).sum();
        long n = count.getLong();
        count.close();
        hits.close();
        predicted.close();
        return n;
    }

    /** Fraction of correct rows, in [0, 1]. */
    public static double accuracy(NDArray logits, NDArray labels) {
        return (double) correct(logits, labels) / logits.getShape().get(0);
    }
}
