#pragma once
/// \file arena_tool.hpp
/// What the arena's programs share around the engine: a monotonic clock in seconds, a stop
/// flag set by SIGINT/SIGTERM, player ids and development tokens. Their command lines
/// follow tools/common/tool_cli.hpp.

#include <tickwire/net/key.hpp>
#include <tickwire/net/token.hpp>

#include <chrono>
#include <csignal>
#include <optional>
#include <random>
#include <string>

namespace arena::tool {

/// Seconds on a monotonic clock (steady_clock).
[[nodiscard]] inline double nowSeconds() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

/// Set to 1 by SIGINT or SIGTERM once catchStopSignals() ran; loops poll it.
inline volatile std::sig_atomic_t stopRequested = 0;

/// Installs handlers that only set stopRequested (all a signal handler may safely do).
inline void catchStopSignals() {
    std::signal(SIGINT, [](int) { stopRequested = 1; });
    std::signal(SIGTERM, [](int) { stopRequested = 1; });
}

/// A random player id in 1..2^31 - 65536: clients started apart (bots, a capture) then
/// never take each other's place on a server, and ids after it stay below 2^31.
[[nodiscard]] inline std::uint64_t randomPlayerId() {
    std::random_device rd;
    return 1 + (static_cast<std::uint64_t>(rd()) % 0x7FFF0000u);
}

/// Development only: a connect token for `server`, minted here from the server key (a
/// production client receives its token from the game's matchmaker and never holds the
/// key). Valid for 120 s; either side drops the other after 10 s of silence.
/// Errors: those of net::issueToken.
[[nodiscard]] inline tickwire::net::Result<tickwire::net::ConnectToken> devToken(const tickwire::net::Key& key,
                                                                                const tickwire::net::Address& server,
                                                                                std::uint64_t playerId) {
    tickwire::net::TokenParams p;
    p.playerId = playerId;
    p.servers = {server};
    p.expiresInSeconds = 120;
    p.timeoutSeconds = 10;
    return tickwire::net::issueToken(key, p, tickwire::net::unixNow());
}

}  // namespace arena::tool
