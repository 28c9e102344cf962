/** Benchmark tool (not shipped): ONNX Runtime Java, timed beside our inference form (docs/performance.md). */
package org.resnext4j.tools;
