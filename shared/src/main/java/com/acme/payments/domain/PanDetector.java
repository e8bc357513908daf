package com.acme.payments.domain;

import java.util.Arrays;

/**
 * Finds values that look like a primary account number (PAN): 13–19 digits passing the Luhn check. Raw card
 * numbers must never enter the system, so any field containing one is rejected without echoing it.
 *
 * <p>A candidate is a run of ASCII digits in which single spaces or dashes may separate groups. It counts when
 * the whole run is 13–19 digits and passes Luhn, or when consecutive groups of it do (a PAN written after
 * another number: "ref 12 4111 1111 1111 1111"), or, inside an unbroken run longer than 19 digits, any 13–19
 * digit window does (a PAN glued to other digits). A plain 13–19 digit number that fails Luhn, such as an order
 * reference, is not a PAN.
 *
 * <p>Runs in time linear in the input (each run is scanned once and windows are bounded by 19 digits): the input
 * is client text of up to 16 KB.
 */
public final class PanDetector {
    private static final int MIN = 13;
    private static final int MAX = 19;

    private PanDetector() {
    }

    public static boolean containsPan(String text) {
        if (text == null || text.length() < MIN) {
            return false;
        }
        int n = text.length();
        int[] digits = new int[32];
        int[] groupStart = new int[16];
        int i = 0;
        while (i < n) {
            if (!isDigit(text.charAt(i))) {
                i++;
                continue;
            }
            int count = 0;
            int groups = 0;
            int j = i;
            while (true) {
                if (groups == groupStart.length) {
                    groupStart = Arrays.copyOf(groupStart, groups * 2);
                }
                groupStart[groups++] = count;
                while (j < n && isDigit(text.charAt(j))) {
                    if (count == digits.length) {
                        digits = Arrays.copyOf(digits, count * 2);
                    }
                    digits[count++] = text.charAt(j) - '0';
                    j++;
                }
                boolean separatorThenDigit = j + 1 < n && (text.charAt(j) == ' ' || text.charAt(j) == '-')
                        && isDigit(text.charAt(j + 1));
                if (!separatorThenDigit) {
                    break;
                }
                j++;
            }
            if (runContainsPan(digits, count, groupStart, groups)) {
                return true;
            }
            i = j;
        }
        return false;
    }

    private static boolean runContainsPan(int[] digits, int count, int[] groupStart, int groups) {
        if (count >= MIN && count <= MAX && luhn(digits, 0, count)) {
            return true;
        }
        for (int g = 0; g < groups; g++) {
            int from = groupStart[g];
            for (int h = g; h < groups; h++) {
                int end = h + 1 < groups ? groupStart[h + 1] : count;
                int length = end - from;
                if (length > MAX) {
                    break;
                }
                if (length >= MIN && !(g == 0 && h == groups - 1) && luhn(digits, from, length)) {
                    return true;
                }
            }
            int groupEnd = g + 1 < groups ? groupStart[g + 1] : count;
            if (groupEnd - from > MAX) {
                for (int w = from; w + MIN <= groupEnd; w++) {
                    for (int len = MIN; len <= MAX && w + len <= groupEnd; len++) {
                        if (luhn(digits, w, len)) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean luhn(int[] digits, int from, int len) {
        int sum = 0;
        boolean dbl = false;
        for (int i = from + len - 1; i >= from; i--) {
            int d = digits[i];
            if (dbl) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            dbl = !dbl;
        }
        return sum % 10 == 0;
    }
}
