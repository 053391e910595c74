#include <tickwire/net/log.hpp>
#include <tickwire/net/result.hpp>
#include <tickwire/result.hpp>

#include <cstdio>
#include <cstdlib>

namespace tickwire::net {

std::string_view describe(Error e) noexcept {
    switch (e) {
        case Error::InvalidArgument: return "invalid argument";
        case Error::InvalidConfig: return "invalid configuration";
        case Error::ParseError: return "could not parse";
        case Error::Truncated: return "input is truncated";
        case Error::Malformed: return "input is malformed";
        case Error::UnsupportedVersion: return "unsupported format version";
        case Error::WrongProtocol: return "wrong protocol id";
        case Error::Expired: return "token has expired";
        case Error::DecryptFailed: return "authentication failed (tampered or wrong key)";
        case Error::ResolveFailed: return "host name did not resolve to an IPv4 address";
        case Error::SocketError: return "socket error";
        case Error::HostCreateFailed: return "could not create the network host (port in use?)";
        case Error::IoError: return "file could not be read or written";
        case Error::NotConnected: return "not connected";
        case Error::MessageTooLarge: return "message exceeds the channel's maximum size";
        case Error::QueueFull: return "send queue is full";
        case Error::Busy: return "not valid in the current state";
        case Error::OutOfMemory: return "out of memory";
    }
    return "unknown error";
}

std::string_view describe(LogLevel level) noexcept {
    switch (level) {
        case LogLevel::Debug: return "debug";
        case LogLevel::Info: return "info";
        case LogLevel::Warn: return "warn";
        case LogLevel::Error: return "error";
    }
    return "?";
}

}  // namespace tickwire::net

namespace tickwire::net::detail {

void failedResultAccess(std::string_view code, std::string_view detail) noexcept {
    std::fprintf(stderr, "tickwire: the value of a failed Result was used (error: %.*s%s%.*s); check the Result first\n",
                 static_cast<int>(code.size()), code.data(), detail.empty() ? "" : ": ",
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
}

void errorOfSuccessfulResult() noexcept {
    std::fputs("tickwire: the error of a successful Result was read\n", stderr);
    std::abort();
}

}  // namespace tickwire::net::detail
