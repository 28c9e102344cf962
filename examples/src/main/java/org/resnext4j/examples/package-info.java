/**
 * The {@code resnext4j} command line ({@link org.resnext4j.examples.Cli}, one small picocli class per command:
 * train, evaluate, predict, quantize, summary, weights import and export, ui, benchmarks) and the built-in generated
 * data set of the main job. Argument parsing and printing only: what a library user would also need lives in the
 * library modules. Copyable example programs are in {@code org.resnext4j.examples.tutorial}.
 */
package org.resnext4j.examples;
