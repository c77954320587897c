package dev.snn4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A labelled video data set stored as frame folders, UCF101-style: {@code root/<class>/<clip>/<frame>.png|jpg|jpeg}.
 * Classes are the sub-folders of {@code root} in name order (label = position); a clip's frames are its image files in
 * natural order ({@code 2.png} before {@code 10.png}); other files are ignored.
 *
 * <p>Policies, never a silently mis-shaped batch:
 * <ul>
 *   <li>length: {@link LengthPolicy#EXACT} (default) requires every clip to have exactly {@code T} frames ({@code T}
 *   is the first clip's length unless set); {@link LengthPolicy#TRUNCATE} takes the first {@code T} and rejects
 *   shorter clips; {@link LengthPolicy#PAD_LAST} takes the first {@code T} and repeats the last frame of shorter
 *   ones. Length errors are raised by {@link #scan} for the whole data set at once.</li>
 *   <li>size: {@link SizePolicy#STRICT} (default) requires every frame to be {@code H x W} (the first frame's size
 *   unless set); {@link SizePolicy#RESIZE} scales every frame bilinearly to {@code H x W} (aspect ratio not kept).</li>
 *   <li>an unreadable or non-image frame raises a {@link DataFormatException} naming the frame file and its clip.</li>
 * </ul>
 * Channels: 1 (luminance, {@code (r+g+b)/3}) or 3 (RGB), values in [0, 1].
 *
 * <pre>{@code
 * VideoFolder v = VideoFolder.scan(Path.of("ucf_frames"), 16, VideoFolder.LengthPolicy.PAD_LAST)
 *         .size(64, 64, VideoFolder.SizePolicy.RESIZE).channels(3);
 * NDArray x = v.batch(manager, new int[] {0, 1});   // [16, 2, 3, 64, 64]
 * int label = v.clip(0).label();
 * }</pre>
 */
public final class VideoFolder {
    /** What to do with clips of different lengths. */
    public enum LengthPolicy { EXACT, TRUNCATE, PAD_LAST }

    /** What to do with frames of a different size. */
    public enum SizePolicy { STRICT, RESIZE }

    /** One clip: its folder, class and frame files (already cut to T, not yet padded). */
    public record Clip(Path dir, String className, int label, List<Path> frames) {
        /** {@code class/clip}, for messages. */
        public String id() {
            return className + "/" + dir.getFileName();
        }
    }

    private final Path root;
    private final List<String> classes;
    private final List<Clip> clips;
    private final int frames;
    private final LengthPolicy lengthPolicy;
    private int height;
    private int width;
    private SizePolicy sizePolicy = SizePolicy.STRICT;
    private int channels = 1;

    private VideoFolder(Path root, List<String> classes, List<Clip> clips, int frames, LengthPolicy policy) {
        this.root = root;
        this.classes = classes;
        this.clips = clips;
        this.frames = frames;
        this.lengthPolicy = policy;
    }

    /** Scans with {@link LengthPolicy#EXACT} and {@code T} = the first clip's length. */
    public static VideoFolder scan(Path root) throws IOException {
        return scan(root, 0, LengthPolicy.EXACT);
    }

    /**
     * Lists classes, clips and frames under {@code root} and applies the length policy.
     *
     * @param frames {@code T}, or 0 for the first clip's length
     * @throws DataFormatException if a class or clip folder is empty, or a clip's length violates the policy
     */
    public static VideoFolder scan(Path root, int frames, LengthPolicy policy) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new DataFormatException(root, "not a directory (expected <class>/<clip>/<frame>.png|jpg)");
        }
        List<String> classes = new ArrayList<>();
        List<Clip> clips = new ArrayList<>();
        int t = frames;
        for (Path classDir : sortedChildren(root, true)) {
            String cls = classDir.getFileName().toString();
            List<Path> clipDirs = sortedChildren(classDir, true);
            if (clipDirs.isEmpty()) {
                throw new DataFormatException(classDir, "class '" + cls + "' has no clip folders");
            }
            int label = classes.size();
            classes.add(cls);
            for (Path clipDir : clipDirs) {
                List<Path> fs = new ArrayList<>();
                for (Path f : sortedChildren(clipDir, false)) {
                    String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
                    if (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg")) {
                        fs.add(f);
                    }
                }
                String id = cls + "/" + clipDir.getFileName();
                if (fs.isEmpty()) {
                    throw new DataFormatException(clipDir, "clip " + id, "no .png/.jpg/.jpeg frames");
                }
                if (t == 0) {
                    t = fs.size();
                }
                if (fs.size() != t && (policy == LengthPolicy.EXACT
                        || (policy == LengthPolicy.TRUNCATE && fs.size() < t))) {
                    throw new DataFormatException(clipDir, "clip " + id, "has " + fs.size() + " frames but "
                            + (policy == LengthPolicy.EXACT ? "exactly " : "at least ") + t + " are required ("
                            + policy + "; use LengthPolicy.PAD_LAST or TRUNCATE to accept other lengths)");
                }
                clips.add(new Clip(clipDir, cls, label, List.copyOf(fs.subList(0, Math.min(t, fs.size())))));
            }
        }
        if (classes.isEmpty()) {
            throw new DataFormatException(root, "no class folders (expected <class>/<clip>/<frame>.png|jpg)");
        }
        return new VideoFolder(root, List.copyOf(classes), List.copyOf(clips), t, policy);
    }

    private static List<Path> sortedChildren(Path dir, boolean dirs) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> dirs == Files.isDirectory(p) && !p.getFileName().toString().startsWith("."))
                    .sorted(NATURAL).toList();
        }
    }

    /** Natural order on file names: digit runs compare by value ({@code f2 < f10}), then plain text. */
    static final Comparator<Path> NATURAL = (a, b) -> {
        String x = a.getFileName().toString();
        String y = b.getFileName().toString();
        int i = 0;
        int j = 0;
        while (i < x.length() && j < y.length()) {
            char c = x.charAt(i);
            char d = y.charAt(j);
            if (Character.isDigit(c) && Character.isDigit(d)) {
                int i2 = i;
                int j2 = j;
                while (i2 < x.length() && Character.isDigit(x.charAt(i2))) {
                    i2++;
                }
                while (j2 < y.length() && Character.isDigit(y.charAt(j2))) {
                    j2++;
                }
                java.math.BigInteger n = new java.math.BigInteger(x.substring(i, i2));
                java.math.BigInteger m = new java.math.BigInteger(y.substring(j, j2));
                int cmp = n.compareTo(m);
                if (cmp != 0) {
                    return cmp;
                }
                i = i2;
                j = j2;
            } else {
                if (c != d) {
                    return Character.compare(c, d);
                }
                i++;
                j++;
            }
        }
        int cmp = Integer.compare(x.length() - i, y.length() - j);
        return cmp != 0 ? cmp : x.compareTo(y);
    };

    /** Target frame size and what to do with other sizes (default: the first frame's size, STRICT). */
    public VideoFolder size(int h, int w, SizePolicy policy) {
        if (h < 1 || w < 1 || policy == null) {
            throw new IllegalArgumentException("VideoFolder: size must be >= 1x1 with a policy, got " + h + "x" + w);
        }
        this.height = h;
        this.width = w;
        this.sizePolicy = policy;
        return this;
    }

    /** 1 (luminance) or 3 (RGB); default 1. */
    public VideoFolder channels(int c) {
        if (c != 1 && c != 3) {
            throw new IllegalArgumentException("VideoFolder: channels must be 1 or 3, got " + c);
        }
        this.channels = c;
        return this;
    }

    public List<String> classes() {
        return classes;
    }

    public List<Clip> clips() {
        return clips;
    }

    public Clip clip(int i) {
        return clips.get(i);
    }

    public int size() {
        return clips.size();
    }

    /** Frames per clip ({@code T}). */
    public int frames() {
        return frames;
    }

    public LengthPolicy lengthPolicy() {
        return lengthPolicy;
    }

    public Path root() {
        return root;
    }

    /** Frame height and width; read from the first frame of the first clip if not set. */
    public int[] frameSize() throws IOException {
        if (height == 0) {
            Clip c = clips.get(0);
            BufferedImage img = read(c.frames().get(0), c);
            height = img.getHeight();
            width = img.getWidth();
        }
        return new int[] {height, width};
    }

    private static BufferedImage read(Path f, Clip c) throws DataFormatException {
        try {
            return CifarLoader.readImage(f); // checks the declared size before ImageIO allocates the raster
        } catch (IOException e) {
            throw new DataFormatException(f, "clip " + c.id(), "unreadable frame: " + e.getMessage(), e);
        }
    }

    /** Clip {@code i} as {@code [T][C][H][W]} floats in [0, 1] (padded per the length policy). */
    public float[] load(int i) throws IOException {
        int[] hw = frameSize();
        int h = hw[0];
        int w = hw[1];
        Clip c = clips.get(i);
        int plane = h * w;
        float[] out = new float[frames * channels * plane];
        int n = c.frames().size();
        for (int f = 0; f < n; f++) {
            Path file = c.frames().get(f);
            BufferedImage img = read(file, c);
            if (img.getHeight() != h || img.getWidth() != w) {
                if (sizePolicy == SizePolicy.STRICT) {
                    throw new DataFormatException(file, "clip " + c.id(), "frame is " + img.getWidth() + "x"
                            + img.getHeight() + " (WxH) but frames must be " + w + "x" + h
                            + " (SizePolicy.STRICT; use SizePolicy.RESIZE to scale)");
                }
                img = resize(img, h, w);
            }
            int base = f * channels * plane;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int rgb = img.getRGB(x, y);
                    float r = ((rgb >> 16) & 0xff) / 255f;
                    float g = ((rgb >> 8) & 0xff) / 255f;
                    float b = (rgb & 0xff) / 255f;
                    if (channels == 1) {
                        out[base + y * w + x] = (r + g + b) / 3f;
                    } else {
                        out[base + y * w + x] = r;
                        out[base + plane + y * w + x] = g;
                        out[base + 2 * plane + y * w + x] = b;
                    }
                }
            }
        }
        int per = channels * plane;
        for (int f = n; f < frames; f++) {   // PAD_LAST: repeat the last frame
            System.arraycopy(out, (n - 1) * per, out, f * per, per);
        }
        return out;
    }

    private static BufferedImage resize(BufferedImage img, int h, int w) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        return out;
    }

    /** Clips {@code indices} as a time-major float32 batch {@code [T, B, C, H, W]}. */
    public NDArray batch(NDManager manager, int[] indices) throws IOException {
        int[] hw = frameSize();
        int per = channels * hw[0] * hw[1];
        int b = indices.length;
        float[] out = new float[frames * b * per];
        for (int j = 0; j < b; j++) {
            float[] clip = load(indices[j]);
            for (int f = 0; f < frames; f++) {
                System.arraycopy(clip, f * per, out, (f * b + j) * per, per);
            }
        }
        return manager.create(out, new Shape(frames, b, channels, hw[0], hw[1]));
    }

    /** Labels of {@code indices} as int32 {@code [B]}. */
    public NDArray labels(NDManager manager, int[] indices) {
        int[] y = new int[indices.length];
        for (int j = 0; j < y.length; j++) {
            y[j] = clips.get(indices[j]).label();
        }
        return manager.create(y);
    }
}
