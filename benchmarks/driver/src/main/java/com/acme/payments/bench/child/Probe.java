package com.acme.payments.bench.child;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The marker protocol every cold-path child speaks on stdout (the baseline jar carries an identical copy, because it
 * must not depend on this module). The parent timestamps each line the moment it reads it:
 * <pre>
 * &#64;&#64;BENCH INIT                 end of init (handler constructed, primed if asked)
 * &#64;&#64;BENCH GO &lt;classes&gt;         after the class-count probe; the first invoke starts here
 * &#64;&#64;BENCH FIRST &lt;status&gt;       first response returned
 * &#64;&#64;BENCH END classes=… hwmKb=… rssKb=…
 * </pre>
 * The probe between INIT and GO (ClassLoadingMXBean: it loads java.management) is timed by the parent and kept out
 * of both intervals; its own classes are in every count, the same in every program.
 */
public final class Probe {
    public static final String PREFIX = "@@BENCH ";

    private Probe() {
    }

    /** End of init: marker, then the class count, then the start of the first invoke. */
    public static void initDone() {
        marker("INIT");
        long classes = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
        marker("GO " + classes);
    }

    /** First response returned: marker, then classes and peak RSS (read after the marker, outside any interval). */
    public static void firstResponse(int status) {
        marker("FIRST " + status);
        long classes = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
        marker("END classes=" + classes + " hwmKb=" + procStatus("VmHWM") + " rssKb=" + procStatus("VmRSS"));
    }

    static void marker(String text) {
        System.out.println(PREFIX + text);
        System.out.flush();
    }

    /** A kB value from /proc/self/status, or -1 off Linux. */
    static long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
