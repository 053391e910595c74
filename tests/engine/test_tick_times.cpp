#include <tickwire/engine/tick_times.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

using namespace tickwire::engine;

TEST_CASE("an empty histogram reports zeros") {
    const TickTimeHistogram h;
    CHECK(h.count() == 0);
    CHECK(h.maxMicros() == 0);
    CHECK(h.percentileMicros(0.5) == 0);
    CHECK(h.percentileMicros(0.99) == 0);
}

TEST_CASE("below 128 us a percentile is the tick's duration exactly") {
    TickTimeHistogram h;
    for (std::uint64_t us = 0; us < 100; ++us) h.add(us + 20);  // 20..119 us
    CHECK(h.count() == 100);
    CHECK(h.percentileMicros(0.5) == 70);   // the 50th tick took 69 us: bucket 69..70
    CHECK(h.percentileMicros(0.0) == 21);   // the first tick, never rank 0
    CHECK(h.percentileMicros(1.0) == 119);  // never above the longest tick
    CHECK(h.maxMicros() == 119);
}

TEST_CASE("above 128 us a percentile is at most 1/64 above the tick it stands for") {
    // Durations spread over every power of two the histogram covers, in a scrambled order.
    std::vector<std::uint64_t> ticks;
    for (std::uint64_t i = 0; i < 2000; ++i) ticks.push_back(128 + (i * i * 2654435761u) % ((1u << 26) - 128));
    TickTimeHistogram h;
    for (const auto us : ticks) h.add(us);
    std::sort(ticks.begin(), ticks.end());
    for (std::size_t rank = 1; rank <= ticks.size(); ++rank) {
        const double p = static_cast<double>(rank) / static_cast<double>(ticks.size());
        const std::uint64_t truth = ticks[rank - 1];
        const std::uint64_t reported = h.percentileMicros(p);
        REQUIRE(reported >= truth);
        REQUIRE(static_cast<double>(reported) <= static_cast<double>(truth) * (1.0 + 1.0 / 64.0));
    }
    CHECK(h.percentileMicros(1.0) == ticks.back());
    CHECK(h.maxMicros() == ticks.back());
}

TEST_CASE("a tick inside a bucket is reported at the bucket's upper edge, the maximum exactly") {
    TickTimeHistogram h;
    h.add(1490);  // the bucket 1488..1503 (16 us wide from 1024 to 2047)
    h.add(1980);
    CHECK(h.percentileMicros(0.5) == 1504);
    CHECK(h.percentileMicros(1.0) == 1980);
    CHECK(h.maxMicros() == 1980);
}

TEST_CASE("the rank of a percentile is rounded up: the median of three is the second") {
    TickTimeHistogram h;
    h.add(10);
    h.add(20);
    h.add(30);
    CHECK(h.percentileMicros(0.5) == 21);
    CHECK(h.percentileMicros(0.34) == 21);
    CHECK(h.percentileMicros(0.33) == 11);
}

TEST_CASE("ticks past 2^27 us land in the last bucket and keep their true maximum") {
    TickTimeHistogram h;
    h.add(TickTimeHistogram::kMaxMicros * 3);
    h.add(TickTimeHistogram::kMaxMicros - 1);
    CHECK(h.percentileMicros(0.5) == TickTimeHistogram::kMaxMicros);
    CHECK(h.percentileMicros(1.0) == TickTimeHistogram::kMaxMicros);
    CHECK(h.maxMicros() == TickTimeHistogram::kMaxMicros * 3);
}

TEST_CASE("several ticks of one duration are recorded at once, and clear() forgets them all") {
    TickTimeHistogram h;
    h.add(40, 7);
    h.add(5000, 0);  // no ticks: nothing recorded
    CHECK(h.count() == 7);
    CHECK(h.maxMicros() == 40);
    CHECK(h.percentileMicros(0.99) == 40);
    h.clear();
    CHECK(h.count() == 0);
    CHECK(h.maxMicros() == 0);
    CHECK(h.percentileMicros(0.5) == 0);
}

TEST_CASE("an update's duration is shared out evenly between the ticks it simulated") {
    TickTimes t;
    t.recordUpdate(4, 2000, true);
    CHECK(t.lastUpdate().ticks == 4);
    CHECK(t.lastUpdate().microsPerTick == 500);
    CHECK(t.recent().count() == 4);
    CHECK(t.recent().maxMicros() == 500);
    CHECK(t.withPlayers().count() == 4);
}

TEST_CASE("an update without a tick due records nothing but says so") {
    TickTimes t;
    t.recordUpdate(1, 300, true);
    t.recordUpdate(0, 80, true);
    CHECK(t.lastUpdate().ticks == 0);
    CHECK(t.lastUpdate().microsPerTick == 0);
    CHECK(t.recent().count() == 1);
    CHECK(t.withPlayers().count() == 1);
}

TEST_CASE("ticks of an empty game count in the recent window but not in the run's figures") {
    TickTimes t;
    t.recordUpdate(1, 50, false);
    t.recordUpdate(1, 900, true);
    CHECK(t.recent().count() == 2);
    CHECK(t.withPlayers().count() == 1);
    CHECK(t.withPlayers().percentileMicros(0.5) == 900);  // one tick: its duration exactly
}

TEST_CASE("restarting the recent window leaves the run's figures alone") {
    TickTimes t;
    t.recordUpdate(2, 1000, true);
    t.restartRecent();
    CHECK(t.recent().count() == 0);
    CHECK(t.withPlayers().count() == 2);
    t.recordUpdate(1, 30, true);
    CHECK(t.recent().count() == 1);
    CHECK(t.recent().percentileMicros(0.5) == 30);
    CHECK(t.withPlayers().count() == 3);
}
