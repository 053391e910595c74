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
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <optional>
#include <span>
#include <variant>
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
[[nodiscard]] inline float wallDistance(Vec3f origin, Vec3f dir, float maxDistance, int* wall = nullptr) noexcept {
    float best = maxDistance;
    if (wall) *wall = -1;
    for (std::size_t i = 0; i < kWalls.size(); ++i) {
        const Rect& w = kWalls[i];
        // Slab test per axis; an axis the ray runs parallel to must contain the origin.
        float tMin = 0.0f;
        float tMax = best;
        const float lo[2] = {static_cast<float>(w.minX) / 100.0f, static_cast<float>(w.minY) / 100.0f};
        const float hi[2] = {static_cast<float>(w.maxX) / 100.0f, static_cast<float>(w.maxY) / 100.0f};
        const float o[2] = {origin.x, origin.y};
        const float d[2] = {dir.x, dir.y};
        bool hit = true;
        for (int axis = 0; axis < 2 && hit; ++axis) {
            if (std::abs(d[axis]) < 1e-9f) {
                hit = o[axis] >= lo[axis] && o[axis] <= hi[axis];
                continue;
            }
            float t0 = (lo[axis] - o[axis]) / d[axis];
            float t1 = (hi[axis] - o[axis]) / d[axis];
            if (t0 > t1) std::swap(t0, t1);
            tMin = std::max(tMin, t0);
            tMax = std::min(tMax, t1);
            hit = tMin <= tMax;
        }
        if (hit && tMin < best) {
            best = tMin;
            if (wall) *wall = static_cast<int>(i);
        }
    }
    return best;
}

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
[[nodiscard]] inline std::int16_t aimFromRadians(double radians) noexcept {
    if (!std::isfinite(radians)) return 0;
    const auto steps = static_cast<std::int64_t>(std::llround(radians / (2.0 * std::numbers::pi) * kAimSteps));
    const std::int64_t wrapped = ((steps % kAimSteps) + kAimSteps + kAimSteps / 2) % kAimSteps - kAimSteps / 2;
    return static_cast<std::int16_t>(wrapped);
}

/// Seconds left in a match that started at tick 0: kMatchSeconds - tick / tickRate, at
/// least 0. `tickRate` in Hz, > 0 (0 or less counts as kTickRate).
[[nodiscard]] inline double matchSecondsLeft(std::uint32_t tick, double tickRate) noexcept {
    if (!(tickRate > 0.0)) tickRate = kTickRate;
    return std::max(0.0, static_cast<double>(kMatchSeconds) - static_cast<double>(tick) / tickRate);
}

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

    /// Seconds left in the match at `tick` (see arena::matchSecondsLeft).
    [[nodiscard]] static double matchSecondsLeft(std::uint32_t tick, double tickRate) noexcept {
        return arena::matchSecondsLeft(tick, tickRate);
    }

    /// The spawn point for entity `id` respawning at `tick`: deterministic, so every peer
    /// that simulates the respawn agrees on it.
    [[nodiscard]] static PointCm spawnPoint(std::uint32_t tick, EntityId id) noexcept {
        const std::uint64_t h = static_cast<std::uint64_t>(tick) * 2654435761u + static_cast<std::uint64_t>(id) * 40503u;
        return kSpawnPoints[static_cast<std::size_t>((h >> 7) % kSpawnPoints.size())];
    }

    /// A player joined: its entity id is playerId (truncated to 32 bits), alive at a spawn point.
    static EntityId spawn(World& world, std::uint64_t playerId) {
        const auto id = static_cast<EntityId>(playerId);
        Player p;
        const PointCm at = spawnPoint(0, id);
        p.setCm(at.x, at.y);
        world.set(id, p);
        return id;
    }

    /// A new match: every player's score, deaths and hits back to 0 (positions, health and
    /// timers stay as they are, so nobody jumps).
    static void resetScores(World& world) {
        for (auto& e : world.entities) {
            if (auto* p = std::get_if<Player>(&e.state)) {
                p->score.set(0);
                p->deaths.set(0);
                p->hits.set(0);
            }
        }
    }

    /// A player left.
    static void despawn(World& world, EntityId entity) { world.remove(entity); }

    /// The player with this id, or nullptr (borrowed from `world`).
    [[nodiscard]] static Player* player(World& world, EntityId id) {
        auto* s = const_cast<World::State*>(world.find(id));
        return s ? std::get_if<Player>(s) : nullptr;
    }
    /// The player with this id, or nullptr (borrowed from `world`).
    [[nodiscard]] static const Player* player(const World& world, EntityId id) {
        const auto* s = world.find(id);
        return s ? std::get_if<Player>(s) : nullptr;
    }

    /// Moves a player by one tick of `input`, sliding along walls axis by axis.
    static void move(Player& p, const Input& input) noexcept {
        const int mx = std::clamp<int>(input.moveX, -1, 1);
        const int my = std::clamp<int>(input.moveY, -1, 1);
        const std::int32_t step = (mx != 0 && my != 0) ? kDiagonalSpeedCm : kSpeedCm;
        std::int32_t x = p.xCm();
        std::int32_t y = p.yCm();
        if (mx != 0) {
            x += mx * step;
            for (const Rect& w : kWalls) {
                if (overlapsWall(w, x, y)) x = mx > 0 ? w.minX - kPlayerRadiusCm : w.maxX + kPlayerRadiusCm;
            }
            x = std::clamp(x, kPlayerRadiusCm, kWidthCm - kPlayerRadiusCm);
        }
        if (my != 0) {
            y += my * step;
            for (const Rect& w : kWalls) {
                if (overlapsWall(w, x, y)) y = my > 0 ? w.minY - kPlayerRadiusCm : w.maxY + kPlayerRadiusCm;
            }
            y = std::clamp(y, kPlayerRadiusCm, kHeightCm - kPlayerRadiusCm);
        }
        p.setCm(x, y);
    }

    /// Unit direction of an aim angle.
    [[nodiscard]] static Vec3f direction(const Angle<12>& aim) noexcept {
        const double a = aim.get();
        return {static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a)), 0.0f};
    }

    /// A player's position in metres (z = 0).
    [[nodiscard]] static Vec3f position(const Player& p) noexcept {
        return {static_cast<float>(p.xCm()) / 100.0f, static_cast<float>(p.yCm()) / 100.0f, 0.0f};
    }

    /// One tick: timers (respawn, cooldown) for every player, then movement and aim for each
    /// input of a living player, then — on the server only — the shots, in input order.
    static void simulate(World& world, std::span<const PlayerInput<Input>> inputs, const SimulationContext& ctx) {
        for (auto& e : world.entities) {
            auto* p = std::get_if<Player>(&e.state);
            if (!p) continue;
            p->firing = false;
            if (p->cooldownTicks.get() > 0) p->cooldownTicks.set(p->cooldownTicks.get() - 1);
            if (!p->alive) {
                p->respawnTicks.set(p->respawnTicks.get() - 1);
                if (p->respawnTicks.get() == 0) respawn(*p, ctx.tick, e.id);
            }
        }
        for (const auto& in : inputs) {
            Player* p = player(world, in.entity);
            if (!p || !p->alive) continue;
            move(*p, in.input);
            const int aimStep = ((in.input.aim % kAimSteps) + kAimSteps + kAimSteps / 2) % kAimSteps;
            (void)p->aim.setQuantized(static_cast<std::uint64_t>(aimStep));
            if (in.input.fire && p->cooldownTicks.get() == 0) {
                p->cooldownTicks.set(kFireCooldownTicks);
                p->firing = true;
            }
        }
        if (ctx.predicting || ctx.history == nullptr) return;
        for (const auto& in : inputs) {
            const Player* shooter = player(world, in.entity);
            if (!shooter || !shooter->alive || !shooter->firing) continue;
            const Vec3f origin = position(*shooter);
            const Vec3f dir = direction(shooter->aim);
            // A target behind a wall is out of reach: the ray ends at the first wall.
            const float range = wallDistance(origin, dir, kShotRange);
            const auto hit =
                ctx.history->resolveShot(origin, dir, range, in.renderTick, ctx.tick, in.entity, ctx.lagCompensation);
            if (!hit) continue;
            Player* victim = player(world, hit->id);
            if (!victim || !victim->alive) continue;
            if (Player* s = player(world, in.entity)) s->hits.set(s->hits.get() + 1);
            victim->health.set(victim->health.get() - kShotDamage);
            if (victim->health.get() > 0) continue;
            victim->alive = false;
            victim->firing = false;
            victim->deaths.set(victim->deaths.get() + 1);
            victim->respawnTicks.set(kRespawnTicks);
            if (Player* s = player(world, in.entity)) s->score.set(s->score.get() + 1);
        }
    }

    /// Players in view of each player in a crowded arena: up to this many players everyone
    /// sees everyone.
    static constexpr std::size_t kCrowd = 32;

    /// Area of interest (the server sends a player only what this admits): everyone while
    /// the arena holds at most kCrowd other players; beyond that, the kCrowd players nearest
    /// to the viewer (ties by lower id), so that a crowd round one spawn point costs no more
    /// than a spread-out arena. The predicate must be asked about entities in ascending id
    /// order, once each, as ServerSession does.
    [[nodiscard]] static auto interest(const World& world, EntityId viewer) {
        std::int64_t limit = std::numeric_limits<std::int64_t>::max();
        std::size_t tiesLeft = 0;
        const Player* me = player(world, viewer);
        const PointCm at = me ? PointCm{me->xCm(), me->yCm()} : PointCm{};
        auto distance2 = [at](const Player& p) {
            const std::int64_t dx = p.xCm() - at.x;
            const std::int64_t dy = p.yCm() - at.y;
            return dx * dx + dy * dy;
        };
        // One scan for the kCrowd-th smallest distance; entities at exactly that distance
        // are admitted, in id order, until kCrowd are in.
        thread_local std::vector<std::int64_t> distances;
        distances.clear();
        if (me && world.entities.size() > kCrowd + 1) {
            for (const auto& e : world.entities) {
                const auto* p = std::get_if<Player>(&e.state);
                if (p && e.id != viewer) distances.push_back(distance2(*p));
            }
        }
        if (distances.size() > kCrowd) {
            const auto kth = distances.begin() + static_cast<std::ptrdiff_t>(kCrowd - 1);
            std::nth_element(distances.begin(), kth, distances.end());
            limit = *kth;
            const auto below = static_cast<std::size_t>(
                std::count_if(distances.begin(), distances.end(), [&](std::int64_t d) { return d < limit; }));
            tiesLeft = kCrowd - below;
        } else {
            me = nullptr;  // few enough: everyone
        }
        return [everyone = me == nullptr, viewer, distance2, limit, tiesLeft](const World::Entity& e) mutable {
            const auto* p = std::get_if<Player>(&e.state);
            if (everyone || !p || e.id == viewer) return true;
            const std::int64_t d = distance2(*p);
            if (d < limit) return true;
            if (d == limit && tiesLeft > 0) {
                --tiesLeft;
                return true;
            }
            return false;
        };
    }

    /// Lag compensation: one 0.5 m sphere per living player, at z = 0, in metres.
    static void hitVolumes(const World& world, std::vector<HitVolume>& out) {
        for (const auto& e : world.entities) {
            const auto* p = std::get_if<Player>(&e.state);
            if (p && p->alive) out.push_back({e.id, position(*p), kHitRadius});
        }
    }

    /// Smoothing: position interpolated from a to b by t (0..1), everything else from b.
    static World::State blend(const World::State& a, const World::State& b, double t) {
        const auto* pa = std::get_if<Player>(&a);
        const auto* pb = std::get_if<Player>(&b);
        if (!pa || !pb) return b;
        Player out = *pb;
        out.x.set(pa->x.get() + (pb->x.get() - pa->x.get()) * t);
        out.y.set(pa->y.get() + (pb->y.get() - pa->y.get()) * t);
        return out;
    }

    /// Prediction error between two states: distance in metres.
    static double error(const World::State& a, const World::State& b) {
        const auto* pa = std::get_if<Player>(&a);
        const auto* pb = std::get_if<Player>(&b);
        if (!pa || !pb) return 0.0;
        return std::hypot(pa->x.get() - pb->x.get(), pa->y.get() - pb->y.get());
    }

    /// A simple deterministic bot for entity `self`: runs toward the nearest living enemy
    /// (sliding along walls, heading round a wall that blocks its sight; of two players close
    /// on either side of a wall, the lower id waits), aims at it, and holds fire while it is
    /// within range with no wall in between. Idle when `self` is dead or missing, or nobody is left to
    /// chase. `tick` is the tick the input is for (kept for bots that vary with time).
    [[nodiscard]] static Input botInput(const World& world, EntityId self, std::uint32_t tick) {
        (void)tick;
        Input in;
        const Player* me = player(world, self);
        if (!me || !me->alive) return in;
        const Player* target = nullptr;
        EntityId targetId = 0;
        std::int64_t best = std::numeric_limits<std::int64_t>::max();
        for (const auto& e : world.entities) {
            const auto* p = std::get_if<Player>(&e.state);
            if (!p || e.id == self || !p->alive) continue;
            const std::int64_t dx = p->xCm() - me->xCm();
            const std::int64_t dy = p->yCm() - me->yCm();
            const std::int64_t d2 = dx * dx + dy * dy;
            if (d2 < best) {  // strict: ties go to the lowest id
                best = d2;
                target = p;
                targetId = e.id;
            }
        }
        if (!target) return in;
        const std::int32_t dx = target->xCm() - me->xCm();
        const std::int32_t dy = target->yCm() - me->yCm();
        in.aim = aimFromRadians(std::atan2(static_cast<double>(dy), static_cast<double>(dx)));
        const auto distance = static_cast<float>(std::sqrt(static_cast<double>(best)) / 100.0);
        // Line of sight along the quantized aim, as a shot would fly.
        const auto sight = [distance](const Player& from, std::int32_t ddx, std::int32_t ddy, int* wall) {
            const Vec3f dir = direction(Angle<12>(std::atan2(static_cast<double>(ddy), static_cast<double>(ddx))));
            return wallDistance(position(from), dir, distance, wall) >= distance;
        };
        int wall = -1;
        const bool open = sight(*me, dx, dy, &wall);
        in.fire = open && distance <= kShotRange;
        // A ray grazing a corner may be open one way and not the other: stop closing in
        // only when both can see each other.
        const bool mutual = open && sight(*target, -dx, -dy, nullptr);
        // Close in until in mutual sight at a fair range. Sliding along walls does the rest,
        // except when a wall stands square in the way: then head for its nearer end.
        if (mutual && distance <= 8.0f) return in;
        // Two bots chasing each other round a block can mirror each other for ever: when
        // the target is close behind a wall, the lower id lies in wait and lets it come.
        if (!mutual && distance <= 12.0f && self < targetId) return in;
        in.moveX = static_cast<std::int8_t>(dx > 30 ? 1 : dx < -30 ? -1 : 0);
        in.moveY = static_cast<std::int8_t>(dy > 30 ? 1 : dy < -30 ? -1 : 0);
        if (!open && wall >= 0) {
            const Rect& w = kWalls[static_cast<std::size_t>(wall)];
            // Go round the wall on the side the target is beyond, else round the nearer end.
            const auto side = [self](std::int32_t at, std::int32_t goal, std::int32_t lo, std::int32_t hi) {
                if (goal < lo) return -1;
                if (goal > hi) return 1;
                const std::int32_t twice = at * 2 - (lo + hi);
                if (twice != 0) return twice > 0 ? 1 : -1;
                return self % 2 == 0 ? 1 : -1;
            };
            const std::int32_t margin = kPlayerRadiusCm + 10;
            if (std::abs(dx) >= std::abs(dy)) {
                const std::int32_t y = me->yCm();
                if (y > w.minY - margin && y < w.maxY + margin) {
                    in.moveY = static_cast<std::int8_t>(side(y, target->yCm(), w.minY, w.maxY));
                }
            } else {
                const std::int32_t x = me->xCm();
                if (x > w.minX - margin && x < w.maxX + margin) {
                    in.moveX = static_cast<std::int8_t>(side(x, target->xCm(), w.minX, w.maxX));
                }
            }
        }
        return in;
    }

private:
    static void respawn(Player& p, std::uint32_t tick, EntityId id) noexcept {
        const PointCm at = spawnPoint(tick, id);
        p.setCm(at.x, at.y);
        p.health.set(kMaxHealth);
        p.alive = true;
        p.cooldownTicks.set(0);
    }
};

static_assert(tickwire::engine::Game<ArenaGame>);
static_assert(tickwire::engine::HasHitVolumes<ArenaGame>);
static_assert(tickwire::engine::HasBlend<ArenaGame>);
static_assert(tickwire::engine::HasInterest<ArenaGame>);

}  // namespace arena
