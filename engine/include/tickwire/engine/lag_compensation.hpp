#pragma once
/// \file lag_compensation.hpp
/// Server-side lag compensation: a bounded history of hit volumes per tick, rewound to the
/// tick the shooter was looking at when it fired.
///
/// A client renders the world some time in the past (its interpolation delay plus the
/// one-way latency), so a shot aimed at where a target was *drawn* misses the target's
/// current position on the server. The server therefore records every entity's hit volumes
/// each tick (record()), and when a shot arrives with the render tick its input was made at,
/// resolves it against the volumes of that tick (resolveShot()). How far back a client may
/// claim to be looking is capped by LagCompensationConfig::maxRewindTicks: the render tick
/// comes from the network and is untrusted, and a large rewind lets a lagging shooter hit a
/// target that has long since taken cover.
///
///     auto history = HitHistory::create({.tickRate = 60, .historyTicks = 64, .maxRewindTicks = 30});
///     // each server tick, after simulating:
///     history->record(tick, volumes);
///     // for a shot in an input that says the client was rendering tick 1234.6:
///     if (auto hit = history->resolveShot(eye, aim, 100.f, 1234.6, tick, shooterId)) { ... }
///
/// Pure logic: no sockets, no clocks, no threads. Memory is bounded by the config: a ring of
/// historyTicks entries of at most maxVolumesPerTick volumes each, whose storage is reused
/// from one lap of the ring to the next.
///
/// Ticks are plain ascending 32-bit numbers (they do not wrap: 2^32 ticks at 60 Hz is over two
/// years of one match).

#include <tickwire/engine/field.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tickwire::engine {

/// Identifies an entity; the same alias as in snapshot.hpp. Chosen by the game.
using EntityId = std::uint32_t;

/// A point or direction in world units (whatever unit the game simulates in). 2D games leave
/// z at 0.
struct Vec3f {
    float x = 0;  ///< world units
    float y = 0;  ///< world units
    float z = 0;  ///< world units

    /// Component-wise sum.
    friend constexpr Vec3f operator+(Vec3f a, Vec3f b) noexcept { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
    /// Component-wise difference.
    friend constexpr Vec3f operator-(Vec3f a, Vec3f b) noexcept { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
    /// Scaled by `s`.
    friend constexpr Vec3f operator*(Vec3f a, float s) noexcept { return {a.x * s, a.y * s, a.z * s}; }
    /// Scaled by `s`.
    friend constexpr Vec3f operator*(float s, Vec3f a) noexcept { return a * s; }
    /// Exact component-wise equality.
    friend constexpr bool operator==(const Vec3f&, const Vec3f&) noexcept = default;
};

/// Dot product.
[[nodiscard]] constexpr float dot(Vec3f a, Vec3f b) noexcept { return a.x * b.x + a.y * b.y + a.z * b.z; }

/// Euclidean length, world units.
[[nodiscard]] inline float length(Vec3f v) noexcept { return std::sqrt(dot(v, v)); }

/// One sphere an entity can be hit in. An entity may have several (head, body): give them
/// the same id and record them in the same order every tick, since volumes of one entity are
/// matched between ticks by their order among that entity's volumes.
struct HitVolume {
    EntityId id = 0;  ///< the entity this volume belongs to
    Vec3f center;     ///< world units
    float radius = 0; ///< world units; a volume whose radius is not > 0 is never hit
};

/// Settings of a HitHistory. Aggregate with safe defaults; check with validate().
struct LagCompensationConfig {
    /// Server simulation ticks per second, 1..1000 Hz. Only used to express tick counts as
    /// time (maxRewindSeconds()); the history itself counts ticks.
    double tickRate = 60;
    /// Ticks remembered, 1..1024: the newest recorded tick and the historyTicks - 1 before it.
    std::uint32_t historyTicks = 64;
    /// Farthest a shot may be rewound, in ticks, 0..historyTicks (0 disables rewinding).
    /// 30 is 500 ms at 60 Hz. The oldest remembered tick is newest - (historyTicks - 1), so
    /// the full rewind is reachable when maxRewindTicks < historyTicks, or when shots are
    /// resolved before the current tick is recorded; otherwise the target is moved to the
    /// oldest remembered tick (counted in Stats::outsideHistory).
    std::uint32_t maxRewindTicks = 30;
    /// Most volumes recorded per tick, 1..65536; more are dropped and counted. Worst-case
    /// memory is historyTicks × maxVolumesPerTick × (sizeof(HitVolume) + 4) bytes.
    std::size_t maxVolumesPerTick = 4096;

    /// maxRewindTicks as seconds at tickRate.
    [[nodiscard]] double maxRewindSeconds() const noexcept { return maxRewindTicks / tickRate; }

    /// Error::InvalidConfig when a field is outside its range, the detail naming the first
    /// offending field.
    [[nodiscard]] Result<void> validate() const;
};

/// The per-tick history of hit volumes, and hit tests against any (fractional) tick in it.
/// Copyable value type; not thread-safe.
class HitHistory {
public:
    /// A ray's first contact with a hit volume.
    struct Hit {
        EntityId id = 0;     ///< entity hit
        float distance = 0;  ///< world units from the ray origin; 0 when the origin is inside
        Vec3f point;         ///< where the ray enters the volume (the origin when inside)
    };

    /// Lifetime counters; they never decrease (clear() keeps them).
    struct Stats {
        std::uint64_t shots = 0;           ///< resolveShot() calls
        std::uint64_t rewound = 0;         ///< compensated shots resolved before their currentTick
        std::uint64_t clamped = 0;         ///< rewindTarget() calls whose render tick was older than
                                           ///< currentTick - maxRewindTicks, newer than currentTick, or NaN
        std::uint64_t outsideHistory = 0;  ///< shot targets the history did not cover (empty history,
                                           ///< or moved to the oldest/newest remembered tick)
        std::uint64_t droppedVolumes = 0;  ///< volumes beyond maxVolumesPerTick, not recorded
        std::uint64_t ignoredRecords = 0;  ///< record() calls for a tick older than newestTick()
    };

    /// An empty history. Error::InvalidConfig when config.validate() fails.
    [[nodiscard]] static Result<HitHistory> create(LagCompensationConfig config);

    /// Records the volumes of `tick` (copied; `volumes` is only borrowed). Ticks must
    /// ascend, gaps allowed (skipped ticks are interpolated over). Recording newestTick()
    /// again replaces its volumes; an older tick is ignored and counted in
    /// Stats::ignoredRecords. Volumes beyond maxVolumesPerTick are dropped and counted in
    /// Stats::droppedVolumes. Any order; several volumes per entity allowed (see HitVolume).
    /// Allocates only while a ring slot grows past its largest earlier size.
    void record(std::uint32_t tick, std::span<const HitVolume> volumes);

    /// The tick a shot is resolved at: `renderTick` (what the shooter saw; fractional when
    /// the client interpolates; untrusted) clamped to
    /// [currentTick - maxRewindTicks, currentTick] (a NaN resolves at currentTick; counted in
    /// Stats::clamped), then to [oldestTick(), newestTick()] (counted in
    /// Stats::outsideHistory, as is an empty history, where the first clamp is returned).
    [[nodiscard]] double rewindTarget(double renderTick, std::uint32_t currentTick);

    /// The volumes at a (fractional) tick in [oldestTick(), newestTick()], sorted by entity
    /// id: interpolated linearly (centre and radius) between the nearest recorded ticks at
    /// or before and at or after `tick`; a volume present in only one of them is taken as it
    /// is there. Empty outside the history (or for NaN).
    [[nodiscard]] std::vector<HitVolume> volumesAt(double tick) const;

    /// Casts a ray from `origin` along `direction` (any non-zero length; normalised here) up
    /// to `maxDistance` world units against the volumes at `tick` (as volumesAt()), skipping
    /// entity `ignore` (the shooter). Returns the nearest hit (on a tie, the lowest entity
    /// id), or std::nullopt on a miss, a zero or non-finite direction, a negative or NaN
    /// maxDistance, or a tick outside the history. Does not allocate.
    [[nodiscard]] std::optional<Hit> raycast(Vec3f origin, Vec3f direction, float maxDistance, double tick,
                                             std::optional<EntityId> ignore = std::nullopt) const;

    /// rewindTarget() then raycast(), ignoring `shooter`. With `compensate == false` the shot
    /// is resolved at currentTick (clamped to the history only), as a server without lag
    /// compensation would. Counts Stats::shots and Stats::rewound.
    [[nodiscard]] std::optional<Hit> resolveShot(Vec3f origin, Vec3f direction, float maxDistance,
                                                 double renderTick, std::uint32_t currentTick,
                                                 std::optional<EntityId> shooter, bool compensate = true);

    /// Forgets every recorded tick (keeps the storage and the counters), e.g. between matches.
    void clear() noexcept;

    /// Lifetime counters.
    [[nodiscard]] const Stats& stats() const noexcept { return stats_; }

    /// Oldest tick still remembered; 0 when empty().
    [[nodiscard]] std::uint32_t oldestTick() const noexcept { return oldest_; }

    /// Newest tick recorded; 0 when empty().
    [[nodiscard]] std::uint32_t newestTick() const noexcept { return newest_; }

    /// True until the first record() (and after clear()).
    [[nodiscard]] bool empty() const noexcept { return !hasAny_; }

    /// The configuration the history was created with.
    [[nodiscard]] const LagCompensationConfig& config() const noexcept { return config_; }

private:
    // A volume plus its position in the record() call, so sorting by (id, seq) with an
    // in-place sort keeps an entity's volumes in the order the game gave them.
    struct Stored {
        HitVolume volume;
        std::uint32_t seq = 0;
    };
    struct Slot {
        std::uint32_t tick = 0;
        bool valid = false;
        std::vector<Stored> volumes;
    };

    explicit HitHistory(LagCompensationConfig config);

    [[nodiscard]] const Slot* held(std::uint32_t tick) const noexcept;
    [[nodiscard]] double clampToHistory(double tick);
    template <class Visit>
    bool visitAt(double tick, Visit&& visit) const;

    LagCompensationConfig config_;
    std::vector<Slot> slots_;  // historyTicks entries; tick t lives in slots_[t % historyTicks]
    std::uint32_t oldest_ = 0;
    std::uint32_t newest_ = 0;
    bool hasAny_ = false;
    Stats stats_;
};

}  // namespace tickwire::engine
