package dev.snn4j.train;

/**
 * A weighted running mean (e.g. of the loss over an epoch, weighted by batch size).
 *
 * <pre>{@code
 * RunningMean loss = new RunningMean();   loss.add(0.7, 16);   loss.add(0.5, 16);   loss.mean();   // 0.6
 * }</pre>
 */
public final class RunningMean {
    private double sum;
    private double weight;

    /** Adds {@code value} with weight 1. */
    public RunningMean add(double value) {
        return add(value, 1);
    }

    /** Adds {@code value} with weight {@code w} (> 0). */
    public RunningMean add(double value, double w) {
        if (!(w > 0)) {
            throw new IllegalArgumentException("RunningMean: weight must be > 0, got " + w);
        }
        sum += value * w;
        weight += w;
        return this;
    }

    /** The mean so far (NaN if nothing was added). */
    public double mean() {
        return weight == 0 ? Double.NaN : sum / weight;
    }

    /** Total weight added. */
    public double weight() {
        return weight;
    }

    public void reset() {
        sum = 0;
        weight = 0;
    }
}
