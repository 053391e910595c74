#include <tickwire/engine/prediction.hpp>
#include <tickwire/engine/quantize.hpp>
#include <tickwire/engine/snapshot.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>

using namespace tickwire::engine;

namespace {

// A dot on a line that moves 10 units a tick in the direction its input says.
struct Dot {
    BoundedInt<-1000000, 1000000> x;
    template <class A>
    void serialize(A& a) {
        a(x);
    }
    friend bool operator==(const Dot&, const Dot&) = default;
};

struct Step {
    std::int8_t dx = 0;
    template <class A>
    void serialize(A& a) {
        a(dx);
    }
};

struct DotGame {
    using Codec = SnapshotCodec<Dot>;
    using World = Codec::SnapshotType;
    using Input = Step;

    static EntityId spawn(World& world, std::uint64_t playerId) {
        world.set(static_cast<EntityId>(playerId), Dot{});
        return static_cast<EntityId>(playerId);
    }
    static void despawn(World& world, EntityId id) { world.remove(id); }
    static void simulate(World& world, std::span<const PlayerInput<Input>> inputs, const SimulationContext&) {
        for (const auto& in : inputs) {
            const auto* s = world.find(in.entity);
            if (!s) continue;
            Dot d = std::get<Dot>(*s);
            d.x.set(d.x.get() + in.input.dx * 10);
            world.set(in.entity, d);
        }
    }
    static World::State blend(const World::State& a, const World::State& b, double t) {
        const auto xa = static_cast<double>(std::get<Dot>(a).x.get());
        const auto xb = static_cast<double>(std::get<Dot>(b).x.get());
        Dot d;
        d.x.set(static_cast<std::int64_t>(xa + (xb - xa) * t));
        return d;
    }
    static double error(const World::State& a, const World::State& b) {
        return static_cast<double>(std::llabs(std::get<Dot>(a).x.get() - std::get<Dot>(b).x.get()));
    }
};

constexpr EntityId kMe = 7;

DotGame::World worldAt(std::uint32_t tick, std::int64_t x) {
    DotGame::World w;
    w.tick = tick;
    Dot d;
    d.x.set(x);
    w.set(kMe, d);
    return w;
}

std::int64_t xOf(const DotGame::World& w) { return std::get<Dot>(*w.find(kMe)).x.get(); }

std::int64_t xOf(const std::optional<DotGame::World::State>& s) { return std::get<Dot>(*s).x.get(); }

/// A prediction that started from the server's world of tick 0 and predicted ticks 1..5
/// moving right: the dot at 50.
Prediction<DotGame> fiveStepsRight(double smoothingSeconds = 0.1) {
    Prediction<DotGame> p(smoothingSeconds);
    CHECK_FALSE(p.reconcile(worldAt(0, 0), 0, 1, kMe, 0, 0.0));
    for (std::uint32_t t = 1; t <= 5; ++t) p.predict(t, Step{1}, kMe, 0);
    return p;
}

}  // namespace

static_assert(HasError<DotGame>);

TEST_CASE("each input is simulated at once and kept to be sent again") {
    auto p = fiveStepsRight();
    CHECK(xOf(p.world()) == 50);
    CHECK(p.world().tick == 5);
    REQUIRE(p.input(3) != nullptr);
    CHECK(p.input(3)->dx == 1);
    CHECK(p.input(6) == nullptr);
}

TEST_CASE("a snapshot the prediction agreed with is no correction; the inputs after it are replayed") {
    auto p = fiveStepsRight();
    CHECK_FALSE(p.reconcile(worldAt(2, 20), 2, 6, kMe, 0, 1.0));
    CHECK(xOf(p.world()) == 50);
    CHECK(xOf(p.visible(kMe, 1.0)) == 50);
}

TEST_CASE("a snapshot that disagrees is a correction of the game's error, and the prediction is rebuilt on it") {
    auto p = fiveStepsRight();
    // The server had the dot at 120 at tick 2, where it was predicted at 20.
    const auto error = p.reconcile(worldAt(2, 120), 2, 6, kMe, 0, 10.0);
    REQUIRE(error);
    CHECK(*error == doctest::Approx(100.0));
    CHECK(xOf(p.world()) == 150);  // 120, then ticks 3..5 replayed
    // Only inputs not yet acknowledged are replayed: a snapshot of tick 5 leaves none.
    CHECK_FALSE(p.reconcile(worldAt(5, 150), 5, 6, kMe, 0, 10.0));
    CHECK(xOf(p.world()) == 150);
}

TEST_CASE("a correction is drawn blended in over smoothingSeconds") {
    auto p = fiveStepsRight(0.1);
    REQUIRE(p.reconcile(worldAt(2, 120), 2, 6, kMe, 0, 10.0));
    CHECK(xOf(p.visible(kMe, 10.0)) == 50);    // where the dot was drawn
    CHECK(xOf(p.visible(kMe, 10.05)) == 100);  // half way
    CHECK(xOf(p.visible(kMe, 10.2)) == 150);   // once it is over, the prediction itself

    auto atOnce = fiveStepsRight(0.0);
    REQUIRE(atOnce.reconcile(worldAt(2, 120), 2, 6, kMe, 0, 10.0));
    CHECK(xOf(atOnce.visible(kMe, 10.0)) == 150);
}

TEST_CASE("a spectator predicts nothing: the world is the server's") {
    Prediction<DotGame> p(0.1);
    CHECK_FALSE(p.reconcile(worldAt(4, 33), 4, 9, std::nullopt, 0, 0.0));
    CHECK(xOf(p.world()) == 33);
    CHECK_FALSE(p.visible(std::nullopt, 0.0));
}

TEST_CASE("inputs older than the history are forgotten") {
    Prediction<DotGame> p(0.1);
    (void)p.reconcile(worldAt(0, 0), 0, 1, kMe, 0, 0.0);
    const std::uint32_t last = 300;
    for (std::uint32_t t = 1; t <= last; ++t) p.predict(t, Step{1}, kMe, 0);
    const std::uint32_t oldest = last - static_cast<std::uint32_t>(Prediction<DotGame>::kHistoryTicks) + 1;
    CHECK(p.input(oldest) != nullptr);
    CHECK(p.input(oldest - 1) == nullptr);
    CHECK(xOf(p.world()) == 3000);
}
