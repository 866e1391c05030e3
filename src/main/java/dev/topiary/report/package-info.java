/** Reports: self-contained SVG charts (no chart library), used by {@code topiary plot} and run reports. */
package dev.topiary.report;
