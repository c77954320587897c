package dev.snn4j.runtime;

/**
 * One layer's output at one step: a dense buffer that is always valid, plus (when {@link #sparseValid}) the list of
 * its non-zero entries. Spatial tensors are stored channels-last ({@code (y * W + x) * C + c}) so that a scatter
 * writes a contiguous run of output channels.
 */
final class Activation {
    final float[] v;
    final int[] idx;
    int nnz;
    boolean sparseValid;
    /** All non-zero values are exactly 1 (spikes). */
    boolean binary;
    /**
     * When > 0: every non-zero value is {@code m / levels} for a whole {@code m} in {@code 1..levels} (average-pooled
     * spikes), so a weight layer can add pre-scaled weight rows instead of multiplying. Set by pooling (and passed on
     * by flattening) only.
     */
    int levels;

    Activation(int size) {
        v = new float[size];
        idx = new int[size];
    }

    /**
     * Zeroes the dense buffer before a layer writes its next output: only the listed non-zero entries when the list
     * is valid (a sparse output is cheap to clear), else the whole buffer. The non-zero list is left as it was; the
     * writer rebuilds it.
     */
    void clear() {
        if (sparseValid) {
            for (int e = 0; e < nnz; e++) {
                v[idx[e]] = 0f;
            }
        } else {
            java.util.Arrays.fill(v, 0f);
        }
    }

    /** Builds the non-zero list from the dense buffer if it is not valid. */
    void ensureSparse() {
        if (sparseValid) {
            return;
        }
        int n = 0;
        boolean bin = true;
        for (int i = 0; i < v.length; i++) {
            float x = v[i];
            if (x != 0f) {
                idx[n++] = i;
                bin &= x == 1f;
            }
        }
        nnz = n;
        binary = bin;
        sparseValid = true;
    }
}
