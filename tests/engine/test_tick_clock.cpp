#include <tickwire/engine/tick_clock.hpp>

#include <doctest/doctest.h>

#include <random>
#include <string>

using namespace tickwire::engine;

namespace {

TickClock makeClock(std::uint32_t rate, std::uint32_t cap = 8) {
    auto clock = TickClock::create(TickClockConfig{.tickRate = rate, .maxCatchUpTicks = cap});
    REQUIRE(clock.has_value());
    return *clock;
}

// Ticks a perfect clock owes after `elapsed` µs: floor(elapsed × rate / 10^6).
std::uint64_t owed(std::uint64_t elapsed, std::uint64_t rate) { return elapsed * rate / 1'000'000; }

}  // namespace

TEST_CASE("a config outside its ranges is refused with a reason") {
    CHECK(TickClockConfig{}.validate().has_value());

    for (const auto& bad : {TickClockConfig{.tickRate = 0}, TickClockConfig{.tickRate = 1001},
                            TickClockConfig{.maxCatchUpTicks = 0}, TickClockConfig{.maxCatchUpTicks = 1001}}) {
        auto ok = bad.validate();
        REQUIRE_FALSE(ok.has_value());
        CHECK(ok.error() == Error::InvalidConfig);
        CHECK_FALSE(ok.detail().empty());
        auto clock = TickClock::create(bad);
        REQUIRE_FALSE(clock.has_value());
        CHECK(clock.error() == Error::InvalidConfig);
    }
    CHECK(TickClockConfig{.tickRate = 1, .maxCatchUpTicks = 1}.validate().has_value());
    CHECK(TickClockConfig{.tickRate = 1000, .maxCatchUpTicks = 1000}.validate().has_value());
}

TEST_CASE("the first advance sets the time origin and ticks start at 0") {
    TickClock clock = makeClock(60);
    CHECK(clock.tick() == 0);
    CHECK(clock.advance(5'000'000'000) == 0);
    CHECK(clock.tick() == 0);
    CHECK(clock.advance(5'000'000'000 + 16'666) == 0);
    CHECK(clock.advance(5'000'000'000 + 16'667) == 1);
    CHECK(clock.batchFirstTick() == 0);
    CHECK(clock.tick() == 1);
    CHECK(clock.advance(5'000'000'000 + 50'000) == 2);
    CHECK(clock.batchFirstTick() == 1);
    CHECK(clock.tick() == 3);
    CHECK(clock.droppedTicks() == 0);
}

TEST_CASE("an hour of 60 Hz in one-tick steps produces exactly 216,000 ticks") {
    TickClock clock = makeClock(60);
    CHECK(clock.advance(0) == 0);
    std::uint64_t produced = 0;
    // Steps of the rounded-down duration: a clock that rounded its tick duration would drift.
    const std::uint64_t end = 3'600'000'000;
    for (std::uint64_t now = 16'666; now <= end; now += 16'666) produced += clock.advance(now);
    produced += clock.advance(end);
    CHECK(produced == 216'000);
    CHECK(clock.tick() == 216'000);
    CHECK(clock.droppedTicks() == 0);
}

TEST_CASE("3,600,000 ticks' worth of time yields exactly 3,600,000 ticks at 60, 30, 128 and 1000 Hz") {
    for (const std::uint32_t rate : {60u, 30u, 128u, 1000u}) {
        CAPTURE(rate);
        TickClock clock = makeClock(rate);
        const std::uint64_t start = 123'456'789;
        CHECK(clock.advance(start) == 0);
        // 3.6M ticks = 3.6M × 10^6 / rate µs, a whole number for these rates.
        const std::uint64_t span = 3'600'000ull * 1'000'000 / rate;
        std::mt19937_64 rng(rate);
        // Irregular steps from 0 to ~3 ticks long, never enough to hit the catch-up cap.
        std::uniform_int_distribution<std::uint64_t> step(0, 3'000'000 / rate);
        std::uint64_t produced = 0;
        std::uint64_t now = start;
        while (now < start + span) {
            now = std::min(now + step(rng), start + span);
            const std::uint32_t n = clock.advance(now);
            CHECK(n <= 8);
            produced += n;
            if (produced != owed(now - start, rate)) {
                FAIL_CHECK("count drifted at " << now - start << " µs");
                break;
            }
            CHECK(clock.alpha() >= 0.0);
            CHECK(clock.alpha() < 1.0);
        }
        CHECK(produced == 3'600'000);
        CHECK(clock.tick() == 3'600'000);
        CHECK(clock.droppedTicks() == 0);
    }
}

TEST_CASE("backlog beyond the catch-up cap is dropped and counted") {
    TickClock clock = makeClock(100, 5);
    CHECK(clock.advance(0) == 0);
    CHECK(clock.advance(10'000 * 12 + 4'000) == 5);  // 12.4 ticks due
    CHECK(clock.tick() == 5);
    CHECK(clock.droppedTicks() == 7);
    CHECK(clock.alpha() == doctest::Approx(0.4));  // the partial tick is kept
    CHECK(clock.advance(10'000 * 13) == 1);        // 0.4 + 0.6
    CHECK(clock.tick() == 6);
    CHECK(clock.droppedTicks() == 7);

    // Produced + dropped always equals what the elapsed time is owed.
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::uint64_t> step(0, 200'000);
    std::uint64_t now = 10'000 * 13;
    for (int i = 0; i < 10'000; ++i) {
        now += step(rng);
        CHECK(clock.advance(now) <= 5);
        REQUIRE(clock.tick() + clock.droppedTicks() == owed(now, 100));
    }
}

TEST_CASE("an enormous time gap is capped without overflow") {
    TickClock clock = makeClock(1000, 8);
    CHECK(clock.advance(0) == 0);
    CHECK(clock.advance(UINT64_MAX) == 8);
    CHECK(clock.tick() == 8);
    // floor((2^64 - 1) × 1000 / 10^6) = floor((2^64 - 1) / 1000)
    CHECK(clock.droppedTicks() == UINT64_MAX / 1000 - 8);
    CHECK(clock.alpha() == doctest::Approx(0.615));  // (2^64 - 1) mod 1000 = 615 µs
}

TEST_CASE("alpha is the elapsed fraction of the current tick") {
    TickClock clock = makeClock(50);  // 20 ms ticks
    CHECK(clock.advance(1'000) == 0);
    CHECK(clock.alpha() == 0.0);
    CHECK(clock.advance(1'000 + 5'000) == 0);
    CHECK(clock.alpha() == doctest::Approx(0.25));
    CHECK(clock.advance(1'000 + 15'000) == 0);
    CHECK(clock.alpha() == doctest::Approx(0.75));
    CHECK(clock.advance(1'000 + 20'000) == 1);
    CHECK(clock.alpha() == 0.0);
    CHECK(clock.advance(1'000 + 30'000) == 0);
    CHECK(clock.alpha() == doctest::Approx(0.5));
}

TEST_CASE("reset moves the origin and the tick number and drops the partial tick") {
    TickClock clock = makeClock(10, 8);
    CHECK(clock.advance(0) == 0);
    CHECK(clock.advance(250'000) == 2);
    CHECK(clock.advance(10'000'000) == 8);
    const std::uint64_t dropped = clock.droppedTicks();
    CHECK(dropped == 90);

    clock.reset(20'000'000, 1'000);
    CHECK(clock.tick() == 1'000);
    CHECK(clock.alpha() == 0.0);
    CHECK(clock.droppedTicks() == dropped);
    CHECK(clock.advance(20'099'999) == 0);
    CHECK(clock.advance(20'100'000) == 1);
    CHECK(clock.batchFirstTick() == 1'000);
    CHECK(clock.tick() == 1'001);

    // Reset to an earlier time is allowed: it is a new timeline.
    clock.reset(5, 0);
    CHECK(clock.advance(100'005) == 1);
    CHECK(clock.tick() == 1);
}

TEST_CASE("time going backwards is ignored") {
    TickClock clock = makeClock(60);
    CHECK(clock.advance(1'000'000) == 0);
    CHECK(clock.advance(1'100'000) == 6);
    const double alpha = clock.alpha();
    CHECK(clock.advance(500'000) == 0);
    CHECK(clock.advance(0) == 0);
    CHECK(clock.advance(1'100'000) == 0);
    CHECK(clock.tick() == 6);
    CHECK(clock.alpha() == alpha);
    CHECK(clock.droppedTicks() == 0);
    // Counting resumes from the latest time seen, not from the earlier sample.
    CHECK(clock.advance(1'000'000 + 116'667) == 1);
    CHECK(clock.tick() == 7);
}

TEST_CASE("tick duration is reported rounded to the nearest microsecond") {
    CHECK(makeClock(60).tickDurationMicros() == 16'667);
    CHECK(makeClock(30).tickDurationMicros() == 33'333);
    CHECK(makeClock(128).tickDurationMicros() == 7'813);
    CHECK(makeClock(1000).tickDurationMicros() == 1'000);
    CHECK(makeClock(1).tickDurationMicros() == 1'000'000);
}

TEST_CASE("steadyMicros is monotonic") {
    const std::uint64_t a = TickClock::steadyMicros();
    const std::uint64_t b = TickClock::steadyMicros();
    CHECK(b >= a);
    TickClock clock = makeClock(60);
    CHECK(clock.advance(TickClock::steadyMicros()) == 0);
    CHECK(clock.advance(TickClock::steadyMicros()) <= 8);
}
