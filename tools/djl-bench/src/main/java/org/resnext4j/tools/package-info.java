/** Benchmark tool (not shipped): PyTorch's libtorch through DJL, timed beside our models (docs/performance.md). */
package org.resnext4j.tools;
