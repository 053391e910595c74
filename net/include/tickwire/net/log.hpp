#pragma once
/// \file log.hpp
/// Logging goes to a sink the game sets; tickwire never writes to stdout/stderr itself.

#include <functional>
#include <string_view>

namespace tickwire::net {

/// Severity of a log line.
enum class LogLevel { Debug, Info, Warn, Error };

/// Receives one line (no trailing newline). Called only from inside the game's own
/// calls into tickwire (update(), poll(), send(), ...), never from another thread.
using LogSink = std::function<void(LogLevel, std::string_view)>;

/// "debug", "info", "warn", "error".
[[nodiscard]] std::string_view describe(LogLevel level) noexcept;

}  // namespace tickwire::net
