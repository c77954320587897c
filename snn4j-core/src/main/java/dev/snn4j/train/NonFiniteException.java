package dev.snn4j.train;

/**
 * Training produced a NaN or infinity; the message names the step and the culprit (the loss or a parameter).
 *
 * <pre>{@code
 * catch (NonFiniteException e) { log(e.getMessage()); }   // "step 137: parameter 'fc2.weight' has a non-finite gradient (NaN)"
 * }</pre>
 */
public class NonFiniteException extends ArithmeticException {
    private final long step;
    private final String parameter;
    private final String detail;

    /**
     * @param step      1-based optimizer step, or -1 if unknown
     * @param parameter the dotted parameter name, or null when the loss itself is not finite
     * @param detail    what is wrong, e.g. "has a non-finite gradient (NaN)"
     */
    public NonFiniteException(long step, String parameter, String detail) {
        super((step >= 0 ? "step " + step + ": " : "") + (parameter == null ? "" : "parameter '" + parameter + "' ")
                + detail);
        this.step = step;
        this.parameter = parameter;
        this.detail = detail;
    }

    /** The same error, tagged with the step it happened at. */
    public NonFiniteException atStep(long s) {
        NonFiniteException e = new NonFiniteException(s, parameter, detail);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The 1-based step, or -1 if unknown. */
    public long step() {
        return step;
    }

    /** The offending parameter's dotted name, or null if the loss was not finite. */
    public String parameter() {
        return parameter;
    }
}
