#include <tickwire/engine/clock_sync.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace tickwire::engine;

namespace {

constexpr double kTickRate = 60;
constexpr double kStep = 0.001;  // simulation step, seconds
// The server's tick at time 0; the client never learns it except through snapshots.
constexpr std::int64_t kServerBase = 100'000;

ClockSync makeSync(ClockSyncConfig config = {}) {
    auto sync = ClockSync::create(config);
    REQUIRE(sync.has_value());
    return *sync;
}

// mt19937's output sequence is fixed by the standard (unlike the distributions).
double uniform01(std::mt19937& rng) { return rng() / 4294967296.0; }

// Both ends of a match on one exact time line. The server ticks at kTickRate and sends a
// snapshot every 2nd tick carrying the lead of the latest input it received; the client
// starts its tick clock at targetClientTick() on the first snapshot, then runs it at
// timeScale() and sends one input per tick. Every packet takes rtt/2 ± jitter (uniform).
struct Match {
    struct Input {
        double arrival = 0;
        std::int64_t tick = 0;
    };
    struct Snapshot {
        double arrival = 0;
        std::int64_t tick = 0;
        std::int64_t lead = 0;
        bool hasLead = false;
        double rttSample = 0;
    };
    struct Reading {
        double time = 0;
        double measured = 0;
        double target = 0;
        double scale = 1;
        double serverError = 0;  // estimatedServerTick − the true (fractional) server tick
    };

    explicit Match(std::uint32_t seed) : rng(seed), sync(makeSync()) {}

    std::mt19937 rng;
    ClockSync sync;
    double rtt = 0.1;
    double jitter = 0.02;

    std::vector<Input> inputsInFlight;
    std::vector<Snapshot> snapshotsInFlight;
    std::int64_t lastServerTick = kServerBase - 1;
    std::int64_t latestLead = 0;
    bool haveLead = false;
    bool clientStarted = false;
    double clientTick = 0;
    std::int64_t lastSent = 0;

    std::vector<double> lateInputTimes;  // server-side arrival times of late inputs
    std::vector<Reading> readings;       // client-side, every 10 ms

    double oneWay() { return rtt / 2 + (2 * uniform01(rng) - 1) * jitter; }
    static std::int64_t serverTickAt(double t) { return kServerBase + static_cast<std::int64_t>(std::floor(t * kTickRate)); }

    void sendInput(double now, std::int64_t tick) { inputsInFlight.push_back({now + oneWay(), tick}); }

    void run(double from, double to) {
        const auto steps = static_cast<std::int64_t>(std::llround((to - from) / kStep));
        for (std::int64_t i = 0; i < steps; ++i) step(from + i * kStep);
    }

    void step(double now) {
        // Server: inputs that have arrived, in arrival order.
        std::erase_if(inputsInFlight, [&](const Input& in) {
            if (in.arrival > now) return false;
            latestLead = in.tick - serverTickAt(in.arrival);
            haveLead = true;
            if (latestLead < 0) lateInputTimes.push_back(in.arrival);
            return true;
        });
        // Server: a snapshot on every even tick.
        for (std::int64_t tick = lastServerTick + 1; tick <= serverTickAt(now); ++tick) {
            if (tick % 2 == 0) {
                const double up = oneWay();
                snapshotsInFlight.push_back({now + oneWay(), tick, latestLead, haveLead, up + oneWay()});
            }
        }
        lastServerTick = serverTickAt(now);
        // Client: snapshots that have arrived.
        std::erase_if(snapshotsInFlight, [&](const Snapshot& s) {
            if (s.arrival > now) return false;
            sync.onRtt(s.rttSample);
            sync.onServerTick(static_cast<std::uint32_t>(s.tick), now);
            if (s.hasLead) sync.onInputFeedback(s.lead);
            if (!clientStarted) {
                clientStarted = true;
                clientTick = sync.targetClientTick(now);
                lastSent = static_cast<std::int64_t>(std::floor(clientTick));
                sendInput(now, lastSent);
            }
            return true;
        });
        // Client: its tick clock, one input per tick.
        if (clientStarted) {
            clientTick += kStep * kTickRate * sync.timeScale();
            while (lastSent < static_cast<std::int64_t>(std::floor(clientTick))) sendInput(now, ++lastSent);
        }
        if (std::llround(now / kStep) % 10 == 0) {
            readings.push_back({now, sync.measuredLeadTicks(), sync.targetLeadTicks(), sync.timeScale(),
                                sync.estimatedServerTick(now) - (kServerBase + now * kTickRate)});
        }
    }

    // The earliest time in [from, to) after which |measured − target| ≤ 1 tick until `to`.
    double convergedAt(double from, double to) const {
        double at = from;
        for (const auto& r : readings) {
            if (r.time < from || r.time >= to) continue;
            if (std::abs(r.measured - r.target) > 1.0) at = r.time + 0.01;
        }
        return at;
    }

    double maxScaleDeviation(double from, double to) const {
        double worst = 0;
        for (const auto& r : readings) {
            if (r.time >= from && r.time < to) worst = std::max(worst, std::abs(r.scale - 1));
        }
        return worst;
    }

    // Share of readings in [from, to) with the rate exactly 1.
    double restingShare(double from, double to) const {
        int all = 0;
        int resting = 0;
        for (const auto& r : readings) {
            if (r.time < from || r.time >= to) continue;
            ++all;
            resting += r.scale == 1 ? 1 : 0;
        }
        return all == 0 ? 0 : static_cast<double>(resting) / all;
    }

    int lateBetween(double from, double to) const {
        int n = 0;
        for (double t : lateInputTimes) n += (t >= from && t < to) ? 1 : 0;
        return n;
    }
};

}  // namespace

TEST_CASE("a config outside its ranges is refused with a reason") {
    CHECK(ClockSyncConfig{}.validate().has_value());

    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const auto& bad : {
             ClockSyncConfig{.tickRate = 0},
             ClockSyncConfig{.tickRate = 1001},
             ClockSyncConfig{.tickRate = nan},
             ClockSyncConfig{.safetyTicks = -1},
             ClockSyncConfig{.safetyTicks = 61},
             ClockSyncConfig{.jitterMultiplier = -1},
             ClockSyncConfig{.jitterMultiplier = 11},
             ClockSyncConfig{.maxAdjust = 0},
             ClockSyncConfig{.maxAdjust = 0.6},
             ClockSyncConfig{.maxAdjust = nan},
         }) {
        auto ok = bad.validate();
        REQUIRE_FALSE(ok.has_value());
        CHECK(ok.error() == Error::InvalidConfig);
        CHECK_FALSE(ok.detail().empty());
        auto sync = ClockSync::create(bad);
        REQUIRE_FALSE(sync.has_value());
        CHECK(sync.error() == Error::InvalidConfig);
    }
    CHECK(ClockSyncConfig{.safetyTicks = 0, .jitterMultiplier = 0, .maxAdjust = 0.5}.validate().has_value());
}

TEST_CASE("before any sample the clock runs at 1 and the estimates are 0") {
    auto sync = makeSync();
    CHECK(sync.timeScale() == 1);
    CHECK(sync.estimatedServerTick(5.0) == 0);
    CHECK(sync.targetClientTick(5.0) == 0);
    CHECK(sync.rttSeconds() == 0);
    CHECK(sync.jitterSeconds() == 0);
    CHECK(sync.targetLeadTicks() == 1.0);  // safetyTicks alone
}

TEST_CASE("the server tick is extrapolated by elapsed time and half the RTT") {
    auto sync = makeSync();
    sync.onRtt(0.1);
    sync.onServerTick(600, 10.0);
    CHECK(sync.rttSeconds() == 0.1);
    CHECK(sync.estimatedServerTick(10.0) == doctest::Approx(603));  // + 50 ms
    CHECK(sync.estimatedServerTick(11.0) == doctest::Approx(663));
    CHECK(sync.targetClientTick(10.0) == doctest::Approx(603 + 3 + 1));  // + 50 ms + safety
    // Bad samples are ignored.
    sync.onRtt(-1);
    sync.onRtt(std::numeric_limits<double>::infinity());
    sync.onServerTick(9999, std::numeric_limits<double>::quiet_NaN());
    CHECK(sync.rttSeconds() == 0.1);
    CHECK(sync.estimatedServerTick(10.0) == doctest::Approx(603));
}

TEST_CASE("the rate follows the lead error, stays within its bounds and is 1 near the target") {
    auto sync = makeSync();
    for (int i = 0; i < 100; ++i) sync.onInputFeedback(-5);  // late
    CHECK(sync.timeScale() == doctest::Approx(1.05));
    for (int i = 0; i < 200; ++i) sync.onInputFeedback(30);  // far too early
    CHECK(sync.timeScale() == doctest::Approx(0.95));
    for (int i = 0; i < 200; ++i) sync.onInputFeedback(1);  // on target, no jitter
    CHECK(sync.jitterSeconds() < 0.001);
    CHECK(sync.timeScale() == 1);
    sync.onInputFeedback(std::numeric_limits<std::int64_t>::min());  // clamped, not absurd
    CHECK(std::isfinite(sync.measuredLeadTicks()));
    CHECK(sync.measuredLeadTicks() >= -600.0 / 16 - 1);
    CHECK(sync.timeScale() == doctest::Approx(1.05));
}

TEST_CASE("with 100 ms RTT and 20 ms jitter the lead converges to the target and the rate settles at 1") {
    Match match(11);
    match.rtt = 0.100;
    match.jitter = 0.020;
    match.run(0, 30);

    const double converged = match.convergedAt(0, 30);
    const double worstScale = match.maxScaleDeviation(converged, 30);
    const int late = match.lateBetween(converged, 30);
    const auto& last = match.readings.back();
    MESSAGE("converged (|lead - target| <= 1 tick) at " << converged << " s; lead " << last.measured << " target "
                                                        << last.target << " ticks; jitter "
                                                        << 1000 * match.sync.jitterSeconds() << " ms; rtt "
                                                        << 1000 * match.sync.rttSeconds() << " ms; |scale - 1| <= "
                                                        << worstScale << " after (exactly 1 in "
                                                        << 100 * match.restingShare(converged, 30)
                                                        << "% of readings); late inputs after " << late
                                                        << " (before " << match.lateBetween(0, converged) << ")");
    CHECK(converged < 5.0);
    CHECK(worstScale <= 0.01);
    CHECK(match.restingShare(converged, 30) > 0.5);  // mostly exactly 1, inside the dead band
    CHECK(late == 0);
    CHECK(match.sync.rttSeconds() == doctest::Approx(0.1).epsilon(0.1));
    CHECK(std::abs(last.serverError) < 1.0);
}

TEST_CASE("when the RTT jumps from 50 to 200 ms the lead re-converges within a few seconds") {
    Match match(5);
    match.rtt = 0.050;
    match.jitter = 0.005;
    match.run(0, 10);
    const double settled = match.convergedAt(0, 10);
    CHECK(settled < 5.0);
    CHECK(match.lateBetween(5, 10) == 0);

    match.rtt = 0.200;
    match.run(10, 25);
    const int late = match.lateBetween(10, 25);
    const double lastLate = match.lateInputTimes.empty() ? 10 : match.lateInputTimes.back();
    const double reconverged = match.convergedAt(10, 25);
    MESSAGE("settled at " << settled << " s; after the jump: " << late << " late inputs, the last "
                          << lastLate - 10 << " s after; lead within 1 tick of target " << reconverged - 10
                          << " s after; |scale - 1| <= " << match.maxScaleDeviation(reconverged, 25) << " after");
    CHECK(lastLate - 10 < 3.0);
    CHECK(reconverged - 10 < 5.0);
    CHECK(match.maxScaleDeviation(reconverged, 25) <= 0.01);
    CHECK(std::abs(match.readings.back().serverError) < 1.0);
}

TEST_CASE("a client far ahead slows down and settles without overshooting into late inputs") {
    Match match(9);
    match.rtt = 0.080;
    match.jitter = 0.010;
    match.run(0, 2);
    match.clientTick += 12;  // e.g. a hitch on the server side
    match.run(2, 20);
    const double reconverged = match.convergedAt(2, 20);
    MESSAGE("12 ticks ahead: back within 1 tick of target after " << reconverged - 2 << " s");
    CHECK(reconverged - 2 < 8.0);
    CHECK(match.lateBetween(2, 20) == 0);
    double minScale = 2;
    for (const auto& r : match.readings) minScale = std::min(minScale, r.scale);
    CHECK(minScale == doctest::Approx(0.95));
    CHECK(match.maxScaleDeviation(reconverged, 20) <= 0.01);
}
