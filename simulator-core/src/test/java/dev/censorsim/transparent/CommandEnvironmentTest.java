package dev.censorsim.transparent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandEnvironmentTest {

    /** What {@code sudo censorsim run --api ... -- CMD} leaves censorsim with (sudo's env_reset, a token kept). */
    private static Map<String, String> underSudo() {
        return new HashMap<>(Map.of("HOME", "/root", "USER", "root", "LOGNAME", "root", "SHELL", "/bin/bash",
                "SUDO_UID", "1000", "SUDO_GID", "1000", "SUDO_USER", "ana", "SUDO_COMMAND", "/usr/bin/censorsim run",
                "CENSORSIM_API_TOKEN", "secret", "PATH", "/usr/sbin:/usr/bin"));
    }

    @Test
    void aDropToTheInvokingUserShouldGiveTheCommandThatUsersVariablesAndNoSudoNorToken() {
        Map<String, String> environment = underSudo();

        CommandEnvironment.prepare(environment, new RunAs(1000, 1000),
                "ana:x:1000:1000:Ana,,,:/home/ana:/usr/bin/zsh\n");

        assertThat(environment).containsExactlyInAnyOrderEntriesOf(Map.of("HOME", "/home/ana", "USER", "ana",
                "LOGNAME", "ana", "SHELL", "/usr/bin/zsh", "PATH", "/usr/sbin:/usr/bin"));
    }

    @Test
    void anEmptyShellFieldShouldMeanBinSh() {
        Map<String, String> environment = underSudo();

        CommandEnvironment.prepare(environment, new RunAs(1000, 1000), "ana:x:1000:1000::/home/ana:");

        assertThat(environment).containsEntry("SHELL", "/bin/sh").containsEntry("HOME", "/home/ana");
    }

    @Test
    void aUidWithoutAPasswdEntryShouldGetNoneOfRootsVariables() {
        Map<String, String> environment = underSudo();

        CommandEnvironment.prepare(environment, new RunAs(4242, 4242), null);

        assertThat(environment).containsExactlyInAnyOrderEntriesOf(Map.of("PATH", "/usr/sbin:/usr/bin"));
    }

    @Test
    void withoutADropOnlyTheTokenShouldGo() {
        Map<String, String> environment = underSudo();

        CommandEnvironment.prepare(environment, RunAs.CURRENT, null);

        Map<String, String> expected = underSudo();
        expected.remove("CENSORSIM_API_TOKEN");
        assertThat(environment).isEqualTo(expected);
    }
}
