#include <tickwire/engine/error.hpp>

#include <string>

namespace tickwire::engine {

std::string_view describe(Error e) noexcept {
    switch (e) {
        case Error::InvalidArgument: return "invalid argument";
        case Error::InvalidConfig: return "invalid configuration";
        case Error::Truncated: return "input is truncated";
        case Error::Malformed: return "input is malformed";
        case Error::UnsupportedVersion: return "unsupported format version";
        case Error::WrongGame: return "recorded by another game or with other entity types";
        case Error::WrongBaseline: return "encoded against a different baseline";
        case Error::LimitExceeded: return "more items than the configured limit";
        case Error::MessageTooLarge: return "encoded snapshot exceeds its byte limit";
        case Error::IoError: return "file could not be read or written";
        case Error::Closed: return "closed";
        case Error::Transport: return "transport failed";
        case Error::OutOfMemory: return "out of memory";
    }
    return "unknown error";
}

Failure<Error> transportFailure(const Failure<net::Error>& f) { return {Error::Transport, tickwire::describe(f)}; }

}  // namespace tickwire::engine
