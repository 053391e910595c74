#pragma once
/// \file tick_times.hpp
/// How long a server takes per tick: simulating it and sending its snapshots. Every game
/// server built on the engine wants the figure (a status line, a Prometheus histogram, a
/// benchmark), so ServerSession::update() measures itself into a TickTimes. It is the only
/// clock the session reads on its own, and only for these figures: nothing the session
/// decides depends on them, so the simulation stays driven by the time it is given.
///
/// Percentiles are kept in fixed memory however long the server runs, and small enough for
/// a process that hosts many sessions: a histogram whose buckets are 1 µs wide below
/// 128 µs and 1/64 of their power of two above, so every figure is within 1.6 % of the
/// truth, up to 2^27 µs (134 s).

#include <array>
#include <cstddef>
#include <cstdint>

namespace tickwire::engine {

/// Tick durations in log-linear buckets (11 KiB, whatever the number of ticks): exact below
/// kExactMicros, then kSubBuckets buckets per power of two up to kMaxMicros, where a
/// longer tick lands in the last bucket. maxMicros() keeps the longest exactly. Copyable
/// value type; not thread-safe.
class TickTimeHistogram {
public:
    static constexpr std::uint64_t kExactMicros = 128;      ///< below this, 1 µs buckets
    static constexpr std::uint64_t kSubBuckets = 64;        ///< buckets per power of two above
    static constexpr std::uint64_t kMaxMicros = 1u << 27;   ///< the last bucket holds this and more

    /// Records `ticks` ticks that took `micros` µs each.
    void add(std::uint64_t micros, std::uint64_t ticks = 1) noexcept;

    /// The duration in µs that a share `p` (0..1, clamped) of the recorded ticks took at
    /// most: the upper edge of the bucket that tick falls in (exact below kExactMicros,
    /// less than 1.6 % above the truth beyond), never more than maxMicros(). 0 when nothing
    /// is recorded.
    [[nodiscard]] std::uint64_t percentileMicros(double p) const noexcept;

    /// The longest tick recorded, µs; 0 when nothing is recorded.
    [[nodiscard]] std::uint64_t maxMicros() const noexcept { return max_; }

    /// Ticks recorded.
    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }

    /// Forgets every tick.
    void clear() noexcept;

private:
    // kExactMicros exact buckets, then kSubBuckets for each power of two from kExactMicros
    // up to kMaxMicros.
    static constexpr std::size_t kBuckets = kExactMicros + (27 - 7) * kSubBuckets;
    static std::size_t bucketOf(std::uint64_t micros) noexcept;
    static std::uint64_t upperEdge(std::size_t bucket) noexcept;

    std::array<std::uint64_t, kBuckets> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
};

/// What one update() simulated, and what each of its ticks took: the update's whole
/// duration shared out evenly (one call simulates up to maxCatchUpTicks ticks).
struct UpdateTime {
    std::uint32_t ticks = 0;         ///< ticks simulated; 0 when none was due
    std::uint64_t microsPerTick = 0; ///< µs; 0 when no tick was simulated
};

/// A server's tick durations, kept the ways its reports want them. ServerSession::update()
/// records into one; a caller that steps ticks itself can record its own.
class TickTimes {
public:
    /// Records an update that simulated `ticks` ticks in `micros` µs in all, each charged
    /// micros / ticks. `withPlayers`: at least one player was in the game. An update
    /// without ticks only changes lastUpdate().
    void recordUpdate(std::uint32_t ticks, std::uint64_t micros, bool withPlayers) noexcept;

    /// Every tick since the last restartRecent() (or since the start): a status line's
    /// window.
    [[nodiscard]] const TickTimeHistogram& recent() const noexcept { return recent_; }

    /// Starts a new window for recent().
    void restartRecent() noexcept { recent_.clear(); }

    /// Every tick simulated while at least one player was in the game, since the start:
    /// the figure to judge a server by, which an empty game's cheap ticks would flatter.
    [[nodiscard]] const TickTimeHistogram& withPlayers() const noexcept { return withPlayers_; }

    /// The last update recorded: for histograms with buckets of the game's own
    /// (Prometheus), fed once per update.
    [[nodiscard]] UpdateTime lastUpdate() const noexcept { return last_; }

private:
    TickTimeHistogram recent_;
    TickTimeHistogram withPlayers_;
    UpdateTime last_;
};

}  // namespace tickwire::engine
