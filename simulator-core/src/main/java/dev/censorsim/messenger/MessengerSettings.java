package dev.censorsim.messenger;

import dev.censorsim.messenger.ChatProtocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the synthetic messenger behaves for a whole scenario: the names it uses, its workload and its strategies. The
 * workload does not change between phases; only the censor's policy does, which is what makes phases comparable.
 *
 * @param chatName            the name the chat connection asks for (SNI, SOCKS target)
 * @param mediaName           the name media transfers ask for
 * @param alternatives        further names the server also serves, for the alternatives strategy
 * @param controlName         a name no rule lists, measured alongside as a control, or {@code null}
 * @param front               how the client reaches the censor
 * @param chat                the chat workload, or {@code null} for no chat traffic
 * @param media               the media workload, or {@code null} for no media traffic
 * @param churnNanos          reconnect the chat connection this often, or 0 to keep it as long as it works
 * @param strategies          resilience strategies
 * @param connectTimeoutNanos a TCP connect plus TLS handshake slower than this counts as a timeout
 * @param dns                 resolve names through censorsim's DNS server, or {@code null} for static routes (no
 *                            lookups at all)
 * @param calls               voice calls, signalled over the chat connection (so chat must be on), or {@code null}
 * @param chatProtocol        the chat connection's wire: TLS with SNI, or WhatsApp's Noise framing (no SNI)
 */
public record MessengerSettings(String chatName, String mediaName, List<String> alternatives, String controlName,
                                Front front, ChatWorkload chat, MediaWorkload media, long churnNanos,
                                Strategies strategies, long connectTimeoutNanos, DnsSettings dns,
                                CallWorkload calls, ChatProtocol chatProtocol) {

    /** Settings whose chat speaks TLS. */
    public MessengerSettings(String chatName, String mediaName, List<String> alternatives, String controlName,
                             Front front, ChatWorkload chat, MediaWorkload media, long churnNanos,
                             Strategies strategies, long connectTimeoutNanos, DnsSettings dns,
                             CallWorkload calls) {
        this(chatName, mediaName, alternatives, controlName, front, chat, media, churnNanos, strategies,
                connectTimeoutNanos, dns, calls, ChatProtocol.TLS);
    }

    /** Settings without calls. */
    public MessengerSettings(String chatName, String mediaName, List<String> alternatives, String controlName,
                             Front front, ChatWorkload chat, MediaWorkload media, long churnNanos,
                             Strategies strategies, long connectTimeoutNanos, DnsSettings dns) {
        this(chatName, mediaName, alternatives, controlName, front, chat, media, churnNanos, strategies,
                connectTimeoutNanos, dns, null);
    }

    /** Settings with static routes, no DNS. */
    public MessengerSettings(String chatName, String mediaName, List<String> alternatives, String controlName,
                             Front front, ChatWorkload chat, MediaWorkload media, long churnNanos,
                             Strategies strategies, long connectTimeoutNanos) {
        this(chatName, mediaName, alternatives, controlName, front, chat, media, churnNanos, strategies,
                connectTimeoutNanos, null);
    }

    /** Default connect timeout: 2 s, longer than any loopback handshake, short enough to keep phases brisk. */
    public static final long DEFAULT_CONNECT_TIMEOUT_NANOS = 2_000_000_000L;

    private static final String LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    /** RFC 1123 host names: labels of 1-63 letters, digits and inner hyphens, 253 characters in all. */
    private static final Pattern HOST_NAME = Pattern.compile("(?=.{1,253}$)" + LABEL + "(\\." + LABEL + ")*\\.?");

    public MessengerSettings {
        Objects.requireNonNull(front, "front");
        Objects.requireNonNull(strategies, "strategies");
        Objects.requireNonNull(chatProtocol, "chatProtocol");
        alternatives = List.copyOf(alternatives);
        if (chat == null && media == null) {
            throw new IllegalArgumentException("the workload needs chat, media or both");
        }
        if (chat != null) {
            checkHostName(chatName, "the chat name");
        }
        if (media != null) {
            checkHostName(mediaName, "the media name");
        }
        for (String alternative : alternatives) {
            checkHostName(alternative, "an alternative name");
        }
        if (controlName != null) {
            checkHostName(controlName, "the control name");
            if (controlName.equalsIgnoreCase(chatName) || controlName.equalsIgnoreCase(mediaName)
                    || alternatives.stream().anyMatch(controlName::equalsIgnoreCase)) {
                throw new IllegalArgumentException("the control name '" + controlName
                        + "' must differ from the names the messenger uses");
            }
        }
        if (strategies.alternatives() && alternatives.isEmpty()) {
            throw new IllegalArgumentException("the alternatives strategy needs at least one name under "
                    + "messenger.alternatives");
        }
        if (strategies.doh() != null) {
            checkHostName(strategies.doh(), "the DoH resolver name");
            if (dns == null) {
                throw new IllegalArgumentException("the doh strategy needs a messenger.dns block: DoH is asked when "
                        + "a plain lookup fails");
            }
            if (strategies.doh().equalsIgnoreCase(chatName) || strategies.doh().equalsIgnoreCase(mediaName)
                    || strategies.doh().equalsIgnoreCase(controlName)
                    || alternatives.stream().anyMatch(strategies.doh()::equalsIgnoreCase)) {
                throw new IllegalArgumentException("the DoH resolver name '" + strategies.doh()
                        + "' must differ from the names the messenger uses");
            }
        }
        if (!strategies.dnsFallback().isEmpty() && dns == null) {
            throw new IllegalArgumentException("the dns-fallback strategy needs a messenger.dns block: without DNS "
                    + "there is no lookup to fall back from");
        }
        if (calls != null && chat == null) {
            throw new IllegalArgumentException("calls are signalled over the chat connection; expected a chat "
                    + "workload as well");
        }
        if (strategies.callFallback() && calls == null) {
            throw new IllegalArgumentException("the call-fallback strategy needs a calls workload");
        }
        if (churnNanos < 0) {
            throw new IllegalArgumentException("churn must not be negative");
        }
        if (connectTimeoutNanos <= 0) {
            throw new IllegalArgumentException("the connect timeout must be positive");
        }
    }

    /** Chat and media with their defaults on the given names, forward front, no strategies, 2 s connect timeout. */
    public static MessengerSettings of(String chatName, String mediaName) {
        return new MessengerSettings(chatName, mediaName, List.of(), null, Front.FORWARD, ChatWorkload.DEFAULT,
                MediaWorkload.DEFAULT, 0, Strategies.NONE, DEFAULT_CONNECT_TIMEOUT_NANOS);
    }

    /**
     * Every name the messenger server must present a certificate for (and the built-in DNS zone lists): chat, media,
     * control, the DoH resolver, alternatives.
     */
    public List<String> serverNames() {
        List<String> names = new ArrayList<>();
        for (String name : new String[] {chatName, mediaName, controlName, strategies.doh()}) {
            if (name != null && !names.contains(name)) {
                names.add(name);
            }
        }
        alternatives.stream().filter(a -> !names.contains(a)).forEach(names::add);
        return List.copyOf(names);
    }

    /** A copy with another control name ({@code null} for none). */
    public MessengerSettings withControlName(String name) {
        return new MessengerSettings(chatName, mediaName, alternatives, name, front, chat, media, churnNanos,
                strategies, connectTimeoutNanos, dns, calls, chatProtocol);
    }

    /** A copy with other workloads ({@code null} for none of that kind) and churn interval (0 for none). */
    public MessengerSettings withWorkload(ChatWorkload chat, MediaWorkload media, long churnNanos) {
        return new MessengerSettings(chatName, mediaName, alternatives, controlName, front, chat, media, churnNanos,
                strategies, connectTimeoutNanos, dns, calls, chatProtocol);
    }

    /** A copy with other strategies and alternative names. */
    public MessengerSettings withStrategies(Strategies strategies, List<String> alternatives) {
        return new MessengerSettings(chatName, mediaName, alternatives, controlName, front, chat, media, churnNanos,
                strategies, connectTimeoutNanos, dns, calls, chatProtocol);
    }

    /** A copy that reaches the censor through {@code front}. */
    public MessengerSettings withFront(Front front) {
        return new MessengerSettings(chatName, mediaName, alternatives, controlName, front, chat, media, churnNanos,
                strategies, connectTimeoutNanos, dns, calls, chatProtocol);
    }

    /** A copy that resolves through censorsim's DNS as {@code dns} says ({@code null}: static routes). */
    public MessengerSettings withDns(DnsSettings dns) {
        return new MessengerSettings(chatName, mediaName, alternatives, controlName, front, chat, media, churnNanos,
                strategies, connectTimeoutNanos, dns, calls, chatProtocol);
    }

    /** A copy with another call workload ({@code null}: no calls). */
    public MessengerSettings withCalls(CallWorkload calls) {
        return new MessengerSettings(chatName, mediaName, alternatives, controlName, front, chat, media, churnNanos,
                strategies, connectTimeoutNanos, dns, calls, chatProtocol);
    }

    /**
     * Checks that {@code name} is an RFC 1123 host name; the message names {@code what}, e.g. "the chat name".
     *
     * @throws IllegalArgumentException when it is not
     */
    public static void checkHostName(String name, String what) {
        if (name == null || !HOST_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " must be a host name such as g.whatsapp.net, got "
                    + (name == null ? "nothing" : "'" + name + "'"));
        }
    }
}
