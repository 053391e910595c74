#pragma once
/// \file arena_game.hpp
/// The rules of the sample arena, shared by its server and its client: a top-down 2D arena
/// of 40 m × 30 m with a fixed layout of rectangular walls, where players run, aim and fire
/// hitscan shots resolved through lag compensation.
///
/// Movement, collision, timers and cooldowns run on integer centimetres and ticks, so the
/// client's prediction of its own player matches the server exactly. Shots are resolved on
/// the server only (`!ctx.predicting && ctx.history`), against what the shooter saw, and are
/// stopped by the first wall on their way.
///
///     using arena::ArenaGame;
///     static_assert(tickwire::engine::Game<ArenaGame>);
///     const auto me = ArenaGame::spawn(world, playerId);
///     ArenaGame::simulate(world, inputs, {.tick = tick, .history = &history});
///
/// The game runs at kTickRate ticks per second: speeds, cooldowns and timers are counted in
/// its ticks.

#include <tickwire/engine/game.hpp>
#include <tickwire/engine/lag_compensation.hpp>
#include <tickwire/engine/quantize.hpp>
#include <tickwire/engine/snapshot.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace arena {

using tickwire::engine::Angle;
using tickwire::engine::BoundedFloat;
using tickwire::engine::BoundedInt;
using tickwire::engine::EntityId;
using tickwire::engine::FloatRange;
using tickwire::engine::HitVolume;
using tickwire::engine::PlayerInput;
using tickwire::engine::SimulationContext;
using tickwire::engine::Vec3f;

/// An axis-aligned rectangle in centimetres: [minX, maxX] × [minY, maxY].
struct Rect {
    std::int32_t minX = 0;  ///< cm
    std::int32_t minY = 0;  ///< cm
    std::int32_t maxX = 0;  ///< cm
    std::int32_t maxY = 0;  ///< cm
};

/// A point in centimetres.
struct PointCm {
    std::int32_t x = 0;  ///< cm
    std::int32_t y = 0;  ///< cm
};

/// Simulation ticks per second the rules are written for.
inline constexpr std::uint32_t kTickRate = 60;
/// Arena width (x), cm.
inline constexpr std::int32_t kWidthCm = 4000;
/// Arena height (y), cm.
inline constexpr std::int32_t kHeightCm = 3000;
/// Player collision radius, cm (collides as a square of this half-size against walls).
inline constexpr std::int32_t kPlayerRadiusCm = 40;
/// Movement per tick along one axis, cm: 6 m/s at kTickRate.
inline constexpr std::int32_t kSpeedCm = 10;
/// Movement per tick along each axis when moving diagonally, cm (≈ kSpeedCm / √2).
inline constexpr std::int32_t kDiagonalSpeedCm = 7;
/// Hitscan range, m.
inline constexpr float kShotRange = 30.0f;
/// Damage of one hit, health points.
inline constexpr std::int64_t kShotDamage = 25;
/// Full health.
inline constexpr std::int64_t kMaxHealth = 100;
/// Ticks between two shots of one player: 0.25 s.
inline constexpr std::int64_t kFireCooldownTicks = 15;
/// Ticks a dead player waits before respawning: 2 s.
inline constexpr std::int64_t kRespawnTicks = 2 * kTickRate;
/// Radius of a player's hit sphere, m.
inline constexpr float kHitRadius = 0.5f;
/// Length of a match, s.
inline constexpr std::uint32_t kMatchSeconds = 5 * 60;
/// Quantization of an input aim: steps per full turn.
inline constexpr std::int32_t kAimSteps = 4096;

/// The walls: the four outer walls (50 cm thick, inside the arena), then the inner blocks.
inline constexpr std::array<Rect, 9> kWalls{{
    {0, 0, kWidthCm, 50},
    {0, kHeightCm - 50, kWidthCm, kHeightCm},
    {0, 0, 50, kHeightCm},
    {kWidthCm - 50, 0, kWidthCm, kHeightCm},
    {800, 600, 1200, 1000},
    {2800, 600, 3200, 1000},
    {800, 2000, 1200, 2400},
    {2800, 2000, 3200, 2400},
    {1800, 1300, 2200, 1700},
}};

/// Where players (re)appear; each is clear of every wall by more than kPlayerRadiusCm.
inline constexpr std::array<PointCm, 8> kSpawnPoints{{
    {300, 300},
    {3700, 300},
    {300, 2700},
    {3700, 2700},
    {2000, 500},
    {2000, 2500},
    {500, 1500},
    {3500, 1500},
}};

/// True when a player centred at (x, y) cm overlaps a wall (touching does not count).
[[nodiscard]] constexpr bool overlapsWall(const Rect& w, std::int32_t x, std::int32_t y) noexcept {
    return x + kPlayerRadiusCm > w.minX && x - kPlayerRadiusCm < w.maxX && y + kPlayerRadiusCm > w.minY &&
           y - kPlayerRadiusCm < w.maxY;
}

/// True when a player centred at (x, y) cm overlaps any wall or leaves the arena.
[[nodiscard]] constexpr bool blocked(std::int32_t x, std::int32_t y) noexcept {
    if (x < kPlayerRadiusCm || y < kPlayerRadiusCm || x > kWidthCm - kPlayerRadiusCm ||
        y > kHeightCm - kPlayerRadiusCm) {
        return true;
    }
    return std::any_of(kWalls.begin(), kWalls.end(), [&](const Rect& w) { return overlapsWall(w, x, y); });
}

/// Distance in metres along a ray from `origin` (m) in direction `dir` (unit length) to the
/// first wall it enters, or `maxDistance` when none is nearer. `wall`, when given, receives
/// that wall's index in kWalls, or -1.
[[nodiscard]] float wallDistance(Vec3f origin, Vec3f dir, float maxDistance, int* wall = nullptr) noexcept;

/// One player. Positions are stored in steps of 1 cm, so quantized() is the position in cm.
struct Player {
    BoundedFloat<FloatRange{0.0, 40.0, 0.01}> x;  ///< m, 0..40
    BoundedFloat<FloatRange{0.0, 30.0, 0.01}> y;  ///< m, 0..30
    Angle<12> aim;                                ///< radians, 0 = +x, counter-clockwise
    BoundedInt<0, 100> health{kMaxHealth};        ///< 0..100
    BoundedInt<0, 65535> score;                   ///< kills this match
    BoundedInt<0, 65535> deaths;                  ///< deaths this match
    BoundedInt<0, 65535> hits;                    ///< shots of this player that hit someone, this match
    BoundedInt<0, 255> respawnTicks;              ///< ticks until a dead player respawns
    BoundedInt<0, 63> cooldownTicks;              ///< ticks until the player may fire again
    bool alive = true;                            ///< dead players neither move nor shoot nor get hit
    bool firing = false;                          ///< fired a shot this tick (for effects)

    /// Cereal: every field, in declaration order.
    template <class A>
    void serialize(A& a) {
        a(x, y, aim, health, score, deaths, hits, respawnTicks, cooldownTicks, alive, firing);
    }
    /// Field-wise equality of the quantized values.
    friend bool operator==(const Player&, const Player&) = default;

    /// x in cm, 0..4000.
    [[nodiscard]] std::int32_t xCm() const noexcept { return static_cast<std::int32_t>(x.quantized()); }
    /// y in cm, 0..3000.
    [[nodiscard]] std::int32_t yCm() const noexcept { return static_cast<std::int32_t>(y.quantized()); }
    /// Moves to (x, y) cm, clamped into the arena.
    void setCm(std::int32_t xcm, std::int32_t ycm) noexcept {
        (void)x.setQuantized(static_cast<std::uint64_t>(std::clamp(xcm, 0, kWidthCm)));
        (void)y.setQuantized(static_cast<std::uint64_t>(std::clamp(ycm, 0, kHeightCm)));
    }
};

/// One tick of one player's controls. Default: idle.
struct Input {
    std::int8_t moveX = 0;  ///< -1, 0, 1 (other values are clamped)
    std::int8_t moveY = 0;  ///< -1, 0, 1 (other values are clamped)
    std::int16_t aim = 0;   ///< direction in 1/kAimSteps turns, 0 = +x, counter-clockwise (any value; wraps)
    bool fire = false;      ///< hold to fire; shots leave every kFireCooldownTicks

    /// Cereal: every field.
    template <class A>
    void serialize(A& a) {
        a(moveX, moveY, aim, fire);
    }
    /// Field-wise equality.
    friend bool operator==(const Input&, const Input&) = default;
};

/// An angle in radians as an Input::aim (nearest step, wrapped into -2048..2047).
[[nodiscard]] std::int16_t aimFromRadians(double radians) noexcept;

/// Seconds left in a match that started at tick 0: kMatchSeconds - tick / tickRate, at
/// least 0. `tickRate` in Hz, > 0 (0 or less counts as kTickRate).
[[nodiscard]] double matchSecondsLeft(std::uint32_t tick, double tickRate) noexcept;

/// The arena game (models tickwire::engine::Game).
struct ArenaGame {
    /// One entity type: the player.
    using Codec = tickwire::engine::SnapshotCodec<Player>;
    /// The world the engine keeps and sends.
    using World = Codec::SnapshotType;
    /// Player controls.
    using Input = arena::Input;

    /// Length of a match, s.
    static constexpr std::uint32_t kMatchSeconds = arena::kMatchSeconds;
    /// Length of a match, ticks at kTickRate.
    static constexpr std::uint32_t kMatchTicks = kMatchSeconds * kTickRate;
    /// Players in view of each player in a crowded arena: up to this many players everyone
    /// sees everyone.
    static constexpr std::size_t kCrowd = 32;

    /// Seconds left in the match at `tick` (see arena::matchSecondsLeft).
    [[nodiscard]] static double matchSecondsLeft(std::uint32_t tick, double tickRate) noexcept {
        return arena::matchSecondsLeft(tick, tickRate);
    }

    /// The spawn point for entity `id` respawning at `tick`: deterministic, so every peer
    /// that simulates the respawn agrees on it.
    [[nodiscard]] static PointCm spawnPoint(std::uint32_t tick, EntityId id) noexcept;

    /// A player joined: its entity id is playerId (truncated to 32 bits), alive at a spawn point.
    static EntityId spawn(World& world, std::uint64_t playerId);

    /// A new match: every player's score, deaths and hits back to 0 (positions, health and
    /// timers stay as they are, so nobody jumps).
    static void resetScores(World& world);

    /// A player left.
    static void despawn(World& world, EntityId entity);

    /// The player with this id, or nullptr (borrowed from `world`).
    [[nodiscard]] static Player* player(World& world, EntityId id);
    /// The player with this id, or nullptr (borrowed from `world`).
    [[nodiscard]] static const Player* player(const World& world, EntityId id);

    /// Moves a player by one tick of `input`, sliding along walls axis by axis.
    static void move(Player& p, const Input& input) noexcept;

    /// Unit direction of an aim angle.
    [[nodiscard]] static Vec3f direction(const Angle<12>& aim) noexcept;

    /// A player's position in metres (z = 0).
    [[nodiscard]] static Vec3f position(const Player& p) noexcept;

    /// One tick: timers (respawn, cooldown) for every player, then movement and aim for each
    /// input of a living player, then — on the server only — the shots, in input order.
    static void simulate(World& world, std::span<const PlayerInput<Input>> inputs, const SimulationContext& ctx);

    /// Area of interest (the server sends a player only what this admits): everyone while
    /// the arena holds at most kCrowd other players; beyond that, the kCrowd players nearest
    /// to the viewer (ties by lower id), so that a crowd round one spawn point costs no more
    /// than a spread-out arena. Ask it about entities in ascending id order, once each, as
    /// ServerSession does: it counts the ties it has admitted.
    class Interest {
    public:
        /// What `viewer` may see of `world` (borrowed for the predicate's lifetime).
        Interest(const World& world, EntityId viewer);
        /// True when the entity is sent to the viewer.
        [[nodiscard]] bool operator()(const World::Entity& e);

    private:
        [[nodiscard]] std::int64_t distance2(const Player& p) const noexcept;

        EntityId viewer_;
        PointCm at_;
        bool everyone_ = true;
        std::int64_t limit_ = 0;     // squared distance, cm², of the kCrowd-th nearest player
        std::size_t tiesLeft_ = 0;   // players at exactly limit_ still to admit
    };
    /// The area of interest of `viewer` (see Interest).
    [[nodiscard]] static Interest interest(const World& world, EntityId viewer) { return {world, viewer}; }

    /// Lag compensation: one 0.5 m sphere per living player, at z = 0, in metres.
    static void hitVolumes(const World& world, std::vector<HitVolume>& out);

    /// Smoothing: position interpolated from a to b by t (0..1), everything else from b.
    static World::State blend(const World::State& a, const World::State& b, double t);

    /// Prediction error between two states: distance in metres.
    static double error(const World::State& a, const World::State& b);

    /// A simple deterministic bot for entity `self`: runs toward the nearest living enemy
    /// (sliding along walls, heading round a wall that blocks its sight; of two players close
    /// on either side of a wall, the lower id waits), aims at it, and holds fire while it is
    /// within range with no wall in between. Idle when `self` is dead or missing, or nobody is
    /// left to chase. `tick` is the tick the input is for (kept for bots that vary with time).
    [[nodiscard]] static Input botInput(const World& world, EntityId self, std::uint32_t tick);

private:
    static void respawn(Player& p, std::uint32_t tick, EntityId id) noexcept;
};

static_assert(tickwire::engine::Game<ArenaGame>);
static_assert(tickwire::engine::HasHitVolumes<ArenaGame>);
static_assert(tickwire::engine::HasBlend<ArenaGame>);
static_assert(tickwire::engine::HasInterest<ArenaGame>);

}  // namespace arena
