package dev.censorsim.transparent;

import java.util.List;
import java.util.Map;

/**
 * The environment of the command {@code censorsim run} starts. It inherits censorsim's, which under sudo is root's:
 * {@code setpriv} changes the user ids but not the variables, so the command ran as the invoking user with
 * {@code HOME=/root} (unreadable to it: git, pip and browsers failed or used root's settings), {@code USER=root}, and
 * sudo's {@code SUDO_*}.
 */
final class CommandEnvironment {

    /** The control API's token ({@code run --api}): the program under test has no business holding it. */
    static final String API_TOKEN = "CENSORSIM_API_TOKEN";

    private CommandEnvironment() {
    }

    /**
     * Adjusts {@code environment} for a command run as {@code runAs}. {@value #API_TOKEN} is always removed. When the
     * command drops to another user, {@code HOME}, {@code USER}, {@code LOGNAME} and {@code SHELL} come from that
     * user's {@code passwdEntry} (a line of {@code getent passwd UID}), as a login would set them, and the
     * {@code SUDO_*} variables go; without an entry (a bare uid) those four are removed, since root's would be wrong
     * and there is nothing right to put. Without a drop, the rest is left as censorsim has it.
     *
     * @param passwdEntry {@code name:password:uid:gid:gecos:home:shell}, or {@code null} when the uid has none
     */
    static void prepare(Map<String, String> environment, RunAs runAs, String passwdEntry) {
        environment.remove(API_TOKEN);
        if (runAs.isCurrent()) {
            return;
        }
        environment.keySet().removeIf(name -> name.startsWith("SUDO_"));
        String[] fields = passwdEntry == null ? new String[0] : passwdEntry.strip().split(":", -1);
        if (fields.length < 7 || fields[0].isEmpty()) {
            environment.keySet().removeAll(List.of("HOME", "USER", "LOGNAME", "SHELL"));
            return;
        }
        environment.put("USER", fields[0]);
        environment.put("LOGNAME", fields[0]);
        environment.put("HOME", fields[5]);
        // passwd(5): an empty shell field means /bin/sh.
        environment.put("SHELL", fields[6].isEmpty() ? "/bin/sh" : fields[6]);
    }
}
