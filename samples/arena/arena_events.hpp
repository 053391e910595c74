#pragma once
/// \file arena_events.hpp
/// The arena's own reliable game events (sent with ServerSession::sendEvent and read with
/// ClientSession::pollEvent): typed messages of tickwire's wire format, each with its id.

#include <tickwire/net/result.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace arena {

/// Message ids of the arena's events (their own space: they travel inside session events).
inline constexpr std::uint16_t kMatchEvent = 1;

/// Sent to each player as it joins and to everyone when a new match starts: what a client
/// needs to agree with the server about time and to show the match clock.
struct MatchEvent {
    std::uint32_t tickRate = 0;        ///< server ticks per second
    std::uint32_t snapshotRate = 0;    ///< snapshots per second
    std::uint32_t matchStartTick = 0;  ///< the tick the current match began at
    std::uint32_t matchSeconds = 0;    ///< length of a match, s

    /// Cereal: every field.
    template <class A>
    void serialize(A& a) {
        a(tickRate, snapshotRate, matchStartTick, matchSeconds);
    }
};

/// The bytes of a MatchEvent.
[[nodiscard]] std::vector<std::uint8_t> encodeMatchEvent(const MatchEvent& e);

/// Reads a MatchEvent. Errors: those of net::decodeMessage.
[[nodiscard]] tickwire::net::Result<MatchEvent> decodeMatchEvent(std::span<const std::uint8_t> bytes);

}  // namespace arena
