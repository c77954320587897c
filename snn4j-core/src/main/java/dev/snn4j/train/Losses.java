package dev.snn4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Loss functions built only from autograd-safe operations (no scalar overloads: DESIGN.md pitfall 1).
 *
 * <pre>{@code
 * NDArray loss = Losses.crossEntropy(logits, labels);   // logits [B, C], labels [B] integer classes
 * }</pre>
 */
public final class Losses {
    private Losses() {
    }

    /** A loss as a function of the model output and the labels. */
    @FunctionalInterface
    public interface Loss {
        NDArray apply(NDArray output, NDArray labels);
    }

    /**
     * Mean cross-entropy of {@code logits [B, C]} against integer class {@code labels [B]} (any numeric dtype), as
     * {@code torch.nn.functional.cross_entropy}: {@code -mean_b log_softmax(logits)[b, label_b]}.
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        Shape s = logits.getShape();
        if (s.dimension() != 2) {
            throw new IllegalArgumentException("crossEntropy: expected logits [B, C] but got " + s);
        }
        if (!labels.getShape().equals(new Shape(s.get(0)))) {
            throw new IllegalArgumentException("crossEntropy: expected labels [" + s.get(0) + "] for logits " + s
                    + " but got " + labels.getShape());
        }
        NDArray oneHot = labels.toType(DataType.INT64, false).oneHot((int) s.get(1), logits.getDataType());
        return oneHot.mul(logits.logSoftmax(1)).sum(new int[] {1}).mean().neg();
    }
}
