#include "arena_replay.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace arena {

tickwire::engine::PlayHooks playHooks() {
    return {
        .lasting = [](std::span<const std::uint8_t> event) { return decodeMatchEvent(event).has_value(); },
        .retime = [](std::span<const std::uint8_t> event, std::uint32_t offset,
                     std::uint32_t snapshotRate) -> std::optional<std::vector<std::uint8_t>> {
            auto match = decodeMatchEvent(event);
            if (!match) return std::nullopt;
            match->matchStartTick += offset;
            match->snapshotRate = snapshotRate;
            return encodeMatchEvent(*match);
        },
    };
}

tickwire::engine::CaptureHooks captureHooks() {
    return {
        .ends = [](std::span<const std::uint8_t> event, std::uint32_t tickRate) -> std::optional<std::string> {
            const auto match = decodeMatchEvent(event);
            if (!match || match->tickRate == tickRate) return std::nullopt;
            return "the server runs at " + std::to_string(match->tickRate) + " ticks per second, not " +
                   std::to_string(tickRate);
        },
    };
}

}  // namespace arena
