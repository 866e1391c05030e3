/**
 * Reports: self-contained SVG charts (no chart library), used by {@code topiary plot}, and the HTML report of a
 * compression run ({@link Report}).
 */
package dev.topiary.report;
