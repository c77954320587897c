package dev.snn4j.fuzz;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Runs a file reader on mutated copies of valid seed files and checks, for every input:
 * <ol>
 *   <li>the reader either returns or throws one of its documented typed exceptions, whose message names the mutated
 *       file (or the directory it was given). Anything else (IllegalArgumentException, NullPointerException,
 *       IndexOutOfBounds, NegativeArraySize, OutOfMemoryError, a raw jHDF exception ...) is a bug. A typed
 *       exception that merely wraps a RuntimeException or Error thrown by snn4j's own code is a bug too (the reader
 *       hid a crash instead of checking its input); wrapping one thrown inside jHDF is how the HDF5 readers are
 *       documented to report structure jHDF cannot parse, and is counted separately;</li>
 *   <li>it finishes within {@link #TIMEOUT_SECONDS} (no hang);</li>
 *   <li>the heap it allocates (all threads, measured with {@code com.sun.management.ThreadMXBean
 *       #getThreadAllocatedBytes}) stays under {@code 64 * (bytes of all input files) + 16 MiB}: a reader must check
 *       sizes declared in a header against the file before allocating. The 16 MiB covers fixed costs (class loading
 *       on first use, jHDF's and ImageIO's buffers); 64x covers widening bytes to floats/longs and copies.</li>
 * </ol>
 * Counts per reader are kept in {@link #STATS} for the report.
 */
final class FuzzHarness {
    static final int TIMEOUT_SECONDS = 5;
    static final long ALLOC_FACTOR = 64;
    static final long ALLOC_SLACK = 16L << 20;
    /** Per-reader counts, in the order the readers ran. */
    static final Map<String, Stats> STATS = new LinkedHashMap<>();

    /** Parses the directory (or a file in it) the way the application does. */
    @FunctionalInterface
    interface Parser {
        Object parse(Path dir) throws Exception;
    }

    /**
     * One valid input: a directory of seed files, which of them are mutated, and how the reader is called.
     *
     * @param mutable       file names (relative to {@code dir}) that get mutated, one per input, round robin
     * @param headerOffsets per mutable file, offsets of header fields worth targeting (may be absent)
     * @param text          whether the mutable files are text (JSON/UTF-8)
     * @param fixup         applied to each mutated input, e.g. to repair checksums so that header edits get past a
     *                      CRC check and reach the code that trusts the header
     */
    record Case(String label, Path dir, List<String> mutable, Map<String, int[]> headerOffsets, boolean text,
                Parser parser, UnaryOperator<byte[]> fixup) {
        Case(String label, Path dir, List<String> mutable, Map<String, int[]> headerOffsets, boolean text,
             Parser parser) {
            this(label, dir, mutable, headerOffsets, text, parser, b -> b);
        }
    }

    /** Results of one reader. */
    static final class Stats {
        final String reader;
        long inputs;
        long successes;
        long typedErrors;
        long wrappedLibraryErrors;
        long maxAllocated;
        long cpuNanos;
        final List<String> failures = new ArrayList<>();

        Stats(String reader) {
            this.reader = reader;
        }
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private FuzzHarness() {
    }

    /**
     * Feeds {@code inputs} mutated inputs (spread over the cases) to the reader and records the outcome.
     *
     * @param expected the reader's documented exception types
     */
    @SafeVarargs
    static Stats run(String reader, long seed, int inputs, List<Case> cases, Class<? extends Throwable>... expected)
            throws IOException {
        Stats st = new Stats(reader);
        STATS.put(reader, st);
        Random rnd = new Random(seed);
        Map<Path, byte[]> originals = new LinkedHashMap<>();
        Map<Case, Long> caseBytes = new LinkedHashMap<>();
        for (Case c : cases) {
            caseBytes.put(c, totalSize(c.dir()));
            for (String name : c.mutable()) {
                originals.put(c.dir().resolve(name), Files.readAllBytes(c.dir().resolve(name)));
            }
        }
        // The inputs run back to back on one worker thread (no hand-over per input, which costs more than most
        // parses on a busy machine); this thread watches the start time of the current input and abandons the worker
        // (a daemon) if one input takes longer than the timeout, continuing with the next input on a fresh worker.
        AtomicLong started = new AtomicLong();
        AtomicInteger current = new AtomicInteger();
        AtomicInteger generation = new AtomicInteger();
        AtomicReference<Path> currentFile = new AtomicReference<>();
        AtomicReference<byte[]> currentInput = new AtomicReference<>();
        int next = 0;
        ExecutorService worker = newWorker();
        try {
            while (next < inputs && st.failures.size() < 20) {
                int from = next;
                int gen = generation.incrementAndGet();
                Future<?> f = worker.submit(() -> {
                    for (int i = from; i < inputs && generation.get() == gen && st.failures.size() < 20; i++) {
                        current.set(i);
                        Case c = cases.get(i % cases.size());
                        String name = c.mutable().get((i / cases.size()) % c.mutable().size());
                        Path file = c.dir().resolve(name);
                        byte[] original = originals.get(file);
                        byte[] mutated = c.fixup().apply(new Mutator(rnd, c.headerOffsets().get(name), c.text())
                                .mutate(original));
                        currentFile.set(file);
                        currentInput.set(mutated);
                        Files.write(file, mutated);
                        long totalBytes = caseBytes.get(c) - original.length + mutated.length;
                        long bound = ALLOC_FACTOR * totalBytes + ALLOC_SLACK;
                        st.inputs++;
                        String where = reader + " input " + i + " (case " + c.label() + ", file " + name + ", "
                                + mutated.length + " bytes)";
                        started.set(System.nanoTime());
                        long allocated = measure(c, st, where, file, mutated, expected);
                        started.set(0);
                        if (generation.get() != gen) {
                            return null; // abandoned meanwhile: the watcher restored the file
                        }
                        st.maxAllocated = Math.max(st.maxAllocated, allocated);
                        if (allocated > bound) {
                            fail(st, where, "allocated " + allocated + " bytes, bound " + bound + " for "
                                    + totalBytes + " bytes of input", mutated);
                        }
                        Files.write(file, original);
                    }
                    return null;
                });
                while (true) {
                    try {
                        f.get(100, TimeUnit.MILLISECONDS);
                        next = inputs;
                        break;
                    } catch (TimeoutException e) {
                        long t0 = started.get();
                        if (t0 != 0 && System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS)) {
                            int i = current.get();
                            generation.incrementAndGet();
                            f.cancel(true);
                            worker.shutdownNow();
                            worker = newWorker(); // the old thread may stay stuck; it is a daemon
                            fail(st, reader + " input " + i, "no result after " + TIMEOUT_SECONDS + " s (hang)",
                                    currentInput.get());
                            Files.write(currentFile.get(), originals.get(currentFile.get()));
                            started.set(0);
                            next = i + 1;
                            break;
                        }
                    } catch (ExecutionException e) {
                        throw new IOException("fuzz harness failed", e.getCause());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                }
            }
        } finally {
            worker.shutdownNow();
            for (Map.Entry<Path, byte[]> e : originals.entrySet()) {
                Files.write(e.getKey(), e.getValue());
            }
        }
        return st;
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs the parser once; returns the bytes allocated on all threads meanwhile. */
    private static long measure(Case c, Stats st, String where, Path file, byte[] bytes,
                                Class<? extends Throwable>[] expected) {
        long before = allThreadsAllocated();
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        Throwable thrown = null;
        try {
            c.parser().parse(c.dir());
        } catch (Throwable t) {
            thrown = t;
        }
        st.cpuNanos += THREADS.getCurrentThreadCpuTime() - cpu0;
        long allocated = allThreadsAllocated() - before;
        if (thrown == null) {
            st.successes++;
        } else if (!isExpected(thrown, expected)) {
            fail(st, where, "undocumented exception " + describe(thrown), bytes);
        } else {
            Throwable own = ownCrash(thrown);
            String msg = String.valueOf(thrown.getMessage());
            if (own != null) {
                fail(st, where, "typed exception wraps a crash in snn4j code: " + describe(own), bytes);
            } else if (!msg.contains(file.getFileName().toString()) && !msg.contains(c.dir().toString())) {
                fail(st, where, "error message does not name the file: " + describe(thrown), bytes);
            } else if (libraryCause(thrown)) {
                st.wrappedLibraryErrors++;
                st.typedErrors++;
            } else {
                st.typedErrors++;
            }
        }
        return allocated;
    }

    private static boolean isExpected(Throwable t, Class<? extends Throwable>[] expected) {
        for (Class<? extends Throwable> k : expected) {
            if (k.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The first crash in the cause chain that snn4j code caused, if any: an Error, or a RuntimeException whose
     * nearest non-JDK frame is in snn4j. An IllegalArgumentException thrown directly by snn4j code is a deliberate
     * validation (e.g. Adam's "state does not match the parameters") that the reader then types; that is fine.
     */
    private static Throwable ownCrash(Throwable t) {
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (!(c instanceof RuntimeException || c instanceof Error) || !origin(c).startsWith("dev.snn4j")) {
                continue;
            }
            boolean deliberate = c instanceof IllegalArgumentException && c.getStackTrace().length > 0
                    && c.getStackTrace()[0].getClassName().startsWith("dev.snn4j");
            if (!deliberate) {
                return c;
            }
        }
        return null;
    }

    private static boolean libraryCause(Throwable t) {
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c instanceof RuntimeException || c instanceof Error) {
                return true;
            }
        }
        return false;
    }

    /** Class of the frame that threw (skipping JDK frames such as Objects.checkIndex). */
    private static String origin(Throwable t) {
        for (StackTraceElement e : t.getStackTrace()) {
            String k = e.getClassName();
            if (!k.startsWith("java.") && !k.startsWith("jdk.") && !k.startsWith("sun.")) {
                return k;
            }
        }
        return "";
    }

    private static String describe(Throwable t) {
        StringBuilder s = new StringBuilder(t.toString());
        StackTraceElement[] st = t.getStackTrace();
        for (int i = 0; i < Math.min(6, st.length); i++) {
            s.append("\n        at ").append(st[i]);
        }
        if (t.getCause() != null && t.getCause() != t) {
            s.append("\n      caused by ").append(describe(t.getCause()));
        }
        return s.toString();
    }

    private static synchronized void fail(Stats st, String where, String what, byte[] input) {
        Path saved = Path.of("target", "fuzz-failures", st.reader.replaceAll("\\W+", "_") + "-"
                + st.failures.size() + ".bin");
        try {
            Files.createDirectories(saved.getParent());
            Files.write(saved, input);
        } catch (IOException e) {
            saved = null;
        }
        st.failures.add(where + ": " + what + (saved == null ? "" : "\n      input saved as " + saved));
    }

    private static long allThreadsAllocated() {
        long[] ids = THREADS.getAllThreadIds();
        long sum = 0;
        for (long a : THREADS.getThreadAllocatedBytes(ids)) {
            if (a > 0) {
                sum += a;
            }
        }
        return sum;
    }

    private static long totalSize(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            long sum = 0;
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    sum += Files.size(p);
                }
            }
            return sum;
        }
    }

    /** A Markdown table of all readers run so far. */
    static String table() {
        StringBuilder s = new StringBuilder("| reader | inputs | successes | typed errors | of which wrapped library"
                + " errors | failures | max heap allocated per input | parser CPU time |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|\n");
        long[] tot = new long[5];
        long cpu = 0;
        for (Stats st : STATS.values()) {
            s.append(String.format("| %s | %d | %d | %d | %d | %d | %.1f MiB | %.1f s |%n", st.reader, st.inputs,
                    st.successes, st.typedErrors, st.wrappedLibraryErrors, st.failures.size(),
                    st.maxAllocated / 1048576.0, st.cpuNanos / 1e9));
            cpu += st.cpuNanos;
            tot[0] += st.inputs;
            tot[1] += st.successes;
            tot[2] += st.typedErrors;
            tot[3] += st.wrappedLibraryErrors;
            tot[4] += st.failures.size();
        }
        s.append(String.format("| **total** | %d | %d | %d | %d | %d | | %.1f s |%n", tot[0], tot[1], tot[2], tot[3],
                tot[4], cpu / 1e9));
        return s.toString();
    }

    /** Fails with every recorded failure of {@code st}. */
    static void assertClean(Stats st) {
        if (!st.failures.isEmpty()) {
            throw new AssertionError(st.reader + ": " + st.failures.size() + " failing inputs of " + st.inputs
                    + ":\n  " + String.join("\n  ", st.failures.subList(0, Math.min(8, st.failures.size()))));
        }
    }

    static int[] offsets(int... o) {
        return Arrays.copyOf(o, o.length);
    }
}
