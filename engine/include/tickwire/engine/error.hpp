#pragma once
/// \file error.hpp
/// The codes of tickwire::engine's failures, and its Result. The transport's own
/// failures are net::Error (tickwire/net/result.hpp); where an engine call fails because
/// the transport did, it says Error::Transport and the detail names the transport's error.

#include <tickwire/net/result.hpp>
#include <tickwire/result.hpp>

#include <cstdint>
#include <string_view>

namespace tickwire::engine {

/// Every way a tickwire::engine call can fail. Each value is documented where it is returned.
enum class Error : std::uint8_t {
    InvalidArgument,     ///< a parameter is out of its documented range
    InvalidConfig,       ///< a config struct failed validate(); the failure's detail says which field
    Truncated,           ///< input bytes end before the structure they should hold
    Malformed,           ///< input bytes are complete but violate the format
    UnsupportedVersion,  ///< a version field names a format this build does not read
    WrongGame,           ///< a replay was recorded by another game, or with other entity types
    WrongBaseline,       ///< a delta was encoded against another baseline than the one given
    LimitExceeded,       ///< input claims more items (entities, frames) than the configured limit
    MessageTooLarge,     ///< an encoded snapshot exceeds the byte limit it was given
    IoError,             ///< a file could not be read or written
    Closed,              ///< the object was closed (or failed) and takes no more calls
    Transport,           ///< the transport failed; the detail says how (net::describe)
    OutOfMemory,         ///< an allocation the call needed failed
};

/// A short English description of an Error, stable enough to print to users.
[[nodiscard]] std::string_view describe(Error e) noexcept;

/// What tickwire::engine's fallible calls return: a value, or an Error with a detail
/// (tickwire/result.hpp).
template <class T>
using Result = tickwire::Result<T, Error>;
using tickwire::fail;
using tickwire::Failure;

/// A transport failure as the engine reports it: Error::Transport, the detail naming the
/// transport's error and its own detail.
[[nodiscard]] Failure<Error> transportFailure(const Failure<net::Error>& f);

}  // namespace tickwire::engine
