package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.snn4j.nn.Init;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;

import java.util.Random;

/**
 * A lookup table {@code weight [num, dim]}: integer indices of any shape {@code [...]} give rows {@code [..., dim]},
 * as {@code torch.nn.Embedding} (initialised N(0, 1) like it). The gradient reaches only the rows that were looked up.
 * Indices outside {@code [0, num)} are an error of the engine.
 *
 * <pre>{@code
 * Embedding emb = new Embedding(manager, 256, 512);   // tokens [T, B] (int) -> [T, B, 512]
 * }</pre>
 */
public class Embedding extends Module {
    private final int num;
    private final int dim;
    private final Parameter weight;

    public Embedding(NDManager manager, int num, int dim) {
        if (num <= 0 || dim <= 0) {
            throw new IllegalArgumentException("Embedding: num and dim must be > 0, got " + num + " x " + dim);
        }
        this.num = num;
        this.dim = dim;
        float[] v = new float[Math.multiplyExact(num, dim)];
        synchronized (Init.class) {
            Random r = Init.random();
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
        }
        this.weight = addParameter("weight", persistent(manager, manager.create(v, new Shape(num, dim))));
    }

    /** Looks up {@code idx} (any integer dtype; floats holding integers are converted). */
    @Override
    public NDArray forward(NDArray idx) {
        NDArray i = idx.getDataType() == DataType.INT64 || idx.getDataType() == DataType.INT32 ? idx
                : idx.toType(DataType.INT64, false);
        // the op's result belongs to the indices' manager (not the weight's): no build-up in the parameter manager
        return i.getNDArrayInternal().embedding(i, weight.value(), SparseFormat.DENSE).singletonOrThrow();
    }

    public Parameter weight() {
        return weight;
    }

    public int numEmbeddings() {
        return num;
    }

    public int dim() {
        return dim;
    }
}
