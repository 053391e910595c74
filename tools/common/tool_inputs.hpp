#pragma once
/// \file tool_inputs.hpp
/// What every tickwire program (the tools and the samples) reads from its command line the
/// same way, without CLI11: one set of exit codes, numbers checked with messages that name
/// the option as typed, files that cannot be opened reported with the system's reason, and
/// keys, tokens and addresses loaded or parsed into a net::Result whose detail is the
/// sentence to print.
///
///     const auto key = tickwire::cli::loadKey(keyFile);
///     if (!key) { std::cerr << "echo-server: " << key.detail() << '\n'; return tickwire::cli::kExitUsage; }
///
/// Header-only; needs tickwire-net. Not part of the libraries. tool_cli.hpp adds CLI11's
/// side (parsing, validators) and includes this one.

#include <tickwire/net/address.hpp>
#include <tickwire/net/key.hpp>
#include <tickwire/net/result.hpp>
#include <tickwire/net/token.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
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

/// The 32-byte server key in `path` (option `option`, e.g. "--key"). Failures: IoError when
/// the file cannot be read (the detail gives the system's reason), Malformed when it is not
/// a key (its size, or all zeros).
[[nodiscard]] inline net::Result<net::Key> loadKey(const std::string& path, const std::string& option = "--key") {
    if (auto why = unreadable(path)) {
        return net::fail(net::Error::IoError, option + ": cannot read key file " + detail::quoted(path) + ": " + *why +
                                                  " (make one with 'tickwire-token keygen')");
    }
    auto key = net::Key::load(path);
    if (key && !key->isZero()) return *key;
    if (key) return net::fail(net::Error::Malformed, option + ": " + detail::quoted(path) + " holds an all-zero key");
    if (key.error() == net::Error::IoError) {
        return net::fail(net::Error::IoError,
                         option + ": cannot read key file " + detail::quoted(path) + ": " + std::strerror(EIO));
    }
    return net::fail(net::Error::Malformed, option + ": " + detail::quoted(path) +
                                                " is not a server key: it must hold exactly " +
                                                std::to_string(net::Key::kSize) + " bytes");
}

/// The connect token in `path` (option `option`). Failures: IoError when the file cannot be
/// read, otherwise the token's own (Truncated, Malformed, ...), each with the sentence.
[[nodiscard]] inline net::Result<net::ConnectToken> loadToken(const std::string& path,
                                                              const std::string& option = "--token") {
    if (auto why = unreadable(path)) {
        return net::fail(net::Error::IoError, option + ": cannot read token file " + detail::quoted(path) + ": " + *why);
    }
    auto token = net::ConnectToken::load(path);
    if (token) return *token;
    return net::fail(token.error(),
                     option + ": " + detail::quoted(path) + " is not a connect token (" + token.message() + ")");
}

/// The IPv4 address of --bind ADDR ("0.0.0.0" every interface, "127.0.0.1" loopback only,
/// or a host name). Failures: ParseError (a port given) or ResolveFailed, with the sentence.
[[nodiscard]] inline net::Result<std::uint32_t> parseBind(const std::string& text) {
    if (text.find(':') != std::string::npos) {
        return net::fail(net::Error::ParseError,
                         "--bind " + detail::quoted(text) + ": give an address without a port (the port is --port)");
    }
    auto address = net::Address::parse(text + ":0");
    if (!address) {
        return net::fail(address.error(), "--bind " + detail::quoted(text) +
                                              ": not an IPv4 address or a host name that resolves to one");
    }
    return address->ipv4;
}

/// HOST:PORT given to `option`. Failures: ParseError ("--server 'x': expected HOST:PORT,
/// e.g. 127.0.0.1:40000", or what is wrong with the port) or ResolveFailed.
[[nodiscard]] inline net::Result<net::Address> parseHostPort(const std::string& option, const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon != std::string::npos && colon + 1 < text.size()) {
        if (auto wrong = detail::checkNumber<int>(std::string_view(text).substr(colon + 1), 0, 65535, "a port");
            !wrong.empty()) {
            return net::fail(net::Error::ParseError, option + " " + detail::quoted(text) + ": the port " + wrong);
        }
    }
    auto address = net::Address::parse(text);
    if (address) return *address;
    if (address.error() == net::Error::ResolveFailed) {
        return net::fail(net::Error::ResolveFailed,
                         option + " " + detail::quoted(text) + ": the host did not resolve to an IPv4 address");
    }
    return net::fail(net::Error::ParseError,
                     option + " " + detail::quoted(text) + ": expected HOST:PORT, e.g. 127.0.0.1:40000");
}

}  // namespace tickwire::cli
