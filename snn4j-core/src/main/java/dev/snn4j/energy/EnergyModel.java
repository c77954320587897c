package dev.snn4j.energy;

/**
 * Energy per synaptic operation. The default is the 45 nm CMOS, 32-bit float figures (Horowitz, ISSCC 2014) used by
 * the IIR-SNN and SpikeGPT papers: a multiply-accumulate 4.6 pJ, an accumulate 0.9 pJ.
 *
 * <pre>{@code
 * double pj = EnergyModel.CMOS45_FP32.picojoules(macs, acs);
 * }</pre>
 *
 * @param macPj energy of one multiply-accumulate, picojoules
 * @param acPj  energy of one accumulate, picojoules
 */
public record EnergyModel(double macPj, double acPj) {
    /** 45 nm, fp32: MAC 4.6 pJ, AC 0.9 pJ. */
    public static final EnergyModel CMOS45_FP32 = new EnergyModel(4.6, 0.9);
    /** 45 nm, int32: MAC 3.2 pJ, AC 0.1 pJ. */
    public static final EnergyModel CMOS45_INT32 = new EnergyModel(3.2, 0.1);

    public EnergyModel {
        if (!(macPj >= 0) || !(acPj >= 0)) {
            throw new IllegalArgumentException("EnergyModel: energies must be >= 0, got MAC " + macPj + ", AC " + acPj);
        }
    }

    /** Energy of {@code macs} MACs and {@code acs} ACs, in picojoules. */
    public double picojoules(double macs, double acs) {
        return macs * macPj + acs * acPj;
    }
}
