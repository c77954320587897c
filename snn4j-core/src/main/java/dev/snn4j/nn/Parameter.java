package dev.snn4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * A named tensor owned by a {@link Module}: either a trainable weight (gradient attached) or a buffer such as a
 * batch-norm running mean (saved in checkpoints, never trained).
 *
 * <p>The array lives in the owning module's {@link ai.djl.ndarray.NDManager}; optimizers update it in place outside
 * any gradient collector, so references to a parameter stay valid for the life of the model.
 */
public final class Parameter {
    private final String name;
    private final boolean trainable;
    private NDArray value;

    Parameter(String name, NDArray value, boolean trainable) {
        this.name = name;
        this.trainable = trainable;
        setValue(value);
    }

    /** The local name inside its module (e.g. {@code weight}); {@link Module#namedParameters()} gives full paths. */
    public String name() {
        return name;
    }

    /** Whether gradients are computed for this tensor. */
    public boolean isTrainable() {
        return trainable;
    }

    /** The current tensor. */
    public NDArray value() {
        return value;
    }

    /**
     * Replaces the tensor (used when loading a checkpoint or converting dtype). The old tensor is closed and the new
     * one takes over the old one's manager.
     */
    public void setValue(NDArray newValue) {
        NDArray old = this.value;
        if (old != null) {
            if (!old.getShape().equals(newValue.getShape())) {
                throw new IllegalArgumentException("parameter '" + name + "': expected shape " + old.getShape()
                        + " but got " + newValue.getShape());
            }
            newValue.attach(old.getManager());
        }
        ai.djl.ndarray.NDScope.unregister(newValue);
        this.value = newValue;
        if (trainable) {
            value.setRequiresGradient(true);
        }
        if (old != null && old != newValue) {
            old.close();
        }
    }

    /** Copies {@code data} into this parameter (shape must match), keeping this tensor's dtype and manager. */
    public void copyFrom(NDArray data) {
        if (!data.getShape().equals(value.getShape())) {
            throw new IllegalArgumentException("parameter '" + name + "': expected shape " + value.getShape()
                    + " but got " + data.getShape());
        }
        // toType(type, true) returns a view of data when the dtype already matches (torch's to() aliases), so the
        // parameter would share data's storage and read freed memory once the caller closes data: copy explicitly.
        NDArray converted = data.getDataType() == value.getDataType() ? data.duplicate()
                : data.toType(value.getDataType(), true);
        converted.attach(value.getManager());
        setValue(converted);
    }

    /** Converts the parameter to another floating dtype (e.g. FLOAT64 for gradient checks). */
    void convert(DataType type) {
        if (value.getDataType() != type) {
            NDArray converted = value.stopGradient().toType(type, true);
            converted.attach(value.getManager());
            ai.djl.ndarray.NDScope.unregister(converted);
            NDArray old = value;
            value = converted;
            if (trainable) {
                value.setRequiresGradient(true);
            }
            old.close();
        }
    }

    @Override
    public String toString() {
        return "Parameter(" + name + ", " + value.getShape() + ", " + value.getDataType()
                + (trainable ? "" : ", buffer") + ")";
    }
}
