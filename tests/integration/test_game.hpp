#pragma once
// A small deterministic game for the session tests: pawns that move by their inputs,
// push each other apart, and shoot; an optional target that drives itself; optional
// NPCs that change every tick.

#include <tickwire/engine/game.hpp>
#include <tickwire/engine/quantize.hpp>
#include <tickwire/engine/snapshot.hpp>

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace tickwire::test {

using namespace tickwire::engine;

struct Pawn {
    BoundedInt<-400000, 400000> x, y;  // 1 unit = 1 mm
    BoundedInt<0, 1000000> hits;
    template <class A>
    void serialize(A& a) {
        a(x, y, hits);
    }
    friend bool operator==(const Pawn&, const Pawn&) = default;
};

struct PawnInput {
    std::int8_t dx = 0, dy = 0;
    bool fire = false;
    std::int32_t aimX = 0, aimY = 0;
    template <class A>
    void serialize(A& a) {
        a(dx, dy, fire, aimX, aimY);
    }
    friend bool operator==(const PawnInput&, const PawnInput&) = default;
};

struct TestGame {
    using Codec = SnapshotCodec<Pawn>;
    using World = Codec::SnapshotType;
    using Input = PawnInput;

    static constexpr EntityId kTarget = 1'000'000;      // moves by itself, +60 mm per tick
    static constexpr EntityId kFirstNpc = 2'000'000;    // NPCs: +1 mm per tick each
    static constexpr EntityId kFirstNoisyNpc = 4'000'000;  // +1 mm per tick, and y = noise(tick, id)
    static constexpr std::int64_t kSpeed = 40;          // mm per tick per input unit
    static constexpr std::int64_t kRadius = 300;        // pawns closer than 2 radii push apart
    static constexpr float kHitRadius = 150.0f;

    static EntityId spawn(World& world, std::uint64_t playerId) {
        const auto id = static_cast<EntityId>(playerId);
        Pawn p;
        p.x.set(static_cast<std::int64_t>(playerId % 100) * 5000);
        world.set(id, p);
        return id;
    }
    static void despawn(World& world, EntityId entity) { world.remove(entity); }

    /// Where a noisy NPC's y is at a tick: no codec can predict it (-100..100 m).
    static std::int64_t noise(std::uint32_t tick, EntityId id) {
        std::uint64_t z = (static_cast<std::uint64_t>(tick) << 32 | id) + 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return static_cast<std::int64_t>((z ^ (z >> 31)) % 200001) - 100000;
    }

    static Pawn* pawn(World& world, EntityId id) {
        auto* s = const_cast<World::State*>(world.find(id));
        return s ? std::get_if<Pawn>(s) : nullptr;
    }

    static void simulate(World& world, std::span<const PlayerInput<Input>> inputs, const SimulationContext& ctx) {
        for (const auto& in : inputs) {
            if (Pawn* p = pawn(world, in.entity)) {
                p->x.set(p->x.get() + in.input.dx * kSpeed);
                p->y.set(p->y.get() + in.input.dy * kSpeed);
            }
        }
        // Players push each other apart: a client cannot foresee this when it does not
        // know the other player's input.
        for (auto& a : world.entities) {
            if (a.id >= kTarget) continue;
            for (auto& b : world.entities) {
                if (b.id <= a.id || b.id >= kTarget) continue;
                auto& pa = std::get<Pawn>(a.state);
                auto& pb = std::get<Pawn>(b.state);
                const std::int64_t dx = pb.x.get() - pa.x.get();
                const std::int64_t dy = pb.y.get() - pa.y.get();
                if (std::abs(dx) < 2 * kRadius && std::abs(dy) < 2 * kRadius) {
                    const std::int64_t push = (2 * kRadius - std::abs(dx)) / 2 + 1;
                    const std::int64_t dir = dx >= 0 ? 1 : -1;
                    pa.x.set(pa.x.get() - dir * push);
                    pb.x.set(pb.x.get() + dir * push);
                }
            }
        }
        if (Pawn* t = pawn(world, kTarget)) t->x.set(t->x.get() + 60);
        for (auto& e : world.entities) {
            if (e.id >= kFirstNpc) std::get<Pawn>(e.state).x.set(std::get<Pawn>(e.state).x.get() + 1);
            if (e.id >= kFirstNoisyNpc) std::get<Pawn>(e.state).y.set(noise(ctx.tick, e.id));
        }
        if (ctx.predicting || ctx.history == nullptr) return;
        for (const auto& in : inputs) {
            if (!in.input.fire) continue;
            const Pawn* shooter = pawn(world, in.entity);
            if (!shooter) continue;
            const Vec3f origin{static_cast<float>(shooter->x.get()), static_cast<float>(shooter->y.get()), 0};
            const Vec3f aim{static_cast<float>(in.input.aimX), static_cast<float>(in.input.aimY), 0};
            const auto hit = ctx.history->resolveShot(origin, aim - origin, 1e7f, in.renderTick, ctx.tick, in.entity,
                                                      ctx.lagCompensation);
            if (hit) {
                if (Pawn* victim = pawn(world, hit->id)) victim->hits.set(victim->hits.get() + 1);
            }
        }
    }

    static void hitVolumes(const World& world, std::vector<HitVolume>& out) {
        for (const auto& e : world.entities) {
            const auto& p = std::get<Pawn>(e.state);
            out.push_back({e.id, {static_cast<float>(p.x.get()), static_cast<float>(p.y.get()), 0}, kHitRadius});
        }
    }

    static World::State blend(const World::State& a, const World::State& b, double t) {
        const auto& pa = std::get<Pawn>(a);
        const auto& pb = std::get<Pawn>(b);
        Pawn out = pb;
        out.x.set(static_cast<std::int64_t>(std::llround(static_cast<double>(pa.x.get()) +
                                                         (static_cast<double>(pb.x.get() - pa.x.get())) * t)));
        out.y.set(static_cast<std::int64_t>(std::llround(static_cast<double>(pa.y.get()) +
                                                         (static_cast<double>(pb.y.get() - pa.y.get())) * t)));
        return out;
    }

    static double error(const World::State& a, const World::State& b) {
        const auto& pa = std::get<Pawn>(a);
        const auto& pb = std::get<Pawn>(b);
        return std::hypot(static_cast<double>(pa.x.get() - pb.x.get()), static_cast<double>(pa.y.get() - pb.y.get()));
    }
};

}  // namespace tickwire::test

namespace tickwire::test {

/// The same game with an area of interest: a player sees only pawns within 10 m.
struct NearSightedGame : TestGame {
    static bool relevant(const World& world, EntityId viewer, EntityId other) {
        const auto* a = world.find(viewer);
        const auto* b = world.find(other);
        if (!a || !b) return false;
        const auto& pa = std::get<Pawn>(*a);
        const auto& pb = std::get<Pawn>(*b);
        return std::abs(pa.x.get() - pb.x.get()) <= 10000 && std::abs(pa.y.get() - pb.y.get()) <= 10000;
    }
};

}  // namespace tickwire::test
