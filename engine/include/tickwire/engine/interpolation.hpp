#pragma once
/// \file interpolation.hpp
/// When to show remote entities. The client renders them from a buffer of received
/// snapshots, a little in the past, so that the snapshot after the rendered moment has
/// (almost always) arrived and the two around it can be blended. This unit decides that
/// moment; it knows only tick numbers and injected times, not sockets or entity states.
///
/// How: every accepted arrival gives an offset sample, arrival − tick / tickRate (the local
/// time at which that tick is seen). The timeline keeps a smoothed mean of those samples and
/// their jitter (the smoothed absolute difference of consecutive samples, as RFC 3550's
/// interarrival jitter). The target render tick is (now − offset) × tickRate − delayTicks,
/// with delayTicks = 2 snapshot intervals (one interval, plus one more so a single lost
/// snapshot is covered) + jitterMultiplier × jitter, clamped to [minDelayTicks,
/// maxDelayTicks]. The delay rises at once and falls slowly. The rendered tick is its own
/// clock, steered toward the target by running at 0.9 .. 1.1 × real time, so it never goes
/// backwards and never jumps, except forward when it has fallen more than maxDelayTicks
/// behind the target.

#include <tickwire/engine/error.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>

namespace tickwire::engine {

/// Settings of an InterpolationTimeline. Aggregate with safe defaults; check with validate().
struct InterpolationConfig {
    /// Server simulation ticks per second, (0, 1000] Hz.
    double tickRate = 60;
    /// Snapshots the server is expected to send per second, (0, tickRate] Hz.
    double snapshotRate = 30;
    /// Smallest render delay, in ticks, [0, maxDelayTicks].
    double minDelayTicks = 2.0;
    /// Largest render delay, in ticks, (0, 10 s × tickRate]. The buffer must hold a delay's
    /// worth of snapshots: capacity ≥ maxDelayTicks × snapshotRate / tickRate + 2.
    double maxDelayTicks = 30.0;
    /// How many jitters (seconds, see jitterSeconds()) the delay adds to cover late
    /// arrivals, [0, 10].
    double jitterMultiplier = 2.5;
    /// How far past the newest snapshot the render tick may extrapolate before it holds
    /// still and counts a stall, in ticks, [0, 10 s × tickRate].
    double maxExtrapolationTicks = 6.0;
    /// Snapshot ticks remembered, 2..65536; the oldest is forgotten first.
    std::size_t capacity = 64;

    /// Error::InvalidConfig when a field is outside its range (or not a number), the detail
    /// naming the first offending field.
    [[nodiscard]] Result<void> validate() const;
};

/// The render timeline for remote entities: feed it every snapshot's tick and arrival time,
/// ask it once per rendered frame what to show. Ticks are assumed not to wrap (2^32 ticks is
/// over two years at 60 Hz). Copyable value type; not thread-safe.
class InterpolationTimeline {
public:
    /// An empty timeline: sample() is invalid until two snapshots have been accepted.
    /// Error::InvalidConfig when config.validate() fails.
    [[nodiscard]] static Result<InterpolationTimeline> create(InterpolationConfig config);

    /// A snapshot for `tick` arrived at `arrivalSeconds` (any monotonic origin, the same one
    /// sample() uses). Only ticks newer than the newest kept one are kept; older and
    /// duplicate ticks are ignored and counted in Stats::droppedOld. A non-finite time is
    /// ignored.
    void onSnapshot(std::uint32_t tick, double arrivalSeconds) noexcept;

    /// What to render at one frame.
    struct Sample {
        /// Older buffered tick of the pair to blend.
        std::uint32_t fromTick = 0;
        /// Newer buffered tick of the pair (> fromTick whenever valid).
        std::uint32_t toTick = 0;
        /// Blend weight of toTick: state = from + alpha × (to − from). In [0, 1] while
        /// interpolating (0 while the render tick is still before the oldest buffered tick);
        /// > 1 only when extrapolating past toTick, the newest snapshot.
        double alpha = 0;
        /// The server tick being shown (fractional). Never decreases from frame to frame;
        /// at most newest + maxExtrapolationTicks.
        double renderTick = 0;
        /// The render tick is past the newest snapshot: the pair is the newest two.
        bool extrapolating = false;
        /// The render tick wanted to go beyond newest + maxExtrapolationTicks and is held
        /// there (also extrapolating): nothing new to show this frame.
        bool stalled = false;
        /// False until two snapshots have been accepted; while false, the other fields keep
        /// their defaults.
        bool valid = false;
    };

    /// The frame to render at `nowSeconds` (same origin as onSnapshot()). Advances the
    /// render clock; a time earlier than the previous call does not move it. Counts a frame
    /// in stats() when the sample is valid. A non-finite time is treated as "no time passed".
    [[nodiscard]] Sample sample(double nowSeconds) noexcept;

    /// The delay the render clock is steering toward, in ticks behind the estimated newest
    /// server tick, [minDelayTicks, maxDelayTicks].
    [[nodiscard]] double delayTicks() const noexcept { return delayTicks_; }

    /// Smoothed snapshot arrival jitter, in seconds, ≥ 0 (0 until two snapshots arrived).
    [[nodiscard]] double jitterSeconds() const noexcept { return jitter_; }

    /// Snapshot ticks currently buffered, 0..capacity.
    [[nodiscard]] std::size_t bufferedSnapshots() const noexcept { return ticks_.size(); }

    /// Lifetime counters; never decrease.
    struct Stats {
        /// Valid samples returned.
        std::uint64_t frames = 0;
        /// Frames that were stalled (Sample::stalled).
        std::uint64_t stalls = 0;
        /// Frames that extrapolated without stalling.
        std::uint64_t extrapolations = 0;
        /// Snapshots (kept or not) whose tick was already behind the last rendered tick
        /// when they arrived: a sign that the delay was too short.
        std::uint64_t lateSnapshots = 0;
        /// Snapshots ignored because their tick was not newer than the newest kept one
        /// (reordered or duplicated).
        std::uint64_t droppedOld = 0;
    };

    /// The counters since create().
    [[nodiscard]] const Stats& stats() const noexcept { return stats_; }

    /// The configuration the timeline was created with.
    [[nodiscard]] const InterpolationConfig& config() const noexcept { return config_; }

private:
    explicit InterpolationTimeline(InterpolationConfig config) noexcept;

    InterpolationConfig config_;
    std::deque<std::uint32_t> ticks_;  // ascending, unique, at most capacity
    std::uint64_t accepted_ = 0;       // snapshots kept since create()
    double offset_ = 0;                // seconds: smoothed mean of arrival − tick / tickRate
    double lastOffset_ = 0;            // the latest accepted offset sample
    double jitter_ = 0;                // seconds
    double delayTicks_ = 0;
    double clockTick_ = 0;  // the render clock, unclamped; never decreases
    double shownTick_ = 0;  // the last Sample::renderTick
    double lastNow_ = 0;
    bool rendering_ = false;  // clockTick_ has been started
    Stats stats_;
};

}  // namespace tickwire::engine
