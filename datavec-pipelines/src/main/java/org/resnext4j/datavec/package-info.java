/**
 * DataVec image pipelines for folder-per-class data sets ({@code root/<class>/<image>}).
 */
package org.resnext4j.datavec;
