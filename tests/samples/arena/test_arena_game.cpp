#include "../../support/made.hpp"
#include "arena_game.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

using namespace arena;
using tickwire::engine::HitHistory;

namespace {

using World = ArenaGame::World;
using In = PlayerInput<Input>;

/// An authoritative server loop: simulate a tick, then record its hit volumes.
struct Server {
    World world;
    HitHistory history = tickwire::test::made(HitHistory::create({.tickRate = kTickRate, .historyTicks = 64, .maxRewindTicks = 30}));
    std::uint32_t tick = 1;

    void step(std::vector<In> inputs) {
        for (auto& in : inputs) in.renderTick = static_cast<double>(tick - 1);
        ArenaGame::simulate(world, inputs, {.tick = tick, .predicting = false, .history = &history});
        world.tick = tick;
        std::vector<HitVolume> volumes;
        ArenaGame::hitVolumes(world, volumes);
        history.record(tick, volumes);
        ++tick;
    }
    Player& at(EntityId id) { return *ArenaGame::player(world, id); }
};

Player placed(double xm, double ym) {
    Player p;
    p.setCm(static_cast<std::int32_t>(xm * 100), static_cast<std::int32_t>(ym * 100));
    return p;
}

bool isSpawnPoint(const Player& p) {
    for (const auto& s : kSpawnPoints) {
        if (s.x == p.xCm() && s.y == p.yCm()) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("the arena's entity layout is the one its clients and replay files were made with") {
    // The codec's schema hash covers every field width of Player; arena-server states it to
    // clients and writes it into every replay, and a reader refuses files of another layout.
    // This is the hash of replays recorded before FloatRange, when Player's position was
    // BoundedFloat<0.0, 40.0, 0.01> and BoundedFloat<0.0, 30.0, 0.01>.
    CHECK(ArenaGame::Codec::schemaHash() == 0xc571b3e394e2f03cull);
    CHECK(decltype(Player::x)::kMaxQuantized == 4000);
    CHECK(decltype(Player::y)::kMaxQuantized == 3000);
    Player p;
    p.x.set(12.345);
    p.y.set(29.995);
    CHECK(p.x.quantized() == 1235);
    CHECK(p.y.quantized() == 3000);
}

TEST_CASE("a player walks into a wall and stops at it, never inside it, and stays in the arena") {
    Server s;
    s.world.set(1, placed(5.0, 8.0));
    for (int i = 0; i < 120; ++i) {
        s.step({{.entity = 1, .input = {.moveX = 1}}});
        CHECK_FALSE(blocked(s.at(1).xCm(), s.at(1).yCm()));
    }
    // The block at x 8..12 m stops the player's 0.4 m radius at 7.6 m.
    CHECK(s.at(1).xCm() == 760);
    CHECK(s.at(1).yCm() == 800);

    // Sliding: pushing diagonally into the wall still moves along it.
    s.step({{.entity = 1, .input = {.moveX = 1, .moveY = 1}}});
    CHECK(s.at(1).xCm() == 760);
    CHECK(s.at(1).yCm() == 807);

    // Out of range input values are clamped, and the outer wall keeps the player inside.
    for (int i = 0; i < 600; ++i) {
        s.step({{.entity = 1, .input = {.moveX = -100, .moveY = -7}}});
        CHECK_FALSE(blocked(s.at(1).xCm(), s.at(1).yCm()));
    }
    CHECK(s.at(1).xCm() == 50 + kPlayerRadiusCm);
    CHECK(s.at(1).yCm() == 50 + kPlayerRadiusCm);
}

TEST_CASE("every spawn point is clear of the walls") {
    for (const auto& p : kSpawnPoints) CHECK_FALSE(blocked(p.x, p.y));
}

TEST_CASE("four hits kill, the shooter scores, and the victim respawns 2 s later at a spawn point") {
    Server s;
    s.world.set(1, placed(5.0, 15.0));
    s.world.set(2, placed(15.0, 15.0));
    s.step({});  // something to rewind to
    const Input fire{.aim = 0, .fire = true};
    int ticks = 0;
    while (s.at(2).alive && ticks < 200) {
        s.step({{.entity = 1, .input = fire}});
        ++ticks;
    }
    // Shots at the first tick and then every 15 ticks: the fourth kills.
    CHECK(ticks == 3 * kFireCooldownTicks + 1);
    CHECK_FALSE(s.at(2).alive);
    CHECK(s.at(2).health.get() == 0);
    CHECK(s.at(2).deaths.get() == 1);
    CHECK(s.at(1).score.get() == 1);
    CHECK(s.at(1).hits.get() == 4);
    CHECK(s.at(2).hits.get() == 0);

    // Dead players neither move nor shoot, and are not hit.
    const Player corpse = s.at(2);
    for (std::int64_t i = 1; i < kRespawnTicks; ++i) {
        s.step({{.entity = 1, .input = fire}, {.entity = 2, .input = {.moveX = 1, .aim = 2048, .fire = true}}});
        CHECK_FALSE(s.at(2).alive);
        CHECK(s.at(2).xCm() == corpse.xCm());
        CHECK_FALSE(s.at(2).firing);
    }
    CHECK(s.at(1).health.get() == kMaxHealth);
    CHECK(s.at(2).deaths.get() == 1);
    s.step({});
    CHECK(s.at(2).alive);
    CHECK(s.at(2).health.get() == kMaxHealth);
    CHECK(isSpawnPoint(s.at(2)));
    CHECK_FALSE(blocked(s.at(2).xCm(), s.at(2).yCm()));
}

TEST_CASE("a wall between shooter and target blocks the shot") {
    Server s;
    s.world.set(1, placed(5.0, 8.0));
    s.world.set(2, placed(15.0, 8.0));  // behind the block at x 8..12 m
    s.world.set(3, placed(5.0, 15.0));
    s.world.set(4, placed(15.0, 15.0));  // in the open, for comparison
    s.step({});
    const Input fire{.aim = 0, .fire = true};
    s.step({{.entity = 1, .input = fire}, {.entity = 3, .input = fire}});
    CHECK(s.at(1).firing);
    CHECK(s.at(2).health.get() == kMaxHealth);
    CHECK(s.at(4).health.get() == kMaxHealth - kShotDamage);
    CHECK(s.history.stats().shots == 2);
}

TEST_CASE("fire cooldown is respected") {
    Server s;
    s.world.set(1, placed(5.0, 15.0));
    s.world.set(2, placed(15.0, 15.0));
    s.step({});
    int shots = 0;
    for (int i = 0; i < 30; ++i) {
        s.step({{.entity = 1, .input = {.aim = 0, .fire = true}}});
        if (s.at(1).firing) ++shots;
    }
    CHECK(shots == 2);
    CHECK(s.at(2).health.get() == kMaxHealth - 2 * kShotDamage);
}

TEST_CASE("simulate is deterministic: the same inputs twice give identical worlds") {
    auto run = [] {
        Server s;
        for (EntityId id = 1; id <= 4; ++id) (void)ArenaGame::spawn(s.world, id * 3);
        std::uint32_t seed = 12345;
        auto next = [&seed] {
            seed = seed * 1664525u + 1013904223u;
            return seed >> 16;
        };
        for (int t = 0; t < 900; ++t) {
            std::vector<In> inputs;
            for (const auto& e : s.world.entities) {
                Input in;
                if (next() % 2 == 0) in = ArenaGame::botInput(s.world, e.id, s.tick);
                else in = {.moveX = static_cast<std::int8_t>(static_cast<int>(next() % 3) - 1),
                           .moveY = static_cast<std::int8_t>(static_cast<int>(next() % 3) - 1),
                           .aim = static_cast<std::int16_t>(next() % 4096),
                           .fire = next() % 2 == 0};
                inputs.push_back({.entity = e.id, .input = in});
            }
            s.step(std::move(inputs));
        }
        return s.world;
    };
    const World a = run();
    const World b = run();
    CHECK(a == b);
    std::int64_t damage = 0;
    for (const auto& e : a.entities) {
        const auto& p = std::get<Player>(e.state);
        damage += p.deaths.get() * kMaxHealth + (kMaxHealth - p.health.get());
    }
    CHECK(damage > 0);  // the run did exercise shots
}

TEST_CASE("prediction with only the local input matches the server when nobody else plays") {
    Server server;
    World predicted;
    const EntityId me = ArenaGame::spawn(server.world, 7);
    (void)ArenaGame::spawn(predicted, 7);
    for (int t = 0; t < 600; ++t) {
        const Input in{.moveX = static_cast<std::int8_t>((t / 40) % 3 - 1),
                       .moveY = static_cast<std::int8_t>((t / 70) % 3 - 1),
                       .aim = static_cast<std::int16_t>(t * 37),
                       .fire = (t / 10) % 2 == 0};
        const std::vector<In> local{{.entity = me, .input = in, .renderTick = static_cast<double>(server.tick - 1)}};
        ArenaGame::simulate(predicted, local, {.tick = server.tick, .predicting = true});
        server.step(local);
        REQUIRE(*ArenaGame::player(predicted, me) == server.at(me));
    }
}

TEST_CASE("two bots placed apart damage each other within 20 simulated seconds") {
    Server s;
    s.world.set(1, placed(3.0, 3.0));
    s.world.set(2, placed(37.0, 27.0));  // the diagonal between them runs through a block
    bool hurt1 = false, hurt2 = false;
    for (std::uint32_t t = 0; t < 20 * kTickRate && !(hurt1 && hurt2); ++t) {
        s.step({{.entity = 1, .input = ArenaGame::botInput(s.world, 1, s.tick)},
                {.entity = 2, .input = ArenaGame::botInput(s.world, 2, s.tick)}});
        hurt1 = hurt1 || s.at(1).health.get() < kMaxHealth || s.at(1).deaths.get() > 0;
        hurt2 = hurt2 || s.at(2).health.get() < kMaxHealth || s.at(2).deaths.get() > 0;
        CHECK_FALSE(blocked(s.at(1).xCm(), s.at(1).yCm()));
        CHECK_FALSE(blocked(s.at(2).xCm(), s.at(2).yCm()));
    }
    CHECK(hurt1);
    CHECK(hurt2);
}

TEST_CASE("blend moves the position only and error is a distance in metres") {
    Player a = placed(1.0, 2.0);
    Player b = placed(3.0, 6.0);
    b.health.set(40);
    const auto mid = std::get<Player>(ArenaGame::blend(a, b, 0.5));
    CHECK(mid.xCm() == 200);
    CHECK(mid.yCm() == 400);
    CHECK(mid.health.get() == 40);
    CHECK(ArenaGame::error(a, b) == doctest::Approx(std::hypot(2.0, 4.0)));
}

TEST_CASE("the match clock counts down from five minutes and stops at zero") {
    CHECK(ArenaGame::kMatchSeconds == 300);
    CHECK(ArenaGame::matchSecondsLeft(0, 60) == 300.0);
    CHECK(ArenaGame::matchSecondsLeft(60 * 60, 60) == 240.0);
    CHECK(ArenaGame::matchSecondsLeft(ArenaGame::kMatchTicks + 100, kTickRate) == 0.0);
}

TEST_CASE("an aim angle becomes the nearest of 4096 steps per turn, wrapped") {
    CHECK(aimFromRadians(0.0) == 0);
    CHECK(aimFromRadians(std::numbers::pi / 2) == 1024);
    CHECK(aimFromRadians(-std::numbers::pi / 2) == -1024);
    CHECK(aimFromRadians(2.5 * std::numbers::pi) == 1024);
}

TEST_CASE("a small arena shows everyone to everyone; a crowded one shows each player its kCrowd nearest") {
    World small;
    for (EntityId id = 1; id <= ArenaGame::kCrowd + 1; ++id) small.set(id, placed(1.0 + id * 0.7, id % 2 ? 2.0 : 28.0));
    auto everyone = ArenaGame::interest(small, 1);
    for (const auto& e : small.entities) CHECK(everyone(e));

    // 1000 players on a 40 x 25 grid: the viewer and exactly its kCrowd nearest are in view.
    World crowd;
    EntityId id = 1;
    for (int gx = 0; gx < 40; ++gx) {
        for (int gy = 0; gy < 25; ++gy) crowd.set(id++, placed(0.5 + gx, 1.0 + gy * 1.15));
    }
    REQUIRE(crowd.entities.size() == 1000);
    const EntityId middle = 20 * 25 + 13;  // gx = 20, gy = 12
    auto near = ArenaGame::interest(crowd, middle);
    std::vector<EntityId> seen;
    for (const auto& e : crowd.entities) {
        if (near(e)) seen.push_back(e.id);
    }
    CHECK(seen.size() == ArenaGame::kCrowd + 1);
    CHECK(std::find(seen.begin(), seen.end(), middle) != seen.end());
    CHECK(std::find(seen.begin(), seen.end(), middle + 1) != seen.end());  // its neighbour
    CHECK(std::find(seen.begin(), seen.end(), EntityId{1}) == seen.end());  // the far corner

    // A crowd on one spot (everyone at the same distance): still only kCrowd, the lowest ids.
    World stacked;
    for (EntityId i = 1; i <= 200; ++i) stacked.set(i, placed(20.0, 15.0));
    auto fromStack = ArenaGame::interest(stacked, 100);
    std::vector<EntityId> admitted;
    for (const auto& e : stacked.entities) {
        if (fromStack(e)) admitted.push_back(e.id);
    }
    CHECK(admitted.size() == ArenaGame::kCrowd + 1);
    CHECK(admitted.front() == 1);
}
