#include "../support/made.hpp"
#include <tickwire/engine/input_buffer.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

using namespace tickwire::engine;

namespace {

struct Move {
    int dx = 0;
};

}  // namespace

TEST_CASE("inputs sent redundantly are stored once and taken in tick order") {
    auto buffer = tickwire::test::made(InputBuffer<Move>::create());
    // Every packet carries the last three inputs.
    for (std::uint32_t t = 10; t < 20; ++t) {
        for (std::uint32_t back = 0; back < 3 && back <= t - 10; ++back) buffer.add(t - back, Move{static_cast<int>(t - back)});
    }
    for (std::uint32_t t = 10; t < 20; ++t) CHECK(buffer.take(t).dx == static_cast<int>(t));
    CHECK(buffer.stats().received == 10);
    CHECK(buffer.stats().duplicates == 17);
    CHECK(buffer.stats().missing == 0);
}

TEST_CASE("a missing input repeats the previous one and is counted") {
    auto buffer = tickwire::test::made(InputBuffer<Move>::create());
    buffer.add(1, Move{5});
    buffer.add(3, Move{7});
    CHECK(buffer.take(1).dx == 5);
    CHECK(buffer.take(2).dx == 5);
    CHECK(buffer.take(3).dx == 7);
    CHECK(buffer.stats().missing == 1);
}

TEST_CASE("an input for a tick simulated without it is late; a copy of one used is not") {
    auto buffer = tickwire::test::made(InputBuffer<Move>::create());
    buffer.add(1, Move{1});
    (void)buffer.take(1);
    (void)buffer.take(2);
    buffer.add(2, Move{9});
    buffer.add(2, Move{9});
    buffer.add(1, Move{1});
    CHECK(buffer.stats().late == 1);
    CHECK(buffer.stats().duplicates == 2);
    CHECK(buffer.take(3).dx == 1);
}

TEST_CASE("inputs too far ahead are dropped instead of overwriting the buffer") {
    auto buffer = tickwire::test::made(InputBuffer<Move>::create({.capacity = 8}));
    (void)buffer.take(100);
    buffer.add(101, Move{1});
    buffer.add(109, Move{2});  // 8 ahead of the next tick to simulate: no room
    CHECK(buffer.stats().tooEarly == 1);
    CHECK(buffer.take(101).dx == 1);
    CHECK(buffer.take(109).dx == 1);
}

TEST_CASE("jittered, reordered and lost packets of redundant inputs still deliver every input") {
    auto buffer = tickwire::test::made(InputBuffer<Move>::create());
    std::mt19937 rng(5);
    struct Packet {
        std::uint32_t arrival;
        std::uint32_t newest;
    };
    std::vector<Packet> packets;
    for (std::uint32_t t = 0; t < 600; ++t) {
        if (rng() % 100 < 5) continue;  // 5% lost
        packets.push_back({t + 3 + static_cast<std::uint32_t>(rng() % 3), t});  // 3..5 ticks of latency and jitter
    }
    std::sort(packets.begin(), packets.end(), [](const Packet& a, const Packet& b) { return a.arrival < b.arrival; });
    std::size_t next = 0;
    std::uint64_t wrong = 0;
    for (std::uint32_t tick = 0; tick < 600; ++tick) {
        // The server simulates tick `tick - 6` now: six ticks of buffering.
        while (next < packets.size() && packets[next].arrival <= tick) {
            const std::uint32_t newest = packets[next].newest;
            for (std::uint32_t back = 0; back < 4 && back <= newest; ++back) {
                buffer.add(newest - back, Move{static_cast<int>(newest - back)});
            }
            ++next;
        }
        if (tick >= 6) wrong += buffer.take(tick - 6).dx != static_cast<int>(tick - 6) ? 1 : 0;
    }
    CHECK(wrong == 0);
    CHECK(buffer.stats().missing == 0);
}

TEST_CASE("an input buffer refuses a capacity out of range") {
    const auto refused = InputBufferConfig{.capacity = 1}.validate();
    CHECK(refused.error() == Error::InvalidConfig);
    CHECK(refused.detail().find("capacity") != std::string::npos);
    CHECK_FALSE(InputBuffer<Move>::create({.capacity = 5000}));
}
