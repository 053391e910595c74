#pragma once
/// \file input_buffer.hpp
/// The server's per-client input buffer: inputs keyed by the tick they are for, absorbing
/// network jitter. Clients send each input several times (the last N in every packet), so
/// copies are expected and ignored; an input that is missing when its tick is simulated is
/// replaced by the previous one and counted.

#include <tickwire/engine/field.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tickwire::engine {

/// Limits of an InputBuffer.
struct InputBufferConfig {
    std::uint32_t capacity = 64;  ///< 2..4096 ticks held ahead of the simulation

    /// Errors: InvalidConfig, the detail saying why.
    [[nodiscard]] Result<void> validate() const {
        if (capacity < 2 || capacity > 4096) {
            return fail(Error::InvalidConfig, "capacity must be 2..4096 ticks");
        }
        return {};
    }
};

/// Inputs of one client keyed by tick. `Input` is the game's input type (copyable,
/// default-constructible: the default is what a client that never sent anything does).
template <class Input>
class InputBuffer {
public:
    struct Stats {
        std::uint64_t received = 0;    ///< distinct inputs stored
        std::uint64_t duplicates = 0;  ///< copies of an input already stored or used (redundancy)
        std::uint64_t late = 0;        ///< arrived for a tick already simulated without it
        std::uint64_t tooEarly = 0;    ///< more than `capacity` ticks ahead: dropped
        std::uint64_t missing = 0;     ///< ticks simulated with the previous input repeated
    };

    /// Errors: InvalidConfig.
    [[nodiscard]] static Result<InputBuffer> create(InputBufferConfig config = {}) {
        if (auto ok = config.validate(); !ok) return fail(ok.failure());
        return InputBuffer(config);
    }

    /// Stores the input for `tick` unless it was simulated already, is a copy, or is too
    /// far ahead of the next tick to simulate.
    void add(std::uint32_t tick, const Input& input) {
        if (next_ && tick < *next_) {
            // Older copies are expected (every packet repeats the last inputs); an input is
            // late only when its tick was simulated without it.
            Slot& past = slots_[tick % config_.capacity];
            if (past.tick == tick && past.missed) {
                past.missed = false;
                ++stats_.late;
            } else {
                ++stats_.duplicates;
            }
            return;
        }
        const std::uint32_t base = next_.value_or(tick);
        if (tick - base >= config_.capacity) {
            ++stats_.tooEarly;
            return;
        }
        Slot& slot = slots_[tick % config_.capacity];
        if (slot.tick == tick && slot.full) {
            ++stats_.duplicates;
            return;
        }
        slot = Slot{tick, true, false, input};
        ++stats_.received;
        if (!newest_ || tick > *newest_) newest_ = tick;
    }

    /// The input to simulate `tick` with; consumes it. Ticks must be taken in ascending
    /// order (a skipped tick's input is discarded). Missing: the last input taken again.
    Input take(std::uint32_t tick) {
        if (next_ && tick < *next_) return last_;  // already taken: same answer again
        // Forget anything for the ticks jumped over.
        if (next_) {
            for (std::uint32_t t = *next_; t < tick && t - *next_ < config_.capacity; ++t) {
                slots_[t % config_.capacity].full = false;
                slots_[t % config_.capacity].missed = false;
            }
        }
        next_ = tick + 1;
        Slot& slot = slots_[tick % config_.capacity];
        if (slot.full && slot.tick == tick) {
            last_ = slot.input;
            slot.full = false;
        } else {
            ++stats_.missing;
            slot.tick = tick;
            slot.full = false;
            slot.missed = true;
        }
        return last_;
    }

    /// The newest tick any input has arrived for (for the client's lead feedback).
    [[nodiscard]] std::optional<std::uint32_t> newestTick() const noexcept { return newest_; }
    /// Ticks of input stored ahead of the next tick to simulate.
    [[nodiscard]] std::uint32_t buffered() const noexcept {
        std::uint32_t n = 0;
        for (const Slot& s : slots_) n += (s.full && (!next_ || s.tick >= *next_)) ? 1u : 0u;
        return n;
    }
    [[nodiscard]] const Stats& stats() const noexcept { return stats_; }

private:
    struct Slot {
        std::uint32_t tick = 0;
        bool full = false;    // holds the input for `tick`, not yet taken
        bool missed = false;  // `tick` was simulated without its input
        Input input{};
    };

    explicit InputBuffer(InputBufferConfig config) : config_(config), slots_(config.capacity) {}

    InputBufferConfig config_;
    std::vector<Slot> slots_;
    std::optional<std::uint32_t> next_;    // next tick to simulate
    std::optional<std::uint32_t> newest_;
    Input last_{};
    Stats stats_;
};

}  // namespace tickwire::engine
