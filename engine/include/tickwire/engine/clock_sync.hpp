#pragma once
/// \file clock_sync.hpp
/// Keeping the client's tick just ahead of the server's. A predicting client simulates and
/// sends input for tick N before the server simulates tick N; the input must arrive in
/// time (not late: dropped or guessed) but not much earlier (every tick of lead is a tick of
/// input latency). This unit estimates the server tick from snapshots and the round-trip
/// time, and turns the server's report of how early each input arrived (its lead) into a
/// rate for the client's tick clock. It knows only numbers and injected times.
///
/// How: RTT is smoothed as TCP's SRTT (gain 1/8). The lead is smoothed (a running mean,
/// then gain 1/16) and its jitter is estimated as RFC 3550 does, as the smoothed absolute
/// difference of consecutive leads, but with gain 1/64 so the target stays steady. The
/// target lead is jitterMultiplier × jitter + safetyTicks. The clock rate is a proportional
/// controller on the smoothed lead error with a half-tick dead band (exactly 1 when
/// converged) and a 1.5 s time constant (slow against the feedback delay of one RTT plus
/// smoothing, so it does not overshoot), limited to 1 ± maxAdjust.

#include <tickwire/engine/error.hpp>

#include <cstdint>

namespace tickwire::engine {

/// Settings of a ClockSync. Aggregate with safe defaults; check with validate().
struct ClockSyncConfig {
    /// Server simulation ticks per second, (0, 1000] Hz.
    double tickRate = 60;
    /// Lead kept on top of the jitter margin, in ticks, [0, 1 s × tickRate].
    double safetyTicks = 1.0;
    /// How many lead jitters (see jitterSeconds()) the target lead adds, [0, 10].
    double jitterMultiplier = 2.0;
    /// Largest change of the client clock's rate: timeScale() is within 1 ± this,
    /// (0, 0.5].
    double maxAdjust = 0.05;

    /// Error::InvalidConfig when a field is outside its range (or not a number), the detail
    /// naming the first offending field.
    [[nodiscard]] Result<void> validate() const;
};

/// Client-side estimate of the server's tick and of how fast the client's tick clock should
/// run. Feed it what every snapshot carries; read timeScale() each frame and multiply the
/// elapsed time given to the client's tick clock by it. To start (or restart after a large
/// disruption), set the client's tick to targetClientTick(). Copyable value type; not
/// thread-safe.
class ClockSync {
public:
    /// A ClockSync with no samples: timeScale() is 1 and the estimates are 0 until fed.
    /// Error::InvalidConfig when config.validate() fails.
    [[nodiscard]] static Result<ClockSync> create(ClockSyncConfig config);

    /// The server said: at its tick serverTick it received our input for tick inputTick, so
    /// `leadTicks` = inputTick − serverTick (negative: the input was late). Feed it from
    /// every snapshot that carries it. Clamped to ±10 s × tickRate.
    void onInputFeedback(std::int64_t leadTicks) noexcept;

    /// A round-trip time sample, in seconds (the transport's RTT, or a ping/pong). Negative
    /// or non-finite samples are ignored.
    void onRtt(double rttSeconds) noexcept;

    /// A snapshot of server tick `tick` arrived at `nowSeconds` (any monotonic origin, the
    /// same one the queries use). Out-of-order ticks are fine. A non-finite time is ignored.
    void onServerTick(std::uint32_t tick, double nowSeconds) noexcept;

    /// Estimated server tick at `nowSeconds` (fractional): the snapshot ticks advanced by the
    /// time elapsed since they arrived (smoothed over the last ~16 snapshots) plus half the
    /// RTT. 0 before the first onServerTick().
    [[nodiscard]] double estimatedServerTick(double nowSeconds) const noexcept;

    /// The tick the client should be simulating and sending input for at `nowSeconds`:
    /// estimatedServerTick() + rtt/2 in ticks + targetLeadTicks(). Use it to start the
    /// client's tick clock; afterwards steer with timeScale().
    [[nodiscard]] double targetClientTick(double nowSeconds) const noexcept;

    /// Multiplier for the client's tick clock, in [1 − maxAdjust, 1 + maxAdjust]: above 1
    /// when inputs arrive with less lead than the target (late or nearly), below 1 when
    /// they arrive too early, exactly 1 within half a tick of the target (and before any
    /// feedback).
    [[nodiscard]] double timeScale() const noexcept;

    /// The lead the client aims for, in ticks: jitterMultiplier × jitter + safetyTicks.
    [[nodiscard]] double targetLeadTicks() const noexcept;

    /// Smoothed lead reported by the server, in ticks (0 before any feedback).
    [[nodiscard]] double measuredLeadTicks() const noexcept { return lead_; }

    /// Smoothed round-trip time, in seconds (0 before any sample).
    [[nodiscard]] double rttSeconds() const noexcept { return rtt_; }

    /// Smoothed jitter of the input arrival times as the server reports them, in seconds
    /// (0 before two feedback samples).
    [[nodiscard]] double jitterSeconds() const noexcept { return jitterTicks_ / config_.tickRate; }

    /// The configuration this was created with.
    [[nodiscard]] const ClockSyncConfig& config() const noexcept { return config_; }

private:
    explicit ClockSync(ClockSyncConfig config) noexcept : config_(config) {}

    ClockSyncConfig config_;
    double rtt_ = 0;  // seconds
    bool haveRtt_ = false;
    double serverOffset_ = 0;  // ticks: smoothed tick − arrival × tickRate
    std::uint64_t serverSamples_ = 0;
    double lead_ = 0;      // ticks, smoothed
    double lastLead_ = 0;  // ticks, the latest sample
    double jitterTicks_ = 0;
    std::uint64_t leadSamples_ = 0;
};

}  // namespace tickwire::engine
