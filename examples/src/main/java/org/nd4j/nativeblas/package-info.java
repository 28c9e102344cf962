/**
 * Not ours: a one-class compatibility shim at the package name DL4J 1.0.0-M2.1 looks up by reflection
 * ({@link org.nd4j.nativeblas.Nd4jCpu}, see its comment), so that DL4J creates its oneDNN layer helpers.
 */
package org.nd4j.nativeblas;
