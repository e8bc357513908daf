package com.acme.payments.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Size and content of a jar: bytes on disk, entries, classes, and compressed bytes per library group. */
record PackageStats(Path jar, long bytes, int entries, int classes, Map<String, long[]> groups) {

    static PackageStats of(Path jar) throws IOException {
        int entries = 0;
        int classes = 0;
        Map<String, long[]> groups = new TreeMap<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                if (entry.isDirectory()) {
                    continue;
                }
                entries++;
                boolean isClass = entry.getName().endsWith(".class");
                if (isClass) {
                    classes++;
                }
                long[] g = groups.computeIfAbsent(group(entry.getName()), k -> new long[2]);
                g[0] += Math.max(0, entry.getCompressedSize());
                g[1] += isClass ? 1 : 0;
            }
        }
        return new PackageStats(jar, Files.size(jar), entries, classes, groups);
    }

    /** Groups ordered by compressed size, largest first: name -> {compressed bytes, classes}. */
    Map<String, long[]> largestGroups() {
        Map<String, long[]> sorted = new LinkedHashMap<>();
        groups.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    static String group(String name) {
        String[] p = name.split("/");
        if (name.startsWith("software/amazon/awssdk/services/") && p.length > 4) {
            return "awssdk services/" + p[4];
        }
        if (name.startsWith("software/amazon/awssdk/http/") && p.length > 4 && !p[4].endsWith(".class")) {
            return "awssdk http/" + p[4];
        }
        if (name.startsWith("software/amazon/awssdk/thirdparty/") && p.length > 4) {
            return "awssdk thirdparty/" + p[4];
        }
        if (name.startsWith("software/amazon/awssdk/") && p.length > 3) {
            return "awssdk " + (p[3].endsWith(".class") ? "(root)" : p[3]);
        }
        if (name.startsWith("com/fasterxml/jackson/") && p.length > 3) {
            return "jackson " + p[3];
        }
        if (name.startsWith("com/amazonaws/services/lambda/runtime/events/")) {
            return "lambda events";
        }
        if (name.startsWith("com/amazonaws/")) {
            return "lambda core (" + (p.length > 3 ? p[1] + "/" + p[2] : p[1]) + ")";
        }
        if (name.startsWith("org/apache/hc/") && p.length > 3) {
            return "apache hc/" + p[3];
        }
        if (name.startsWith("com/acme/")) {
            return "ours (com/acme)";
        }
        if (name.startsWith("META-INF/")) {
            return "META-INF";
        }
        if (p.length > 2) {
            return p[0] + "/" + p[1] + (p.length > 3 ? "/" + p[2] : "");
        }
        return p.length > 1 ? p[0] : "(root)";
    }
}
