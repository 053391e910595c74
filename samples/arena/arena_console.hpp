#pragma once
/// \file arena_console.hpp
/// arena-server's console on stderr: log lines, and a status line of who is in, how long
/// ticks take, the traffic and the match clock.

#include <tickwire/engine/tick_times.hpp>
#include <tickwire/net/transport.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace arena {

/// stderr as a person reads it. On a terminal one status line stays at the bottom and log
/// lines scroll above it; in a log file every line is whole and the status comes less often.
class Console {
public:
    Console();

    /// Seconds between two status lines.
    [[nodiscard]] double statusPeriod() const { return tty_ ? 0.5 : 5.0; }
    /// One log line.
    void log(const std::string& line);
    /// The status line: on a terminal it replaces the previous one.
    void status(const std::string& line);
    /// Keeps the last status line on the screen, and what follows below it.
    void finish();

private:
    bool tty_;
    bool statusShown_ = false;
};

/// Milliseconds, from the microseconds tick times are kept in.
[[nodiscard]] double milliseconds(std::uint64_t micros) noexcept;

/// One status line: who is in, recent tick times, traffic out, packets dropped and
/// refused, and the match clock.
[[nodiscard]] std::string statusLine(std::size_t players, std::size_t maxPlayers, std::size_t spectators,
                                     const tickwire::engine::TickTimeHistogram& ticks, double bytesOutPerSecond,
                                     const tickwire::net::HostStats& host, double matchSecondsLeft);

}  // namespace arena
