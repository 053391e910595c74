#include <tickwire/engine/tick_times.hpp>

#include <doctest/doctest.h>

using namespace tickwire::engine;

TEST_CASE("an empty histogram reports zeros") {
    const TickTimeHistogram h;
    CHECK(h.count() == 0);
    CHECK(h.maxMicros() == 0);
    CHECK(h.percentileMicros(0.5) == 0);
    CHECK(h.percentileMicros(0.99) == 0);
}

TEST_CASE("percentiles are the upper edge of the 10 us bucket their tick falls in") {
    TickTimeHistogram h;
    // 100 ticks: 1.000, 1.010, ..., 1.990 ms.
    for (std::uint64_t i = 0; i < 100; ++i) h.add(1000 + i * 10);
    CHECK(h.count() == 100);
    CHECK(h.percentileMicros(0.5) == 1500);   // the 50th tick took 1.490 ms: bucket 1.49..1.50
    CHECK(h.percentileMicros(0.99) == 1990);  // the 99th took 1.980 ms
    CHECK(h.percentileMicros(1.0) == 2000);
    CHECK(h.percentileMicros(0.0) == 1010);   // the first tick, never rank 0
    CHECK(h.maxMicros() == 1990);
}

TEST_CASE("a tick inside a bucket is reported at the bucket's upper edge, the maximum exactly") {
    TickTimeHistogram h;
    h.add(555);
    CHECK(h.percentileMicros(0.5) == 560);
    CHECK(h.maxMicros() == 555);
}

TEST_CASE("the rank of a percentile is rounded up: the median of three is the second") {
    TickTimeHistogram h;
    h.add(100);
    h.add(200);
    h.add(300);
    CHECK(h.percentileMicros(0.5) == 210);
    CHECK(h.percentileMicros(0.34) == 210);
    CHECK(h.percentileMicros(0.33) == 110);
}

TEST_CASE("ticks of 100 ms or more land in the last bucket and keep their true maximum") {
    TickTimeHistogram h;
    h.add(250'000);
    h.add(99'995);
    CHECK(h.percentileMicros(0.5) == 100'000);
    CHECK(h.percentileMicros(1.0) == 100'000);
    CHECK(h.maxMicros() == 250'000);
}

TEST_CASE("several ticks of one duration are recorded at once, and clear() forgets them all") {
    TickTimeHistogram h;
    h.add(40, 7);
    h.add(5000, 0);  // no ticks: nothing recorded
    CHECK(h.count() == 7);
    CHECK(h.maxMicros() == 40);
    CHECK(h.percentileMicros(0.99) == 50);
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
    CHECK(t.withPlayers().percentileMicros(0.5) == 910);
}

TEST_CASE("restarting the recent window leaves the run's figures alone") {
    TickTimes t;
    t.recordUpdate(2, 1000, true);
    t.restartRecent();
    CHECK(t.recent().count() == 0);
    CHECK(t.withPlayers().count() == 2);
    t.recordUpdate(1, 30, true);
    CHECK(t.recent().count() == 1);
    CHECK(t.recent().percentileMicros(0.5) == 40);
    CHECK(t.withPlayers().count() == 3);
}
