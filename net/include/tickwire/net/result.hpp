#pragma once
/// \file result.hpp
/// The codes of tickwire::net's failures, and its Result.

#include <tickwire/result.hpp>

#include <cstdint>
#include <string_view>

namespace tickwire::net {

/// Every way a tickwire::net call can fail. Each value is documented where it is returned.
enum class Error : std::uint8_t {
    InvalidArgument,     ///< a parameter is out of its documented range
    InvalidConfig,       ///< a config struct failed validate(); the failure's detail says which field
    ParseError,          ///< text (address, hex, command line value) could not be parsed
    Truncated,           ///< input bytes end before the structure they should hold
    Malformed,           ///< input bytes are complete but violate the format
    UnsupportedVersion,  ///< a version field names a format this build does not read
    WrongProtocol,       ///< a protocol id differs from the configured one
    Expired,             ///< a connect token's expiry time has passed
    DecryptFailed,       ///< an AEAD seal did not verify: tampered, or sealed under another key
    ResolveFailed,       ///< a host name did not resolve to an IPv4 address
    SocketError,         ///< the operating system refused a socket operation
    HostCreateFailed,    ///< ENet could not create the host (port in use, out of memory)
    IoError,             ///< a file could not be read or written
    NotConnected,        ///< the connection handle does not name a live connection
    MessageTooLarge,     ///< a message exceeds the channel's configured maximum size
    QueueFull,           ///< the connection's send queue is at its configured limit
    Busy,                ///< the call is not valid in the current state (e.g. already connecting)
    OutOfMemory,         ///< an allocation the call needed failed
};

/// A short English description of an Error, stable enough to print to users.
[[nodiscard]] std::string_view describe(Error e) noexcept;

/// What tickwire::net's fallible calls return: a value, or an Error with a detail
/// (tickwire/result.hpp).
template <class T>
using Result = tickwire::Result<T, Error>;
using tickwire::fail;
using tickwire::Failure;

}  // namespace tickwire::net
