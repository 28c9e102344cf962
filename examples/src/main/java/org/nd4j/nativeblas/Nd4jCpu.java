package org.nd4j.nativeblas;

import java.lang.reflect.Method;

/**
 * Compatibility shim that lets DL4J 1.0.0-M2.1 create its oneDNN layer helpers (convolution, batch normalization,
 * pooling, ...).
 *
 * <p>DL4J's {@code BaseMKLDNNHelper.mklDnnEnabled()} looks up {@code org.nd4j.nativeblas.Nd4jCpu$Environment} and
 * calls {@code getInstance().isUseMKLDNN()}, but M2.1 moved that class to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and renamed the method {@code isUseONEDNN()}.
 * The lookup fails, DL4J logs one "Cannot find class" error, and every helper is dropped. This class, at the old
 * name, forwards to the new one, so helpers are created exactly when the native backend was built with oneDNN.
 * It holds no state and is only reached by that reflective lookup.
 */
public final class Nd4jCpu {

    private Nd4jCpu() {}

    /** The old {@code Nd4jCpu.Environment}, forwarding to the current one. */
    public static final class Environment {

        private static final Environment INSTANCE = new Environment();

        private Environment() {}

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** Whether ND4J's native CPU backend uses oneDNN (false on any other backend or on failure). */
        public boolean isUseMKLDNN() {
            try {
                Class<?> env = Class.forName("org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment");
                Object instance = env.getMethod("getInstance").invoke(null);
                Method m = env.getMethod("isUseONEDNN");
                return (Boolean) m.invoke(instance);
            } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
                return false;
            }
        }
    }
}
