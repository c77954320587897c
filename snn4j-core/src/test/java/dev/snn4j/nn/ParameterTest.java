package dev.snn4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

class ParameterTest {

    /**
     * copyFrom must copy: the caller may close its source array. (It used to alias the source's storage when the
     * dtypes matched, because DJL's toType(type, copy=true) returns a view when nothing changes; after the source was
     * closed and collected the parameter read freed memory.)
     */
    @Test
    void copyFromDoesNotAliasTheSource() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter p = new Parameter("w", m.zeros(new Shape(64)).toType(DataType.FLOAT64, false), true);
            double[] want = new double[64];
            for (int i = 0; i < 64; i++) {
                want[i] = i + 0.5;
            }
            for (int round = 0; round < 5; round++) {
                try (NDManager tmp = m.newSubManager()) {
                    NDArray src = tmp.create(want);
                    p.copyFrom(src);
                    assertNotSame(src, p.value());
                    src.set(new ai.djl.ndarray.index.NDIndex("0"), -1.0);
                }
                System.gc();
                for (int k = 0; k < 200; k++) {
                    m.create(new double[64]).close(); // reuse freed buffers
                }
                assertArrayEquals(want, p.value().toDoubleArray(), 0.0);
            }
        }
    }
}
