#include <tickwire/engine/interpolation.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace tickwire::engine;

namespace {

constexpr double kTickRate = 60;
constexpr double kLatency = 0.050;  // one-way, seconds

struct Arrival {
    double time = 0;
    std::uint32_t tick = 0;
};

struct Frame {
    double time = 0;
    InterpolationTimeline::Sample sample;
};

InterpolationTimeline makeTimeline(InterpolationConfig config = {}) {
    auto timeline = InterpolationTimeline::create(config);
    REQUIRE(timeline.has_value());
    return *timeline;
}

// mt19937's output sequence is fixed by the standard (unlike the distributions), so the
// figures below are the same with every standard library.
double uniform01(std::mt19937& rng) { return rng() / 4294967296.0; }

// Snapshots every 2nd tick from `firstTick` up to `lastTick`, sent when the tick happens,
// arriving after kLatency ± jitter; each lost with probability `loss`. Sorted by arrival,
// so jitter larger than the snapshot interval reorders them.
std::vector<Arrival> snapshotStream(std::uint32_t firstTick, std::uint32_t lastTick, double jitter, double loss,
                                    std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<Arrival> out;
    for (std::uint32_t tick = firstTick; tick <= lastTick; tick += 2) {
        const double noise = (2 * uniform01(rng) - 1) * jitter;
        const bool lost = uniform01(rng) < loss;
        if (!lost) out.push_back({tick / kTickRate + kLatency + noise, tick});
    }
    std::stable_sort(out.begin(), out.end(), [](const Arrival& a, const Arrival& b) { return a.time < b.time; });
    return out;
}

// Renders `frames` frames at 60 Hz from `start`, delivering every arrival due by each frame
// first. Checks on every frame what must always hold.
std::vector<Frame> render(InterpolationTimeline& timeline, const std::vector<Arrival>& arrivals, double start,
                          int frames) {
    std::vector<Frame> out;
    std::size_t next = 0;
    double lastShown = -std::numeric_limits<double>::infinity();
    for (int i = 0; i < frames; ++i) {
        const double now = start + i / kTickRate;
        while (next < arrivals.size() && arrivals[next].time <= now) {
            timeline.onSnapshot(arrivals[next].tick, arrivals[next].time);
            ++next;
        }
        const auto sample = timeline.sample(now);
        if (sample.valid) {
            REQUIRE(sample.renderTick >= lastShown);  // never backwards
            lastShown = sample.renderTick;
            REQUIRE(sample.toTick > sample.fromTick);
            REQUIRE(sample.alpha >= 0);
            if (!sample.extrapolating) REQUIRE(sample.alpha <= 1);
            if (sample.stalled) REQUIRE(sample.extrapolating);
        }
        out.push_back({now, sample});
    }
    return out;
}

}  // namespace

TEST_CASE("a config outside its ranges is refused with a reason") {
    CHECK(InterpolationConfig{}.validate().has_value());

    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const auto& bad : {
             InterpolationConfig{.tickRate = 0},
             InterpolationConfig{.tickRate = -60},
             InterpolationConfig{.tickRate = 1001},
             InterpolationConfig{.tickRate = nan},
             InterpolationConfig{.snapshotRate = 0},
             InterpolationConfig{.snapshotRate = 61},
             InterpolationConfig{.minDelayTicks = -1},
             InterpolationConfig{.minDelayTicks = 31},
             InterpolationConfig{.maxDelayTicks = 0},
             InterpolationConfig{.maxDelayTicks = 601},
             InterpolationConfig{.jitterMultiplier = -0.5},
             InterpolationConfig{.jitterMultiplier = 11},
             InterpolationConfig{.jitterMultiplier = nan},
             InterpolationConfig{.maxExtrapolationTicks = -1},
             InterpolationConfig{.capacity = 1},
             InterpolationConfig{.capacity = 65537},
             InterpolationConfig{.capacity = 16},  // 30 ticks of delay need 17 snapshots at 30 Hz
         }) {
        auto ok = bad.validate();
        REQUIRE_FALSE(ok.has_value());
        CHECK(ok.error() == Error::InvalidConfig);
        CHECK_FALSE(ok.detail().empty());
        auto timeline = InterpolationTimeline::create(bad);
        REQUIRE_FALSE(timeline.has_value());
        CHECK(timeline.error() == Error::InvalidConfig);
    }
    CHECK(InterpolationConfig{.capacity = 17}.validate().has_value());
    CHECK(InterpolationConfig{.minDelayTicks = 0, .maxExtrapolationTicks = 0}.validate().has_value());
}

TEST_CASE("the timeline is invalid until two snapshots have arrived") {
    auto timeline = makeTimeline();
    CHECK_FALSE(timeline.sample(1.0).valid);
    timeline.onSnapshot(10, 1.0);
    CHECK_FALSE(timeline.sample(1.01).valid);
    CHECK(timeline.stats().frames == 0);
    timeline.onSnapshot(12, 1.0 + 2 / kTickRate);
    const auto sample = timeline.sample(1.04);
    CHECK(sample.valid);
    // Still before the oldest tick (the delay is 4 ticks): shows the oldest state.
    CHECK(sample.fromTick == 10);
    CHECK(sample.toTick == 12);
    CHECK(sample.alpha == 0);
    CHECK(timeline.stats().frames == 1);
}

TEST_CASE("steady snapshots without jitter are interpolated pairwise, smoothly, without stalls") {
    auto timeline = makeTimeline();
    const auto frames = render(timeline, snapshotStream(60, 60 * 12, 0, 0, 1), 1.0 + 0.004, 600);

    CHECK(timeline.jitterSeconds() == doctest::Approx(0).epsilon(1e-9));
    CHECK(timeline.delayTicks() == doctest::Approx(4));  // one interval + one lost snapshot
    CHECK(timeline.stats().stalls == 0);
    CHECK(timeline.stats().extrapolations == 0);
    CHECK(timeline.stats().lateSnapshots == 0);
    CHECK(timeline.stats().droppedOld == 0);

    const Frame* previous = nullptr;
    for (const auto& frame : frames) {
        if (frame.time < 1.5) continue;  // warm-up
        const auto& s = frame.sample;
        REQUIRE(s.valid);
        CHECK_FALSE(s.extrapolating);
        CHECK(s.toTick - s.fromTick == 2);  // consecutive snapshots
        CHECK(s.renderTick == doctest::Approx(s.fromTick + 2 * s.alpha));
        if (previous != nullptr) {
            const auto& p = previous->sample;
            CHECK(s.renderTick - p.renderTick == doctest::Approx(1.0).epsilon(1e-6));  // real time
            // One frame is half a snapshot interval: alpha steps by 0.5, wrapping to the next pair.
            const double step = s.fromTick == p.fromTick ? s.alpha - p.alpha : s.alpha + 1 - p.alpha;
            CHECK(step == doctest::Approx(0.5).epsilon(1e-6));
        }
        previous = &frame;
    }
    REQUIRE(previous != nullptr);
}

TEST_CASE("with 20 ms jitter and 5% loss the delay adapts up and under 1% of frames stall") {
    auto timeline = makeTimeline();
    const double seconds = 60;
    const auto arrivals = snapshotStream(0, static_cast<std::uint32_t>(seconds * kTickRate), 0.020, 0.05, 7);
    const auto frames = render(timeline, arrivals, 0.0, static_cast<int>(seconds * kTickRate));

    int counted = 0;
    int stalls = 0;
    int extrapolations = 0;
    double maxSpeed = 0;
    double minSpeed = 1e9;
    const Frame* previous = nullptr;
    for (const auto& frame : frames) {
        if (frame.time < 1.0) continue;  // warm-up
        REQUIRE(frame.sample.valid);
        ++counted;
        stalls += frame.sample.stalled ? 1 : 0;
        extrapolations += frame.sample.extrapolating && !frame.sample.stalled ? 1 : 0;
        if (previous != nullptr && !previous->sample.stalled && !frame.sample.stalled) {
            const double speed = frame.sample.renderTick - previous->sample.renderTick;  // ticks per 1-tick frame
            maxSpeed = std::max(maxSpeed, speed);
            minSpeed = std::min(minSpeed, speed);
        }
        previous = &frame;
    }
    const double stallRate = static_cast<double>(stalls) / counted;
    MESSAGE("frames " << counted << ", stalls " << stalls << " (" << 100 * stallRate << "%), extrapolated "
                      << extrapolations << ", late " << timeline.stats().lateSnapshots << ", reordered/dropped "
                      << timeline.stats().droppedOld << ", delay " << timeline.delayTicks() << " ticks, jitter "
                      << 1000 * timeline.jitterSeconds() << " ms, render speed " << minSpeed << ".." << maxSpeed);
    CHECK(stallRate < 0.01);
    CHECK(timeline.delayTicks() > 5.0);  // 4 without jitter
    CHECK(timeline.jitterSeconds() == doctest::Approx(0.0133).epsilon(0.25));  // E|U1 − U2| = 40 ms / 3
    CHECK(minSpeed >= 0.9 - 1e-9);
    CHECK(maxSpeed <= 1.1 + 1e-9);
    CHECK(timeline.stats().droppedOld > 0);  // 40 ms of spread reorders 33 ms-apart snapshots
}

TEST_CASE("a 500 ms outage extrapolates up to the cap, then stalls, then recovers") {
    auto timeline = makeTimeline();
    auto arrivals = snapshotStream(60, 60 * 8, 0, 0, 1);
    // Nothing sent for server ticks 180..209 (3.0 s .. 3.5 s).
    std::erase_if(arrivals, [](const Arrival& a) { return a.tick >= 180 && a.tick < 210; });
    const auto frames = render(timeline, arrivals, 1.0 + 0.004, 420);

    const double resumed = 210 / kTickRate + kLatency;
    int extrapolated = 0;
    int stalled = 0;
    for (const auto& frame : frames) {
        const auto& s = frame.sample;
        if (frame.time < 1.5) continue;
        if (frame.time < 3.0 + kLatency) {
            CHECK_FALSE(s.extrapolating);
        } else if (frame.time < resumed) {
            CHECK(s.renderTick <= 178 + 6.0 + 1e-9);  // newest + maxExtrapolationTicks
            CHECK(s.toTick == 178);
            CHECK_FALSE((s.stalled && !s.extrapolating));
            if (s.stalled) {
                CHECK(s.renderTick == doctest::Approx(184));
                CHECK(extrapolated == 6);  // the cap was reached first
                ++stalled;
            } else if (s.extrapolating) {
                CHECK(stalled == 0);
                ++extrapolated;
            }
        } else {
            CHECK_FALSE(s.stalled);
            CHECK_FALSE(s.extrapolating);
        }
    }
    MESSAGE("outage: " << extrapolated << " frames extrapolated, " << stalled << " stalled");
    CHECK(extrapolated == 6);
    CHECK(stalled > 15);
    CHECK(timeline.stats().stalls == static_cast<std::uint64_t>(stalled));
    CHECK(timeline.stats().extrapolations == static_cast<std::uint64_t>(extrapolated));
}

TEST_CASE("a latency spike delivered as a burst counts late snapshots and the render tick still never goes back") {
    auto timeline = makeTimeline();
    auto arrivals = snapshotStream(0, 60 * 12, 0.005, 0, 3);
    // Everything sent between 3.0 s and 3.4 s arrives together at 3.45 s.
    for (auto& a : arrivals) {
        if (a.tick >= 180 && a.tick < 204) a.time = 3.45;
    }
    std::stable_sort(arrivals.begin(), arrivals.end(), [](const Arrival& a, const Arrival& b) { return a.time < b.time; });
    const auto frames = render(timeline, arrivals, 0.0, 60 * 12);

    CHECK(timeline.stats().lateSnapshots > 0);
    CHECK(timeline.stats().stalls > 0);
    for (const auto& frame : frames) {
        if (frame.time > 8.0) CHECK_FALSE(frame.sample.extrapolating);
    }
    MESSAGE("spike: late " << timeline.stats().lateSnapshots << ", stalls " << timeline.stats().stalls
                           << ", delay after " << timeline.delayTicks() << " ticks");
}

TEST_CASE("out-of-order and duplicate snapshots are ignored and counted") {
    auto timeline = makeTimeline();
    const double t0 = 1.0;
    const auto at = [&](std::uint32_t tick) { return t0 + tick / kTickRate; };
    timeline.onSnapshot(0, at(0));
    timeline.onSnapshot(2, at(2));
    timeline.onSnapshot(4, at(4));
    const auto before = timeline.sample(at(4));
    REQUIRE(before.valid);
    timeline.onSnapshot(4, at(5));  // duplicate of the newest
    timeline.onSnapshot(2, at(5));  // duplicate of an older one
    timeline.onSnapshot(8, at(8));
    timeline.onSnapshot(6, at(8));  // overtaken by 8
    timeline.onSnapshot(10, at(10));
    CHECK(timeline.stats().droppedOld == 3);
    CHECK(timeline.bufferedSnapshots() == 5);  // 0 2 4 8 10

    double last = before.renderTick;
    for (double now = at(10); now < at(40); now += 1 / kTickRate) {
        const auto s = timeline.sample(now);
        REQUIRE(s.valid);
        CHECK(s.renderTick >= last);
        last = s.renderTick;
        CHECK(s.fromTick != 6);
        CHECK(s.toTick != 6);
    }
    // Time going backwards does not move the render tick.
    CHECK(timeline.sample(at(0)).renderTick == last);
}

TEST_CASE("the buffer keeps at most capacity snapshots") {
    auto timeline = makeTimeline(InterpolationConfig{.maxDelayTicks = 12, .capacity = 8});
    for (std::uint32_t tick = 0; tick < 2000; tick += 2) timeline.onSnapshot(tick, tick / kTickRate);
    CHECK(timeline.bufferedSnapshots() == 8);
    const auto s = timeline.sample(2000 / kTickRate);
    REQUIRE(s.valid);
    CHECK(s.fromTick >= 1998 - 14);
}
