package com.acme.payments.bench;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;

/**
 * Order statistics of one sample. Quantiles by linear interpolation between closest ranks (Hyndman &amp; Fan type 7,
 * the default of R and NumPy), so the median of an even count is the mean of the two middle values.
 */
public record Stats(int n, double min, double p25, double median, double p75, double p90, double p99, double max) {

    public static Stats of(double[] values) {
        if (values.length == 0) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double[] v = values.clone();
        Arrays.sort(v);
        return new Stats(v.length, v[0], q(v, 0.25), q(v, 0.5), q(v, 0.75), q(v, 0.90), q(v, 0.99), v[v.length - 1]);
    }

    public static Stats of(Collection<? extends Number> values) {
        return of(values.stream().mapToDouble(Number::doubleValue).toArray());
    }

    static double q(double[] sorted, double p) {
        double h = (sorted.length - 1) * p;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /** "median (IQR p25–p75; min–max)". */
    public String describe(String format) {
        return String.format(Locale.ROOT, format + " (IQR " + format + "–" + format + "; " + format + "–" + format + ")",
                median, p25, p75, min, max);
    }

    /** "median [min–max]". */
    public String range(String format) {
        return String.format(Locale.ROOT, format + " [" + format + "–" + format + "]", median, min, max);
    }
}
