#include <tickwire/engine/lag_compensation.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>
#include <string>
#include <vector>

using namespace tickwire::engine;

// Counts heap allocations so the tests can check that the history reuses its storage.
namespace {
std::size_t gAllocations = 0;
}  // namespace

void* operator new(std::size_t size) {
    ++gAllocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

HitHistory makeHistory(LagCompensationConfig config = {}) {
    auto history = HitHistory::create(config);
    REQUIRE(history.has_value());
    return std::move(*history);
}

void recordOne(HitHistory& history, std::uint32_t tick, HitVolume volume) {
    history.record(tick, std::span<const HitVolume>(&volume, 1));
}

// The crossing target: entity 7, moving along +x at kSpeed units per tick, 10 units in front
// of a shooter standing at the origin and facing +y.
constexpr float kSpeed = 0.5f;
constexpr float kRadius = 0.5f;
constexpr EntityId kShooter = 1;
constexpr EntityId kTarget = 7;

Vec3f targetAt(double tick) { return {static_cast<float>(-40.0 + kSpeed * tick), 10.f, 0.f}; }

// Records ticks 0..last with the target and the shooter (who must never be hit).
HitHistory crossingHistory(std::uint32_t last, LagCompensationConfig config = {}) {
    HitHistory history = makeHistory(config);
    for (std::uint32_t tick = 0; tick <= last; ++tick) {
        const HitVolume volumes[] = {{.id = kShooter, .center = {}, .radius = kRadius},
                                     {.id = kTarget, .center = targetAt(tick), .radius = kRadius}};
        history.record(tick, volumes);
    }
    return history;
}

}  // namespace

TEST_CASE("a config outside its ranges is refused with a reason") {
    CHECK(LagCompensationConfig{}.validate().has_value());

    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const auto& bad : {LagCompensationConfig{.tickRate = 0}, LagCompensationConfig{.tickRate = 1001},
                            LagCompensationConfig{.tickRate = nan},
                            LagCompensationConfig{.historyTicks = 0, .maxRewindTicks = 0},
                            LagCompensationConfig{.historyTicks = 1025},
                            LagCompensationConfig{.historyTicks = 16, .maxRewindTicks = 17},
                            LagCompensationConfig{.maxVolumesPerTick = 0},
                            LagCompensationConfig{.maxVolumesPerTick = 65537}}) {
        auto ok = bad.validate();
        REQUIRE_FALSE(ok.has_value());
        CHECK(ok.error() == Error::InvalidConfig);
        CHECK_FALSE(ok.detail().empty());
        auto history = HitHistory::create(bad);
        REQUIRE_FALSE(history.has_value());
        CHECK(history.error() == Error::InvalidConfig);
    }
    const auto rewind = LagCompensationConfig{.historyTicks = 16, .maxRewindTicks = 17}.validate();
    CHECK(rewind.error() == Error::InvalidConfig);
    CHECK(rewind.detail() == "maxRewindTicks must not exceed historyTicks");

    CHECK(LagCompensationConfig{.tickRate = 1, .historyTicks = 1, .maxRewindTicks = 0, .maxVolumesPerTick = 1}
              .validate()
              .has_value());
    CHECK(LagCompensationConfig{.tickRate = 1000, .historyTicks = 1024, .maxRewindTicks = 1024,
                                .maxVolumesPerTick = 65536}
              .validate()
              .has_value());
    CHECK(LagCompensationConfig{}.maxRewindSeconds() == doctest::Approx(0.5));
}

TEST_CASE("a shot at where a crossing target was drawn 150 ms ago hits with compensation and misses without") {
    const std::uint32_t current = 100;
    const std::uint32_t renderTick = current - 9;  // 150 ms at 60 Hz
    HitHistory history = crossingHistory(current);

    // The shooter aims exactly at the target's centre as its screen showed it.
    const Vec3f aim = targetAt(renderTick);
    const auto hit = history.resolveShot({}, aim, 100.f, renderTick, current, kShooter);
    REQUIRE(hit.has_value());
    CHECK(hit->id == kTarget);
    CHECK(hit->distance == doctest::Approx(length(aim) - kRadius).epsilon(1e-4));
    CHECK(length(hit->point - targetAt(renderTick)) == doctest::Approx(kRadius).epsilon(1e-3));

    // The same shot, resolved against the present: the target moved 4.5 units on.
    CHECK_FALSE(history.resolveShot({}, aim, 100.f, renderTick, current, kShooter, false).has_value());
    // Aiming at where it is now only works without compensation.
    CHECK(history.resolveShot({}, targetAt(current), 100.f, renderTick, current, kShooter, false).has_value());
    CHECK_FALSE(history.resolveShot({}, targetAt(current), 100.f, renderTick, current, kShooter).has_value());

    const auto& stats = history.stats();
    CHECK(stats.shots == 4);
    CHECK(stats.rewound == 2);
    CHECK(stats.clamped == 0);
    CHECK(stats.outsideHistory == 0);
}

TEST_CASE("a shot claiming a render tick 2 s old is resolved at the rewind cap and counted") {
    const std::uint32_t current = 200;
    HitHistory history = crossingHistory(current);  // 64 ticks held, cap 30
    REQUIRE(history.oldestTick() == current - 63);

    const double claimed = current - 120.0;  // 2 s at 60 Hz
    CHECK(history.rewindTarget(claimed, current) == current - 30.0);
    CHECK(history.stats().clamped == 1);

    // Where the target was 2 s ago is a miss; where it was at the cap is a hit.
    CHECK_FALSE(history.resolveShot({}, targetAt(claimed), 100.f, claimed, current, kShooter).has_value());
    const auto hit = history.resolveShot({}, targetAt(current - 30), 100.f, claimed, current, kShooter);
    REQUIRE(hit.has_value());
    CHECK(hit->id == kTarget);
    CHECK(history.stats().clamped == 3);
    CHECK(history.stats().rewound == 2);

    // A render tick inside the cap is left alone.
    CHECK(history.rewindTarget(current - 29.5, current) == current - 29.5);
    CHECK(history.stats().clamped == 3);
}

TEST_CASE("a render tick in the future or NaN resolves at the current tick and is counted") {
    HitHistory history = crossingHistory(50);
    CHECK(history.rewindTarget(55, 50) == 50.0);
    CHECK(history.rewindTarget(std::numeric_limits<double>::quiet_NaN(), 50) == 50.0);
    CHECK(history.rewindTarget(-std::numeric_limits<double>::infinity(), 50) == 20.0);
    CHECK(history.stats().clamped == 3);
    // Early in a match the cap cannot go below tick 0.
    CHECK(history.rewindTarget(-5, 10) == 0.0);
}

TEST_CASE("a target outside what the history holds is moved into it and counted") {
    HitHistory empty = makeHistory();
    CHECK(empty.empty());
    CHECK(empty.rewindTarget(95, 100) == 95.0);
    CHECK(empty.stats().outsideHistory == 1);
    CHECK_FALSE(empty.resolveShot({}, {0, 1, 0}, 100.f, 95, 100, kShooter).has_value());
    CHECK(empty.volumesAt(0).empty());

    // Shots resolved before the current tick is recorded land on the newest recorded tick.
    HitHistory history = crossingHistory(99);
    CHECK(history.rewindTarget(100, 100) == 99.0);
    CHECK(history.stats().outsideHistory == 1);
    CHECK(history.resolveShot({}, targetAt(99), 100.f, 100, 100, kShooter, false).has_value());
    CHECK(history.stats().rewound == 0);

    // With historyTicks == maxRewindTicks the full rewind from a recorded current tick is one
    // tick older than the history: it resolves at the oldest remembered tick.
    HitHistory tight = crossingHistory(100, {.historyTicks = 30, .maxRewindTicks = 30});
    CHECK(tight.oldestTick() == 71);
    CHECK(tight.rewindTarget(0, 100) == 71.0);
    CHECK(tight.stats().clamped == 1);
    CHECK(tight.stats().outsideHistory == 1);
}

TEST_CASE("fractional ticks interpolate centres and radii linearly") {
    HitHistory history = makeHistory();
    recordOne(history, 10, {.id = 3, .center = {0, 0, 0}, .radius = 1});
    recordOne(history, 11, {.id = 3, .center = {4, -2, 8}, .radius = 3});

    const auto quarter = history.volumesAt(10.25);
    REQUIRE(quarter.size() == 1);
    CHECK(quarter[0].id == 3);
    CHECK(quarter[0].center.x == doctest::Approx(1));
    CHECK(quarter[0].center.y == doctest::Approx(-0.5));
    CHECK(quarter[0].center.z == doctest::Approx(2));
    CHECK(quarter[0].radius == doctest::Approx(1.5));

    CHECK(history.volumesAt(10)[0].center == Vec3f{0, 0, 0});
    CHECK(history.volumesAt(11)[0].center == Vec3f{4, -2, 8});
    CHECK(history.volumesAt(9.99).empty());
    CHECK(history.volumesAt(11.01).empty());
    CHECK(history.volumesAt(std::numeric_limits<double>::quiet_NaN()).empty());

    // A shot at the interpolated position hits; one at either recorded position misses.
    HitHistory crossing = crossingHistory(100);
    const double renderTick = 90.5;  // target drawn between ticks 90 and 91
    CHECK(crossing.volumesAt(renderTick)[1].center.x == doctest::Approx(targetAt(renderTick).x));
    const Vec3f aim = targetAt(renderTick) + Vec3f{0.45f, 0, 0};  // right of the drawn centre
    const auto hit = crossing.raycast({}, aim, 100.f, renderTick, kShooter);
    REQUIRE(hit.has_value());
    CHECK(hit->id == kTarget);
    CHECK_FALSE(crossing.raycast({}, aim, 100.f, 90, kShooter).has_value());
}

TEST_CASE("skipped ticks are interpolated over") {
    HitHistory history = makeHistory();
    recordOne(history, 20, {.id = 1, .center = {0, 0, 0}, .radius = 1});
    recordOne(history, 24, {.id = 1, .center = {8, 0, 0}, .radius = 1});
    CHECK(history.oldestTick() == 20);
    CHECK(history.newestTick() == 24);
    const auto mid = history.volumesAt(21);
    REQUIRE(mid.size() == 1);
    CHECK(mid[0].center.x == doctest::Approx(2));
    CHECK(history.volumesAt(23.5)[0].center.x == doctest::Approx(7));
}

TEST_CASE("an entity present at only one of two ticks is taken from that tick") {
    HitHistory history = makeHistory();
    const HitVolume before[] = {{.id = 2, .center = {0, 0, 0}, .radius = 1}, {.id = 1, .center = {5, 5, 0}, .radius = 1}};
    const HitVolume after[] = {{.id = 3, .center = {-5, 5, 0}, .radius = 1}, {.id = 2, .center = {2, 0, 0}, .radius = 1}};
    history.record(10, before);  // 1 disappears after this tick
    history.record(11, after);   // 3 appears at this tick

    const auto mid = history.volumesAt(10.5);
    REQUIRE(mid.size() == 3);
    CHECK(mid[0].id == 1);
    CHECK(mid[0].center == Vec3f{5, 5, 0});
    CHECK(mid[1].id == 2);
    CHECK(mid[1].center.x == doctest::Approx(1));
    CHECK(mid[2].id == 3);
    CHECK(mid[2].center == Vec3f{-5, 5, 0});

    const auto at10 = history.volumesAt(10);
    REQUIRE(at10.size() == 2);
    CHECK(at10[0].id == 1);
    CHECK(at10[1].id == 2);
    const auto at11 = history.volumesAt(11);
    REQUIRE(at11.size() == 2);
    CHECK(at11[0].id == 2);
    CHECK(at11[1].id == 3);
}

TEST_CASE("an entity's several volumes are matched between ticks in the order they were recorded") {
    HitHistory history = makeHistory();
    // Entity 5 has a body then a head; entity 4 is recorded between them.
    const HitVolume before[] = {{.id = 5, .center = {0, 0, 0}, .radius = 1},
                                {.id = 4, .center = {9, 9, 9}, .radius = 1},
                                {.id = 5, .center = {0, 0, 2}, .radius = 0.5f}};
    const HitVolume after[] = {{.id = 5, .center = {2, 0, 0}, .radius = 1},
                               {.id = 5, .center = {2, 0, 2}, .radius = 0.5f},
                               {.id = 4, .center = {9, 9, 9}, .radius = 1}};
    history.record(0, before);
    history.record(1, after);
    const auto mid = history.volumesAt(0.5);
    REQUIRE(mid.size() == 3);
    CHECK(mid[0].id == 4);
    CHECK(mid[1].id == 5);
    CHECK(mid[1].center.x == doctest::Approx(1));
    CHECK(mid[1].center.z == doctest::Approx(0));
    CHECK(mid[1].radius == doctest::Approx(1));
    CHECK(mid[2].id == 5);
    CHECK(mid[2].center.x == doctest::Approx(1));
    CHECK(mid[2].center.z == doctest::Approx(2));
    CHECK(mid[2].radius == doctest::Approx(0.5));
}

TEST_CASE("rays miss what they pass by, what is behind them and what is beyond their reach") {
    HitHistory history = makeHistory();
    recordOne(history, 0, {.id = 9, .center = {0, 10, 0}, .radius = 1});

    CHECK_FALSE(history.raycast({}, {1, 0, 0}, 100.f, 0).has_value());           // passes by
    CHECK_FALSE(history.raycast({1.01f, 0, 0}, {0, 1, 0}, 100.f, 0).has_value()); // just grazes past
    CHECK_FALSE(history.raycast({}, {0, -1, 0}, 100.f, 0).has_value());          // behind
    CHECK_FALSE(history.raycast({}, {0, 1, 0}, 8.99f, 0).has_value());           // out of reach
    CHECK_FALSE(history.raycast({}, {0, 0, 0}, 100.f, 0).has_value());           // no direction
    CHECK_FALSE(history.raycast({}, {0, 1, 0}, -1.f, 0).has_value());
    CHECK_FALSE(history.raycast({}, {0, 1, 0}, std::numeric_limits<float>::quiet_NaN(), 0).has_value());
    CHECK_FALSE(history.raycast({std::numeric_limits<float>::infinity(), 0, 0}, {0, 1, 0}, 100.f, 0).has_value());
    CHECK_FALSE(history.raycast({}, {0, 1, 0}, 100.f, 1).has_value());           // tick not held

    const auto hit = history.raycast({}, {0, 1, 0}, 9.f, 0);  // reach exactly the surface
    REQUIRE(hit.has_value());
    CHECK(hit->id == 9);
    CHECK(hit->distance == doctest::Approx(9));
    CHECK(hit->point.y == doctest::Approx(9));

    // Direction length does not matter.
    for (float scale : {1e-30f, 0.001f, 3.f, 1e30f}) {
        const auto scaled = history.raycast({}, {0, scale, 0}, 100.f, 0);
        REQUIRE(scaled.has_value());
        CHECK(scaled->distance == doctest::Approx(9));
    }
    // A 2D hit at an angle: the ray enters where it first touches the circle.
    const auto angled = history.raycast({-10, 0, 0}, {1, 1, 0}, 100.f, 0);
    REQUIRE(angled.has_value());
    CHECK(length(angled->point - Vec3f{0, 10, 0}) == doctest::Approx(1));
    CHECK(length(angled->point - Vec3f{-10, 0, 0}) == doctest::Approx(angled->distance));
}

TEST_CASE("a ray starting inside a volume hits it at distance 0") {
    HitHistory history = makeHistory();
    recordOne(history, 0, {.id = 9, .center = {0, 0, 0}, .radius = 2});
    for (Vec3f dir : {Vec3f{1, 0, 0}, Vec3f{-1, 0, 0}, Vec3f{0, 0, 1}}) {
        const auto hit = history.raycast({0.5f, 0.5f, 0}, dir, 100.f, 0);
        REQUIRE(hit.has_value());
        CHECK(hit->id == 9);
        CHECK(hit->distance == 0);
        CHECK(hit->point == Vec3f{0.5f, 0.5f, 0});
    }
    // Volumes with no size are never hit, even from their centre.
    recordOne(history, 1, {.id = 9, .center = {0, 0, 0}, .radius = 0});
    CHECK_FALSE(history.raycast({}, {1, 0, 0}, 100.f, 1).has_value());
}

TEST_CASE("the nearest of two volumes on the line of fire is hit and the shooter is ignored") {
    HitHistory history = makeHistory();
    const HitVolume volumes[] = {{.id = 30, .center = {0, 20, 0}, .radius = 1},  // far, recorded first
                                 {.id = 40, .center = {0, 10, 0}, .radius = 1},  // near
                                 {.id = kShooter, .center = {0, 0, 0}, .radius = 1}};
    history.record(0, volumes);

    const auto hit = history.raycast({}, {0, 1, 0}, 100.f, 0, kShooter);
    REQUIRE(hit.has_value());
    CHECK(hit->id == 40);
    CHECK(hit->distance == doctest::Approx(9));

    // Without ignoring it, the shooter's own volume (which the ray starts in) is hit.
    const auto self = history.raycast({}, {0, 1, 0}, 100.f, 0);
    REQUIRE(self.has_value());
    CHECK(self->id == kShooter);

    // Ignoring the near one reveals the far one.
    const auto far = history.raycast({0, 2, 0}, {0, 1, 0}, 100.f, 0, 40);
    REQUIRE(far.has_value());
    CHECK(far->id == 30);
    CHECK(far->distance == doctest::Approx(17));

    // The shooter is never hit by its own resolved shot.
    const auto shot = history.resolveShot({}, {0, 1, 0}, 100.f, 0, 0, kShooter);
    REQUIRE(shot.has_value());
    CHECK(shot->id == 40);
}

TEST_CASE("a tie between volumes goes to the lowest entity id") {
    HitHistory history = makeHistory();
    const HitVolume volumes[] = {{.id = 8, .center = {0, 10, 0}, .radius = 1}, {.id = 6, .center = {0, 10, 0}, .radius = 1}};
    history.record(0, volumes);
    const auto hit = history.raycast({}, {0, 1, 0}, 100.f, 0);
    REQUIRE(hit.has_value());
    CHECK(hit->id == 6);
}

TEST_CASE("the ring wraps around correctly over 10,000 ticks") {
    constexpr std::uint32_t kHistory = 16;
    HitHistory history = makeHistory({.historyTicks = kHistory, .maxRewindTicks = 8});
    for (std::uint32_t tick = 0; tick < 10'000; ++tick) {
        const HitVolume volumes[] = {{.id = 1, .center = {static_cast<float>(tick), 0, 0}, .radius = 1},
                                     {.id = 2, .center = {0, static_cast<float>(tick) * 2, 0}, .radius = 1}};
        history.record(tick, volumes);
        const std::uint32_t oldest = tick >= kHistory - 1 ? tick - (kHistory - 1) : 0;
        REQUIRE(history.newestTick() == tick);
        REQUIRE(history.oldestTick() == oldest);
        REQUIRE(history.volumesAt(oldest).size() == 2);
        REQUIRE(history.volumesAt(oldest)[0].center.x == static_cast<float>(oldest));
        if (oldest > 0) REQUIRE(history.volumesAt(oldest - 1).empty());
        if (tick >= 8) {
            const double back = tick - 7.5;
            const auto mid = history.volumesAt(back);
            REQUIRE(mid.size() == 2);
            REQUIRE(mid[0].center.x == doctest::Approx(back));
            REQUIRE(mid[1].center.y == doctest::Approx(back * 2));
            REQUIRE(history.rewindTarget(0, tick) == tick - 8.0);
        }
    }
    CHECK(history.stats().droppedVolumes == 0);
    CHECK(history.stats().outsideHistory == 0);
}

TEST_CASE("a jump longer than the history forgets everything before it") {
    HitHistory history = makeHistory({.historyTicks = 16, .maxRewindTicks = 8});
    for (std::uint32_t tick = 0; tick < 20; ++tick) recordOne(history, tick, {.id = 1, .center = {}, .radius = 1});
    recordOne(history, 100, {.id = 2, .center = {}, .radius = 1});
    CHECK(history.oldestTick() == 100);
    CHECK(history.newestTick() == 100);
    CHECK(history.volumesAt(19).empty());
    CHECK(history.volumesAt(99.5).empty());
    // A jump shorter than the history keeps the ticks still inside the window.
    recordOne(history, 110, {.id = 2, .center = {10, 0, 0}, .radius = 1});
    recordOne(history, 120, {.id = 2, .center = {20, 0, 0}, .radius = 1});
    CHECK(history.oldestTick() == 110);
    CHECK(history.volumesAt(115)[0].center.x == doctest::Approx(15));
}

TEST_CASE("recording the newest tick again replaces it and an older tick is ignored and counted") {
    HitHistory history = makeHistory();
    recordOne(history, 5, {.id = 1, .center = {1, 0, 0}, .radius = 1});
    recordOne(history, 6, {.id = 1, .center = {2, 0, 0}, .radius = 1});
    recordOne(history, 6, {.id = 1, .center = {3, 0, 0}, .radius = 1});
    CHECK(history.volumesAt(6)[0].center.x == 3);
    recordOne(history, 5, {.id = 1, .center = {9, 0, 0}, .radius = 1});
    CHECK(history.volumesAt(5)[0].center.x == 1);
    CHECK(history.stats().ignoredRecords == 1);
    CHECK(history.newestTick() == 6);

    history.clear();
    CHECK(history.empty());
    CHECK(history.volumesAt(6).empty());
    recordOne(history, 2, {.id = 1, .center = {4, 0, 0}, .radius = 1});  // older than before clear()
    CHECK(history.oldestTick() == 2);
    CHECK(history.volumesAt(2)[0].center.x == 4);
    CHECK(history.stats().ignoredRecords == 1);
}

TEST_CASE("volumes beyond the per-tick limit are dropped and counted") {
    HitHistory history = makeHistory({.maxVolumesPerTick = 3});
    std::vector<HitVolume> volumes;
    for (EntityId id = 10; id > 5; --id) volumes.push_back({.id = id, .center = {}, .radius = 1});
    history.record(0, volumes);
    const auto held = history.volumesAt(0);
    REQUIRE(held.size() == 3);
    // The first three given are kept (10, 9, 8), returned sorted by id.
    CHECK(held[0].id == 8);
    CHECK(held[2].id == 10);
    CHECK(history.stats().droppedVolumes == 2);
}

TEST_CASE("once the ring has gone round, recording and hit tests do not allocate") {
    HitHistory history = makeHistory({.historyTicks = 8, .maxRewindTicks = 4});
    std::vector<HitVolume> volumes(50);
    auto fill = [&volumes](std::uint32_t tick) {
        for (std::size_t i = 0; i < volumes.size(); ++i) {
            volumes[i] = {.id = static_cast<EntityId>(volumes.size() - i), .center = {static_cast<float>(tick), 10, 0},
                          .radius = 0.5f};
        }
    };
    for (std::uint32_t tick = 0; tick < 8; ++tick) {
        fill(tick);
        history.record(tick, volumes);
    }
    std::size_t hits = 0;
    const std::size_t before = gAllocations;
    for (std::uint32_t tick = 8; tick < 200; ++tick) {
        fill(tick);
        history.record(tick, volumes);
        if (history.resolveShot({static_cast<float>(tick) - 2.5f, 0, 0}, {0, 1, 0}, 100.f, tick - 2.5, tick, 0)) {
            ++hits;
        }
    }
    CHECK(gAllocations == before);
    CHECK(hits == 192);
}
