#pragma once
/// \file tool_cli.hpp
/// What every tickwire program (the tools and the samples) does the same way on its
/// command line: one set of exit codes, numbers and ports checked with messages that name
/// the option as typed, and files that cannot be opened reported with the system's reason.
///
///     CLI::App app{"...", "echo-server"};
///     app.add_option("--port", port, "UDP port")->check(tickwire::cli::port());
///     app.footer(tickwire::cli::kExitStatus);
///     if (auto code = tickwire::cli::parse(app, argc, argv)) return *code;
///
/// Header-only; needs CLI11 and tickwire-net. Not part of the libraries.

#include <tickwire/net/address.hpp>
#include <tickwire/net/key.hpp>
#include <tickwire/net/token.hpp>

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

namespace tickwire::cli {

/// Exit status of every tickwire program.
inline constexpr int kExitOk = 0;      ///< done
inline constexpr int kExitFailed = 1;  ///< the work was tried and failed (network, peer, disk)
inline constexpr int kExitUsage = 2;   ///< the command line cannot be used: a bad option or
                                       ///< value, or a file it names that cannot be read

/// The footer line each program's --help ends with.
inline constexpr const char* kExitStatus =
    "Exit status: 0 done; 1 failed (the network, the peer or the disk let it down); 2 usage:\n"
    "a bad option or value, or a file named on the command line that cannot be used.";

/// Parses the command line. None: go on. Otherwise the exit status to return at once:
/// kExitOk after --help, kExitUsage after saying on stderr what is wrong.
[[nodiscard]] inline std::optional<int> parse(CLI::App& app, int argc, const char* const* argv) {
    try {
        app.parse(argc, argv);
        return std::nullopt;
    } catch (const CLI::Success& e) {  // --help
        (void)app.exit(e);
        return kExitOk;
    } catch (const CLI::ParseError& e) {
        std::cerr << app.get_name() << ": " << e.what() << "\nRun with --help for more information.\n";
        return kExitUsage;
    }
}

[[nodiscard]] inline std::optional<int> parse(CLI::App& app, int argc, char** argv) {
    return parse(app, argc, const_cast<const char* const*>(argv));
}

namespace detail {

inline std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

template <class T>
std::string show(T value) {
    if constexpr (std::is_floating_point_v<T>) {
        std::ostringstream out;
        out << value;
        return out.str();
    } else {
        return std::to_string(value);
    }
}

/// The whole of `text` as a finite number, or none.
inline std::optional<double> asDouble(std::string_view text) {
    double value = 0;
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

/// Empty when `text` is a T in lo..hi, otherwise what is wrong with it.
template <class T>
std::string checkNumber(std::string_view text, T lo, T hi, const std::string& what) {
    const std::string range = show(lo) + ".." + show(hi);
    const std::string expected = what.empty() ? "must be " + range : what + " is " + range;
    if constexpr (std::is_integral_v<T>) {
        T value{};
        std::string_view digits = text;
        if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (!digits.empty() && ec == std::errc{} && end == digits.data() + digits.size()) {
            if (value < lo || value > hi) return quoted(text) + " is out of range: " + expected;
            return {};
        }
        const auto asReal = asDouble(text);
        if (!asReal) return quoted(text) + " is not a number";
        if (*asReal != std::floor(*asReal)) return quoted(text) + " is not a whole number";
        return quoted(text) + " is out of range: " + expected;
    } else {
        const auto value = asDouble(text);
        if (!value) return quoted(text) + " is not a number";
        if (*value < static_cast<double>(lo) || *value > static_cast<double>(hi)) {
            return quoted(text) + " is out of range: " + expected;
        }
        return {};
    }
}

}  // namespace detail

/// A number in lo..hi (whole when T is integral). Messages: "'abc' is not a number",
/// "'1.5' is not a whole number", "'70000' is out of range: must be 1..65535".
template <class T>
[[nodiscard]] CLI::Validator range(T lo, T hi) {
    return CLI::Validator([lo, hi](std::string& text) { return detail::checkNumber<T>(text, lo, hi, {}); },
                          "", "tickwire number range");
}

/// A UDP port: 1..65535, or 0..65535 with `zeroPicksFree` (0: the system picks a free port).
[[nodiscard]] inline CLI::Validator port(bool zeroPicksFree = false) {
    const int lo = zeroPicksFree ? 0 : 1;
    return CLI::Validator([lo](std::string& text) { return detail::checkNumber<int>(text, lo, 65535, "a port"); }, "",
                          "tickwire port");
}

/// Why the file at `path` cannot be read (the system's reason, e.g. "No such file or
/// directory", "Permission denied", "Is a directory"), or none when it can be opened.
[[nodiscard]] inline std::optional<std::string> unreadable(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::string(std::strerror(errno));
    struct stat st {};
    const bool directory = ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
    ::close(fd);
    if (directory) return std::string(std::strerror(EISDIR));
    return std::nullopt;
}

/// Why a file cannot be written at `path` (the system's reason), or none when it can be
/// created or replaced. Leaves no file behind that was not there before.
[[nodiscard]] inline std::optional<std::string> unwritable(const std::string& path) {
    struct stat st {};
    const bool existed = ::stat(path.c_str(), &st) == 0;
    if (existed && S_ISDIR(st.st_mode)) return std::string(std::strerror(EISDIR));
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return std::string(std::strerror(errno));
    ::close(fd);
    if (!existed) ::unlink(path.c_str());
    return std::nullopt;
}

/// The 32-byte server key in `path` (option `option`, e.g. "--key"), or none with `error`
/// saying why: the system's reason when the file cannot be read, its size when it is not
/// a key.
[[nodiscard]] inline std::optional<net::Key> loadKey(const std::string& path, std::string& error,
                                                     const std::string& option = "--key") {
    if (auto why = unreadable(path)) {
        error = option + ": cannot read key file " + detail::quoted(path) + ": " + *why +
                " (make one with 'tickwire-token keygen')";
        return std::nullopt;
    }
    auto key = net::Key::load(path);
    if (key && !key->isZero()) return *key;
    if (key) {
        error = option + ": " + detail::quoted(path) + " holds an all-zero key";
    } else if (key.error() == net::Error::IoError) {
        error = option + ": cannot read key file " + detail::quoted(path) + ": " + std::strerror(EIO);
    } else {
        error = option + ": " + detail::quoted(path) + " is not a server key: it must hold exactly " +
                std::to_string(net::Key::kSize) + " bytes";
    }
    return std::nullopt;
}

/// The connect token in `path` (option `option`), or none with `error` saying why.
[[nodiscard]] inline std::optional<net::ConnectToken> loadToken(const std::string& path, std::string& error,
                                                                const std::string& option = "--token") {
    if (auto why = unreadable(path)) {
        error = option + ": cannot read token file " + detail::quoted(path) + ": " + *why;
        return std::nullopt;
    }
    auto token = net::ConnectToken::load(path);
    if (token) return *token;
    error = option + ": " + detail::quoted(path) + " is not a connect token (" + token.message() +
            ")";
    return std::nullopt;
}

/// The IPv4 address of --bind ADDR ("0.0.0.0" every interface, "127.0.0.1" loopback only,
/// or a host name), or none with `error` saying why.
[[nodiscard]] inline std::optional<std::uint32_t> parseBind(const std::string& text, std::string& error) {
    if (text.find(':') != std::string::npos) {
        error = "--bind " + detail::quoted(text) + ": give an address without a port (the port is --port)";
        return std::nullopt;
    }
    auto address = net::Address::parse(text + ":0");
    if (!address) {
        error = "--bind " + detail::quoted(text) + ": not an IPv4 address or a host name that resolves to one";
        return std::nullopt;
    }
    return address->ipv4;
}

/// "--server 'x': expected HOST:PORT, e.g. 127.0.0.1:40000" (or why the host did not resolve).
[[nodiscard]] inline std::optional<net::Address> parseHostPort(const std::string& option, const std::string& text,
                                                               std::string& error) {
    const auto colon = text.rfind(':');
    if (colon != std::string::npos && colon + 1 < text.size()) {
        if (auto wrong = detail::checkNumber<int>(std::string_view(text).substr(colon + 1), 0, 65535, "a port");
            !wrong.empty()) {
            error = option + " " + detail::quoted(text) + ": the port " + wrong;
            return std::nullopt;
        }
    }
    auto address = net::Address::parse(text);
    if (address) return *address;
    if (address.error() == net::Error::ResolveFailed) {
        error = option + " " + detail::quoted(text) + ": the host did not resolve to an IPv4 address";
    } else {
        error = option + " " + detail::quoted(text) + ": expected HOST:PORT, e.g. 127.0.0.1:40000";
    }
    return std::nullopt;
}

}  // namespace tickwire::cli
