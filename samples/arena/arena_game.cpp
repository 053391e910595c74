#include "arena_game.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <variant>

namespace arena {

float wallDistance(Vec3f origin, Vec3f dir, float maxDistance, int* wall) noexcept {
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

std::int16_t aimFromRadians(double radians) noexcept {
    if (!std::isfinite(radians)) return 0;
    const auto steps = static_cast<std::int64_t>(std::llround(radians / (2.0 * std::numbers::pi) * kAimSteps));
    const std::int64_t wrapped = ((steps % kAimSteps) + kAimSteps + kAimSteps / 2) % kAimSteps - kAimSteps / 2;
    return static_cast<std::int16_t>(wrapped);
}

double matchSecondsLeft(std::uint32_t tick, double tickRate) noexcept {
    if (!(tickRate > 0.0)) tickRate = kTickRate;
    return std::max(0.0, static_cast<double>(kMatchSeconds) - static_cast<double>(tick) / tickRate);
}

PointCm ArenaGame::spawnPoint(std::uint32_t tick, EntityId id) noexcept {
    const std::uint64_t h = static_cast<std::uint64_t>(tick) * 2654435761u + static_cast<std::uint64_t>(id) * 40503u;
    return kSpawnPoints[static_cast<std::size_t>((h >> 7) % kSpawnPoints.size())];
}

EntityId ArenaGame::spawn(World& world, std::uint64_t playerId) {
    const auto id = static_cast<EntityId>(playerId);
    Player p;
    const PointCm at = spawnPoint(0, id);
    p.setCm(at.x, at.y);
    world.set(id, p);
    return id;
}

void ArenaGame::resetScores(World& world) {
    for (auto& e : world.entities) {
        if (auto* p = std::get_if<Player>(&e.state)) {
            p->score.set(0);
            p->deaths.set(0);
            p->hits.set(0);
        }
    }
}

void ArenaGame::despawn(World& world, EntityId entity) { world.remove(entity); }

Player* ArenaGame::player(World& world, EntityId id) {
    auto* s = const_cast<World::State*>(world.find(id));
    return s ? std::get_if<Player>(s) : nullptr;
}

const Player* ArenaGame::player(const World& world, EntityId id) {
    const auto* s = world.find(id);
    return s ? std::get_if<Player>(s) : nullptr;
}

void ArenaGame::move(Player& p, const Input& input) noexcept {
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

Vec3f ArenaGame::direction(const Angle<12>& aim) noexcept {
    const double a = aim.get();
    return {static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a)), 0.0f};
}

Vec3f ArenaGame::position(const Player& p) noexcept {
    return {static_cast<float>(p.xCm()) / 100.0f, static_cast<float>(p.yCm()) / 100.0f, 0.0f};
}

void ArenaGame::simulate(World& world, std::span<const PlayerInput<Input>> inputs, const SimulationContext& ctx) {
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

ArenaGame::Interest::Interest(const World& world, EntityId viewer) : viewer_(viewer) {
    const Player* me = player(world, viewer);
    if (!me || world.entities.size() <= kCrowd + 1) return;
    at_ = {me->xCm(), me->yCm()};
    // One scan for the kCrowd-th smallest distance; entities at exactly that distance are
    // admitted, in id order, until kCrowd are in.
    thread_local std::vector<std::int64_t> distances;
    distances.clear();
    for (const auto& e : world.entities) {
        const auto* p = std::get_if<Player>(&e.state);
        if (p && e.id != viewer) distances.push_back(distance2(*p));
    }
    if (distances.size() <= kCrowd) return;
    const auto kth = distances.begin() + static_cast<std::ptrdiff_t>(kCrowd - 1);
    std::nth_element(distances.begin(), kth, distances.end());
    limit_ = *kth;
    const auto below = static_cast<std::size_t>(
        std::count_if(distances.begin(), distances.end(), [&](std::int64_t d) { return d < limit_; }));
    tiesLeft_ = kCrowd - below;
    everyone_ = false;
}

bool ArenaGame::Interest::operator()(const World::Entity& e) {
    const auto* p = std::get_if<Player>(&e.state);
    if (everyone_ || !p || e.id == viewer_) return true;
    const std::int64_t d = distance2(*p);
    if (d < limit_) return true;
    if (d == limit_ && tiesLeft_ > 0) {
        --tiesLeft_;
        return true;
    }
    return false;
}

std::int64_t ArenaGame::Interest::distance2(const Player& p) const noexcept {
    const std::int64_t dx = p.xCm() - at_.x;
    const std::int64_t dy = p.yCm() - at_.y;
    return dx * dx + dy * dy;
}

void ArenaGame::hitVolumes(const World& world, std::vector<HitVolume>& out) {
    for (const auto& e : world.entities) {
        const auto* p = std::get_if<Player>(&e.state);
        if (p && p->alive) out.push_back({e.id, position(*p), kHitRadius});
    }
}

ArenaGame::World::State ArenaGame::blend(const World::State& a, const World::State& b, double t) {
    const auto* pa = std::get_if<Player>(&a);
    const auto* pb = std::get_if<Player>(&b);
    if (!pa || !pb) return b;
    Player out = *pb;
    out.x.set(pa->x.get() + (pb->x.get() - pa->x.get()) * t);
    out.y.set(pa->y.get() + (pb->y.get() - pa->y.get()) * t);
    return out;
}

double ArenaGame::error(const World::State& a, const World::State& b) {
    const auto* pa = std::get_if<Player>(&a);
    const auto* pb = std::get_if<Player>(&b);
    if (!pa || !pb) return 0.0;
    return std::hypot(pa->x.get() - pb->x.get(), pa->y.get() - pb->y.get());
}

Input ArenaGame::botInput(const World& world, EntityId self, std::uint32_t tick) {
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

void ArenaGame::respawn(Player& p, std::uint32_t tick, EntityId id) noexcept {
    const PointCm at = spawnPoint(tick, id);
    p.setCm(at.x, at.y);
    p.health.set(kMaxHealth);
    p.alive = true;
    p.cooldownTicks.set(0);
}

}  // namespace arena
