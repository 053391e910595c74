#include "arena_events.hpp"

#include <tickwire/net/messages.hpp>

namespace arena {

std::vector<std::uint8_t> encodeMatchEvent(const MatchEvent& e) { return tickwire::net::encodeMessage(kMatchEvent, e); }

tickwire::net::Result<MatchEvent> decodeMatchEvent(std::span<const std::uint8_t> bytes) {
    return tickwire::net::decodeMessage<MatchEvent>(kMatchEvent, bytes);
}

}  // namespace arena
