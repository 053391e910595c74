#include "arena_console.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace arena {

namespace {

std::uint64_t sum(const auto& counters) {
    std::uint64_t n = 0;
    for (auto c : counters) n += c;
    return n;
}

/// m:ss, rounded up.
std::string clockText(double seconds) {
    const auto s = static_cast<int>(std::ceil(seconds));
    char text[16];
    std::snprintf(text, sizeof text, "%d:%02d", s / 60, s % 60);
    return text;
}

}  // namespace

Console::Console() : tty_(isatty(STDERR_FILENO) == 1) {}

void Console::log(const std::string& line) {
    // The status line is cleared first; the next status() redraws it.
    if (statusShown_) std::cerr << "\r\033[K";
    statusShown_ = false;
    std::cerr << line << '\n';
}

void Console::status(const std::string& line) {
    if (tty_) {
        std::cerr << "\r\033[K" << line << std::flush;
        statusShown_ = true;
    } else {
        std::cerr << line << '\n';
    }
}

void Console::finish() {
    if (statusShown_) std::cerr << '\n';
    statusShown_ = false;
}

double milliseconds(std::uint64_t micros) noexcept { return static_cast<double>(micros) / 1000.0; }

std::string statusLine(std::size_t players, std::size_t maxPlayers, std::size_t spectators,
                       const tickwire::engine::TickTimeHistogram& ticks, double bytesOutPerSecond,
                       const tickwire::net::HostStats& host, double matchSecondsLeft) {
    char text[256];
    std::snprintf(text, sizeof text,
                  "players %zu/%zu  spectators %zu  tick %.2f ms p50 %.2f ms p99  out %.0f kbit/s  drops %llu  "
                  "match %s",
                  players, maxPlayers, spectators, milliseconds(ticks.percentileMicros(0.5)),
                  milliseconds(ticks.percentileMicros(0.99)), bytesOutPerSecond * 8.0 / 1000.0,
                  static_cast<unsigned long long>(sum(host.dropped) + sum(host.rejected)),
                  clockText(std::max(0.0, matchSecondsLeft)).c_str());
    return text;
}

}  // namespace arena
