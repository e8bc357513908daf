package com.acme.payments.function;

/** Low-cardinality route names for logs and metric dimensions (ids replaced by {id}). */
final class RouteNames {
    private RouteNames() {
    }

    static String of(String method, String path) {
        if (path == null) {
            return "unknown";
        }
        String[] s = path.split("/", -1);
        String template;
        if (path.equals("/health") || path.equals("/payments")) {
            template = path;
        } else if (s.length == 3 && s[1].equals("payments")) {
            template = "/payments/{id}";
        } else if (s.length == 4 && s[1].equals("payments")
                && (s[3].equals("capture") || s[3].equals("refunds") || s[3].equals("cancel"))) {
            template = "/payments/{id}/" + s[3];
        } else {
            template = "other";
        }
        return (method == null ? "?" : method) + " " + template;
    }
}
