// tickwire-token: makes server keys and connect tokens. In development it stands in for
// the matchmaker that, in production, holds the server key and hands tokens to clients.
// Token layout: docs/PROTOCOL.md, section 1.

#include <tickwire/net/address.hpp>
#include <tickwire/net/key.hpp>
#include <tickwire/net/token.hpp>

#include <CLI/CLI.hpp>
#include <tool_cli.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <exception>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace tickwire::net;

constexpr std::uint32_t kMaxExpiresIn = 86400;
constexpr std::uint32_t kMaxTimeout = 3600;

struct KeygenOptions {
    std::string out;
    bool force = false;
};

struct IssueOptions {
    std::string keyFile;
    std::uint64_t playerId = 0;
    std::vector<std::string> servers;
    std::uint32_t expiresIn = 0;
    std::uint32_t timeout = 0;
    std::string userDataHex;
    std::uint64_t protocolId = kDefaultProtocolId;
    std::string out;
};

struct ShowOptions {
    std::string tokenFile;
    bool json = false;
};

using tickwire::cli::kExitFailed;
using tickwire::cli::kExitUsage;

int fail(int code, const std::string& message) {
    std::cerr << "tickwire-token: " << message << '\n';
    return code;
}

std::string inQuotes(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string hex64(std::uint64_t value) {
    std::ostringstream out;
    out << "0x" << std::hex << value;
    return out.str();
}

// Decimal, or hexadecimal after "0x". Unlike strtoull: no sign, no spaces, no octal, no
// silent wrap on overflow.
std::optional<std::uint64_t> parseUnsigned(std::string_view text) {
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// Checks a number option and rewrites it in plain decimal, the only form CLI11's own
// conversion then sees.
CLI::Validator unsignedIn(std::uint64_t min, std::uint64_t max) {
    return CLI::Validator(
        [min, max](std::string& text) -> std::string {
            const std::string range = std::to_string(min) + ".." + std::to_string(max);
            const auto value = parseUnsigned(text);
            if (!value) return inQuotes(text) + " is not a number (a whole number, decimal or hex after 0x)";
            if (*value < min || *value > max) return inQuotes(text) + " is out of range: must be " + range;
            text = std::to_string(*value);
            return {};
        },
        "");
}

std::optional<std::vector<std::uint8_t>> decodeHex(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    std::vector<std::uint8_t> bytes(text.size() / 2);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const auto [end, ec] = std::from_chars(text.data() + 2 * i, text.data() + 2 * i + 2, bytes[i], 16);
        if (ec != std::errc{} || end != text.data() + 2 * i + 2) return std::nullopt;
    }
    return bytes;
}

CLI::Validator userDataHex() {
    return CLI::Validator(
        [](const std::string& text) -> std::string {
            if (!decodeHex(text)) return "expected an even number of hex digits, got " + inQuotes(text);
            if (text.size() / 2 > kMaxTokenUserData) {
                return "at most " + std::to_string(kMaxTokenUserData) + " bytes (" +
                       std::to_string(2 * kMaxTokenUserData) + " hex digits), got " +
                       std::to_string(text.size() / 2) + " bytes";
            }
            return {};
        },
        "");
}

// "2024-06-01T12:00:00Z", or nothing when the time is beyond what the calendar functions take.
std::string utc(std::uint64_t unixSeconds) {
    constexpr std::uint64_t kYear9999 = 253402300799;
    if (unixSeconds > kYear9999) return {};
    const auto t = static_cast<std::time_t>(unixSeconds);
    std::tm parts{};
    char text[32];
    if (::gmtime_r(&t, &parts) == nullptr || std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts) == 0) {
        return {};
    }
    return text;
}

std::optional<Address> parseServer(const std::string& text) {
    const auto address = tickwire::cli::parseHostPort("--server", text);
    if (!address) {
        fail(kExitUsage, address.detail());
        return std::nullopt;
    }
    if (address->ipv4 == 0 || address->port == 0) {
        fail(kExitUsage, "--server " + inQuotes(text) + ": 0.0.0.0 and port 0 are not addresses a client can reach");
        return std::nullopt;
    }
    return *address;
}

int runKeygen(const KeygenOptions& options) {
    // O_EXCL makes "does it exist" and "create it" one step, so a key is never clobbered
    // by a race with another writer.
    if (!options.force) {
        const int fd = ::open(options.out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST) {
            return fail(kExitUsage, "--out " + inQuotes(options.out) +
                        " already exists; pass --force to replace it (tokens issued under the old "
                        "key will stop opening)");
        }
        if (fd < 0) return fail(kExitUsage, "--out: cannot create " + inQuotes(options.out) + ": " + std::strerror(errno));
        ::close(fd);
    }
    if (!Key::generate().save(options.out)) {
        if (!options.force) ::unlink(options.out.c_str());  // the empty file we just created
        return fail(kExitFailed, "cannot write key file " + inQuotes(options.out));
    }
    std::cout << "wrote a new server key to " << options.out << " (mode 0600)\n";
    return 0;
}

int runIssue(const IssueOptions& options) {
    const auto key = tickwire::cli::loadKey(options.keyFile);
    if (!key) return fail(kExitUsage, key.detail());
    if (auto cannot = tickwire::cli::unwritable(options.out)) {
        return fail(kExitUsage, "--out: cannot write " + inQuotes(options.out) + ": " + *cannot);
    }

    if (options.servers.size() > kMaxTokenServers) {
        return fail(kExitUsage, "at most " + std::to_string(kMaxTokenServers) + " --server options, got " +
                    std::to_string(options.servers.size()));
    }
    TokenParams params;
    params.protocolId = options.protocolId;
    params.playerId = options.playerId;
    params.expiresInSeconds = options.expiresIn;
    params.timeoutSeconds = options.timeout;
    params.userData = decodeHex(options.userDataHex).value_or(std::vector<std::uint8_t>{});
    for (const std::string& text : options.servers) {
        const auto server = parseServer(text);
        if (!server) return kExitUsage;
        params.servers.push_back(*server);
    }

    const auto token = issueToken(*key, params, unixNow());
    if (!token) return fail(kExitFailed, std::string("cannot issue the token: ") + token.message());
    if (!token->save(options.out)) return fail(kExitFailed, "cannot write token file " + inQuotes(options.out));
    std::cout << "wrote a token for client " << options.playerId << " to " << options.out << ", expiring "
              << utc(token->expireTime) << '\n';
    return 0;
}

void printText(const ConnectToken& token, std::uint64_t now) {
    std::cout << "connect token, version " << token.version << '\n'
              << "  protocol id   " << hex64(token.protocolId) << '\n'
              << "  created       " << token.createTime << "  " << utc(token.createTime) << '\n'
              << "  expires       " << token.expireTime << "  " << utc(token.expireTime) << '\n';
    if (token.expireTime >= now) {
        std::cout << "  seconds left  " << token.expireTime - now << '\n';
    } else {
        std::cout << "  seconds left  0 (expired " << now - token.expireTime << " seconds ago)\n";
    }
    std::cout << "  timeout       " << token.timeoutSeconds << " s\n";
    for (std::size_t i = 0; i < token.servers.size(); ++i) {
        std::cout << (i == 0 ? "  servers       " : "                ") << token.servers[i].toString() << '\n';
    }
}

// Every value is a number or a dotted address, so nothing needs escaping.
void printJson(const ConnectToken& token, std::uint64_t now) {
    std::cout << "{\"version\":" << token.version << ",\"protocolId\":\"" << hex64(token.protocolId)
              << "\",\"createTime\":" << token.createTime << ",\"expireTime\":" << token.expireTime
              << ",\"secondsLeft\":";
    if (token.expireTime >= now) {
        std::cout << token.expireTime - now;
    } else {
        std::cout << '-' << now - token.expireTime;
    }
    std::cout << ",\"timeoutSeconds\":" << token.timeoutSeconds << ",\"servers\":[";
    for (std::size_t i = 0; i < token.servers.size(); ++i) {
        std::cout << (i == 0 ? "\"" : ",\"") << token.servers[i].toString() << '"';
    }
    std::cout << "]}\n";
}

int runShow(const ShowOptions& options) {
    if (auto why = tickwire::cli::unreadable(options.tokenFile)) {
        return fail(kExitUsage, "cannot read token file " + inQuotes(options.tokenFile) + ": " + *why);
    }
    const auto token = ConnectToken::load(options.tokenFile);
    if (!token && token.error() == Error::UnsupportedVersion) {
        return fail(kExitUsage, inQuotes(options.tokenFile) +
                                    " is a token of a version this build does not read (it reads version " +
                                    std::to_string(kTokenVersion) + ")");
    }
    if (!token) {
        return fail(kExitUsage,
                    inQuotes(options.tokenFile) + " is not a connect token: " + token.message());
    }
    if (options.json) {
        printJson(*token, unixNow());
    } else {
        printText(*token, unixNow());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Makes server keys and connect tokens for tickwire servers.\n"
                 "In development it stands in for the matchmaker: whoever holds the server key\n"
                 "can let clients into every server that shares it.",
                 "tickwire-token"};
    app.require_subcommand(1);
    app.footer("Example:\n"
               "  tickwire-token keygen --out server.key\n"
               "  tickwire-token issue --key server.key --player-id 42 --server 127.0.0.1:40000 \\\n"
               "      --expires-in 30 --timeout 10 --out client.token\n"
               "  tickwire-token show client.token\n" +
               std::string(tickwire::cli::kExitStatus));

    KeygenOptions keygen;
    auto* keygenCommand = app.add_subcommand("keygen", "Write a fresh 32-byte server key (file mode 0600).");
    keygenCommand->add_option("--out", keygen.out, "Key file to create")->required()->type_name("KEYFILE");
    keygenCommand->add_flag("--force", keygen.force, "Replace the key file if it exists");

    IssueOptions issue;
    auto* issueCommand = app.add_subcommand("issue", "Issue a connect token sealed under a server key.");
    issueCommand->add_option("--key", issue.keyFile, "Server key file (from keygen)")->required()->type_name("KEYFILE");
    issueCommand->add_option("--player-id", issue.playerId, "The game's id for this player (0..2^64-1, decimal or 0x-hex)")
        ->required()->type_name("N")->transform(unsignedIn(0, std::numeric_limits<std::uint64_t>::max()));
    issueCommand->add_option("--server", issue.servers, "Server the client may connect to; repeat for up to 8, tried in order")
        ->required()->type_name("HOST:PORT");
    issueCommand->add_option("--expires-in", issue.expiresIn, "Seconds until the token expires (1..86400)")
        ->required()->type_name("SECONDS")->transform(unsignedIn(1, kMaxExpiresIn));
    issueCommand->add_option("--timeout", issue.timeout, "Seconds of silence after which either side drops the other (1..3600)")
        ->required()->type_name("SECONDS")->transform(unsignedIn(1, kMaxTimeout));
    issueCommand->add_option("--user-data", issue.userDataHex, "Opaque bytes for the game server, in hex (at most 256 bytes)")
        ->type_name("HEX")->check(userDataHex());
    issueCommand->add_option("--protocol-id", issue.protocolId, "The game's protocol id (0..2^64-1, decimal or 0x-hex)")
        ->type_name("N")->default_str(hex64(kDefaultProtocolId))
        ->transform(unsignedIn(0, std::numeric_limits<std::uint64_t>::max()));
    issueCommand->add_option("--out", issue.out, "Token file to write (mode 0600)")->required()->type_name("TOKENFILE");

    ShowOptions show;
    auto* showCommand = app.add_subcommand("show", "Print the public part of a token file.");
    showCommand->add_option("TOKENFILE", show.tokenFile, "Token file to read")->required();
    showCommand->add_flag("--json", show.json, "Print one JSON object (protocolId as a hex string)");

    if (auto code = tickwire::cli::parse(app, argc, argv)) return *code;
    try {
        if (*keygenCommand) return runKeygen(keygen);
        if (*issueCommand) return runIssue(issue);
        return runShow(show);
    } catch (const std::exception& e) {
        return fail(kExitFailed, e.what());
    }
}
