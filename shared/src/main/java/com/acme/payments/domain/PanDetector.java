package com.acme.payments.domain;

/**
 * Finds values that look like a primary account number: 13–19 digits (spaces or dashes allowed between them)
 * that pass the Luhn check. Raw card numbers must never enter the system, so any field containing one is
 * rejected without echoing it.
 */
public final class PanDetector {
    private PanDetector() {
    }

    public static boolean containsPan(String text) {
        if (text == null || text.length() < 13) {
            return false;
        }
        int n = text.length();
        int[] digits = new int[n];
        for (int start = 0; start < n; start++) {
            if (!Character.isDigit(text.charAt(start)) || (start > 0 && Character.isDigit(text.charAt(start - 1)))) {
                continue;
            }
            // Collect the run of digits and separators beginning here.
            int count = 0;
            for (int i = start; i < n && count < digits.length; i++) {
                char c = text.charAt(i);
                if (c >= '0' && c <= '9') {
                    digits[count++] = c - '0';
                } else if (c != ' ' && c != '-') {
                    break;
                }
            }
            // Any 13..19 digit window inside the run that passes Luhn counts.
            for (int len = 13; len <= 19; len++) {
                for (int from = 0; from + len <= count; from++) {
                    if (luhn(digits, from, len)) {
                        return true;
                    }
                }
            }
        }
        return false;
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
