package dev.snn4j.encode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Latency (time-to-first-spike) encoding: each unit spikes once, earlier for larger values; values at or below
 * {@code threshold} never spike. Linear timing puts value 1 at t=0 and values just above the threshold at t=T-1:
 * {@code t = round((1 - x') (T - 1))} with {@code x' = (x - threshold)/(1 - threshold)}, inputs clipped to [0, 1].
 *
 * <pre>{@code
 * NDArray spikes = new LatencyEncoder(10, 0.0).encode(images);   // one spike per non-zero pixel
 * }</pre>
 */
public final class LatencyEncoder implements Encoder {
    private final int steps;
    private final double threshold;

    public LatencyEncoder(int steps, double threshold) {
        Encoder.requireSteps(steps, "LatencyEncoder");
        if (!(threshold >= 0 && threshold < 1)) {
            throw new IllegalArgumentException("LatencyEncoder: threshold must be in [0, 1), got " + threshold);
        }
        this.steps = steps;
        this.threshold = threshold;
    }

    @Override
    public NDArray encode(NDArray x) {
        Encoder.requireBatch(x, "LatencyEncoder");
        var m = x.getManager();
        NDArray c = x.clip(0.0, 1.0).toType(DataType.FLOAT64, true);
        NDArray scaled = c.sub(m.create(threshold)).div(m.create(1.0 - threshold));
        NDArray time = m.create(1.0).sub(scaled).mul(m.create((double) (steps - 1))).round();
        // units at or below the threshold get time -1, which matches no step
        NDArray silent = c.lte(m.create(threshold));
        time = time.mul(silent.logicalNot().toType(DataType.FLOAT64, false))
                .sub(silent.toType(DataType.FLOAT64, false));
        long[] axes = new long[x.getShape().dimension() + 1];
        java.util.Arrays.fill(axes, 1);
        axes[0] = steps;
        NDArray t = m.arange(0, steps, 1, DataType.FLOAT64).reshape(new Shape(axes));
        return t.eq(time.expandDims(0)).toType(x.getDataType(), false);
    }

    @Override
    public int timeSteps() {
        return steps;
    }
}
