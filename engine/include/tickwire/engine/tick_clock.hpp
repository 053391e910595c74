#pragma once
/// \file tick_clock.hpp
/// The fixed-step clock that decides when the simulation advances. Time is injected (in
/// microseconds from any monotonic source), so the clock is deterministic under test and in
/// replays; steadyMicros() reads the real clock for games that want it.
///
/// Arithmetic is exact: the clock accumulates elapsed microseconds multiplied by the tick
/// rate and spends 1,000,000 of those units per tick, so there is no rounded tick duration
/// to drift. Over any span, ticks produced + ticks dropped == floor(elapsed µs × rate / 10^6).

#include <tickwire/engine/field.hpp>

#include <cstdint>
#include <string>

namespace tickwire::engine {

/// Settings of a TickClock. Aggregate with safe defaults; check with validate().
struct TickClockConfig {
    /// Simulation ticks per second, 1..1000 Hz.
    std::uint32_t tickRate = 60;
    /// Most ticks a single advance() hands out, 1..1000. A larger backlog (a stalled
    /// process, a debugger pause) is dropped and counted instead of simulated, so one slow
    /// frame cannot snowball into ever longer catch-up frames.
    std::uint32_t maxCatchUpTicks = 8;

    /// Error::InvalidConfig when a field is outside its range, the detail naming the first
    /// offending field.
    [[nodiscard]] Result<void> validate() const;
};

/// Fixed-step accumulator. Feed it the current time with advance(); it says how many ticks
/// to simulate now. Tick numbers are consecutive (dropped backlog does not skip numbers; the
/// simulation just falls behind wall time by the dropped amount). Copyable value type; not
/// thread-safe.
class TickClock {
public:
    /// A clock at tick 0 whose time origin is set by the first advance() (or by reset()).
    /// Error::InvalidConfig when config.validate() fails.
    [[nodiscard]] static Result<TickClock> create(TickClockConfig config);

    /// Feeds the current time (µs, any monotonic origin, the same origin on every call) and
    /// returns how many ticks to simulate now: 0..maxCatchUpTicks. The ticks to simulate are
    /// batchFirstTick() .. tick() - 1, in order; tick() has already moved past them.
    /// Backlog beyond maxCatchUpTicks is dropped and added to droppedTicks().
    /// The first call after create() only sets the time origin and returns 0.
    /// A time earlier than the latest one seen is ignored (returns 0, changes nothing).
    [[nodiscard]] std::uint32_t advance(std::uint64_t nowMicros) noexcept;

    /// Number of the next tick to simulate (after the ones the last advance() returned);
    /// starts at 0.
    [[nodiscard]] std::uint64_t tick() const noexcept { return tick_; }

    /// Number of the first tick of the batch the last advance() returned (== tick() when
    /// it returned 0).
    [[nodiscard]] std::uint64_t batchFirstTick() const noexcept { return batchFirst_; }

    /// Restarts the timeline: `nowMicros` becomes the time origin, the next tick to simulate
    /// is `tick`, and the partial tick is discarded (alpha() == 0). droppedTicks() is a
    /// lifetime counter and is kept.
    void reset(std::uint64_t nowMicros, std::uint64_t tick = 0) noexcept;

    /// Fraction of the current tick already elapsed, in [0, 1): how far to interpolate
    /// between the last two simulated states when rendering.
    [[nodiscard]] double alpha() const noexcept;

    /// Duration of one tick in µs, rounded to the nearest µs (16667 at 60 Hz). For display
    /// and timeouts only; the clock itself never uses a rounded duration.
    [[nodiscard]] std::uint64_t tickDurationMicros() const noexcept;

    /// Ticks dropped by the catch-up cap since create(); never decreases.
    [[nodiscard]] std::uint64_t droppedTicks() const noexcept { return dropped_; }

    /// The configuration the clock was created with.
    [[nodiscard]] const TickClockConfig& config() const noexcept { return config_; }

    /// Microseconds since an unspecified origin, from std::chrono::steady_clock: monotonic,
    /// suitable for advance().
    [[nodiscard]] static std::uint64_t steadyMicros() noexcept;

private:
    explicit TickClock(TickClockConfig config) noexcept : config_(config) {}

    TickClockConfig config_;
    std::uint64_t lastMicros_ = 0;  // latest time seen
    std::uint64_t units_ = 0;       // partial tick, in µs × tickRate; always < 10^6
    std::uint64_t tick_ = 0;
    std::uint64_t batchFirst_ = 0;
    std::uint64_t dropped_ = 0;
    bool started_ = false;
};

}  // namespace tickwire::engine
