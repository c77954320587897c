package dev.snn4j.fuzz;

/** Lets tests in other packages reuse the fuzzer's checksum repair. */
public final class ReaderFuzzTestAccess {
    private ReaderFuzzTestAccess() {
    }

    /** See {@code ReaderFuzzTest.fixPngCrcs}. */
    public static byte[] fixPngCrcs(byte[] png) {
        return ReaderFuzzTest.fixPngCrcs(png);
    }
}
