/**
 * Training wired to the DL4J browser UI, per-epoch metrics, charts and an HTML report.
 */
package org.resnext4j.ui;
