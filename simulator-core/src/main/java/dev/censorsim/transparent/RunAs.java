package dev.censorsim.transparent;

import java.util.Map;

/**
 * Who the command inside the namespace runs as. Setting up interception needs root, but the program under test
 * should run as the person who asked: under sudo, {@code SUDO_UID}/{@code SUDO_GID}.
 *
 * @param uid the user id, or -1 to keep censorsim's own
 * @param gid the group id, or -1 to keep censorsim's own
 */
public record RunAs(long uid, long gid) {

    /** Keep censorsim's own user. */
    public static final RunAs CURRENT = new RunAs(-1, -1);

    public RunAs {
        if ((uid < 0) != (gid < 0)) {
            throw new IllegalArgumentException("give both uid and gid, or neither");
        }
    }

    /** The invoking user: {@code SUDO_UID}/{@code SUDO_GID} when set (censorsim ran under sudo), else the current. */
    public static RunAs invokingUser(Map<String, String> environment) {
        String uid = environment.get("SUDO_UID");
        String gid = environment.get("SUDO_GID");
        if (uid == null || gid == null) {
            return CURRENT;
        }
        try {
            return new RunAs(Long.parseLong(uid.strip()), Long.parseLong(gid.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SUDO_UID/SUDO_GID are not numbers: " + uid + "/" + gid, e);
        }
    }

    /** Whether the command keeps censorsim's own user. */
    public boolean isCurrent() {
        return uid < 0;
    }
}
