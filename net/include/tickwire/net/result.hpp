#pragma once
/// \file result.hpp
/// Error values and the Result type returned by every fallible call in tickwire::net.

#include <tl/expected.hpp>

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

namespace tickwire::net {

/// Every way a tickwire::net call can fail. Each value is documented where it is returned.
enum class Error : std::uint8_t {
    InvalidArgument,     ///< a parameter is out of its documented range
    InvalidConfig,       ///< a config struct failed validate(); the log sink says which field
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
    WrongBaseline,       ///< a delta was encoded against another baseline than the one given
    LimitExceeded,       ///< input claims more items (entities, frames) than the configured limit
};

/// A short English description of an Error, stable enough to print to users.
[[nodiscard]] std::string_view describe(Error e) noexcept;

namespace detail {
/// Prints "tickwire: ..." naming the error to stderr and aborts, in every build type.
[[noreturn]] void failedResultAccess(Error e) noexcept;
[[noreturn]] void errorOfSuccessfulResult() noexcept;
}  // namespace detail

/// A value or an Error (tl::expected underneath). Results must be checked: functions
/// returning one are [[nodiscard]]. Reading the value of a failed Result (`*r`, `r->`)
/// or the error of a successful one stops the program with a message naming the error,
/// in every build type: a server started with `*Key::load("missing")` aborts instead of
/// running with a key made of an error code and zeros.
template <class T>
class Result : public tl::expected<T, Error> {
    using Base = tl::expected<T, Error>;

public:
    using Base::Base;
    Result(const Base& other) : Base(other) {}
    Result(Base&& other) noexcept(std::is_nothrow_move_constructible_v<Base>) : Base(std::move(other)) {}

    template <class U = T, std::enable_if_t<!std::is_void_v<U>>* = nullptr>
    U& operator*() & {
        check();
        return Base::operator*();
    }
    template <class U = T, std::enable_if_t<!std::is_void_v<U>>* = nullptr>
    const U& operator*() const& {
        check();
        return Base::operator*();
    }
    template <class U = T, std::enable_if_t<!std::is_void_v<U>>* = nullptr>
    U&& operator*() && {
        check();
        return std::move(Base::operator*());
    }
    template <class U = T, std::enable_if_t<!std::is_void_v<U>>* = nullptr>
    const U&& operator*() const&& {
        check();
        return std::move(Base::operator*());
    }
    template <class U = T, std::enable_if_t<!std::is_void_v<U>>* = nullptr>
    U* operator->() {
        check();
        return Base::operator->();
    }
    template <class U = T, std::enable_if_t<!std::is_void_v<U>>* = nullptr>
    const U* operator->() const {
        check();
        return Base::operator->();
    }
    /// The error; only valid on a failed Result.
    [[nodiscard]] Error error() const {
        if (this->has_value()) detail::errorOfSuccessfulResult();
        return Base::error();
    }

private:
    void check() const {
        if (!this->has_value()) detail::failedResultAccess(Base::error());
    }
};

/// Shorthand for returning a failure: `return fail(Error::Truncated);`
inline tl::unexpected<Error> fail(Error e) { return tl::unexpected<Error>(e); }

}  // namespace tickwire::net
