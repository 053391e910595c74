#pragma once
/// \file arena_tool.hpp
/// What the arena's programs share around the engine: a monotonic clock in seconds, a stop
/// flag set by SIGINT/SIGTERM, player ids and development tokens. Their command lines
/// follow tools/common/tool_cli.hpp.

#include <tickwire/net/key.hpp>
#include <tickwire/net/token.hpp>

#include <csignal>
#include <cstdint>

namespace arena::tool {

/// Seconds on a monotonic clock (steady_clock).
[[nodiscard]] double nowSeconds();

/// Set to 1 by SIGINT or SIGTERM once catchStopSignals() ran; loops poll it.
inline volatile std::sig_atomic_t stopRequested = 0;

/// Installs handlers that only set stopRequested (all a signal handler may safely do).
void catchStopSignals();

/// A random player id in 1..2^31 - 65536: clients started apart (bots, a capture) then
/// never take each other's place on a server, and ids after it stay below 2^31.
[[nodiscard]] std::uint64_t randomPlayerId();

/// Development only: a connect token for `server`, minted here from the server key (a
/// production client receives its token from the game's matchmaker and never holds the
/// key). Valid for 120 s; either side drops the other after 10 s of silence.
/// Errors: those of net::issueToken.
[[nodiscard]] tickwire::net::Result<tickwire::net::ConnectToken> devToken(const tickwire::net::Key& key,
                                                                         const tickwire::net::Address& server,
                                                                         std::uint64_t playerId);

}  // namespace arena::tool
