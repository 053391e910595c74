// The sample arena end to end: an arena server and 32 bots on real sockets, with the
// in-process link simulator between them.

#include "arena_bot.hpp"
#include "arena_tool.hpp"

#include <tickwire/engine/server_session.hpp>
#include <tickwire/net/link_sim.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

using namespace tickwire;
using arena::ArenaBot;
using arena::ArenaGame;

namespace {

using arena::tool::nowSeconds;

/// TICKWIRE_ARENA_SECONDS overrides the length of the match (the soak script runs longer).
double matchSeconds(double fallback) {
    if (const char* text = std::getenv("TICKWIRE_ARENA_SECONDS")) {
        const double s = std::atof(text);
        if (s > 0) return s;
    }
    return fallback;
}

/// TICKWIRE_SOAK_SECONDS sets the length of the soak (tools/soak.sh: 600).
double soakSeconds(double fallback) {
    if (const char* text = std::getenv("TICKWIRE_SOAK_SECONDS")) {
        const double s = std::atof(text);
        if (s > 0) return s;
    }
    return fallback;
}

}  // namespace

namespace {

struct ArenaRun {
    std::size_t bots = 32;
    net::LinkSimConfig link;
    double seconds = 20;
};

struct ArenaResult {
    std::uint64_t frames = 0, stalls = 0, kills = 0, hits = 0, serverKills = 0;
    std::size_t disconnected = 0, connected = 0;
    double stallPct = 0;
    std::uint64_t rssHalf = 0, rssEnd = 0;  // this process (server and bots), bytes
};

std::uint64_t residentBytes() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

/// An arena server and `run.bots` bots on real sockets through the link simulator, for
/// `run.seconds` of match after everyone joined.
ArenaResult playArena(ArenaRun run) {
    const net::Key key = net::Key::generate();
    engine::ServerSessionConfig serverConfig;
    serverConfig.transport.bind = net::Address::loopback(0);
    serverConfig.transport.key = key;
    serverConfig.transport.maxClients = std::max<std::size_t>(64, run.bots);
    auto server = std::move(*engine::ServerSession<ArenaGame>::create(serverConfig));

    run.link.forward = server->transport().address();
    auto relay = std::move(*net::LinkSim::create(run.link));

    std::vector<std::unique_ptr<ArenaBot>> bots;
    for (std::size_t i = 0; i < run.bots; ++i) {
        net::TokenParams p;
        p.clientId = 100 + i;
        p.servers = {server->transport().address()};
        p.timeoutSeconds = 10;
        auto token = *net::issueToken(key, p, net::unixNow());
        token.servers = {relay->listenAddress()};
        engine::ClientSessionConfig config;
        config.transport.token = token;
        config.transport.bind = net::Address::loopback(0);
        config.transport.handshakeTimeoutMs = 10000;
        bots.push_back(std::move(*ArenaBot::create(config)));
        REQUIRE(bots.back()->connect());
    }

    // One thread serves everyone: the relay and the server whenever anything is due, the
    // bots at 60 frames per second as a game renders (stalls are counted per frame).
    double nextFrame = nowSeconds();
    auto pump = [&] {
        relay->update();
        const double now = nowSeconds();
        server->update(static_cast<std::uint64_t>(now * 1e6));
        relay->update();
        if (now >= nextFrame) {
            nextFrame = std::max(nextFrame + 1.0 / 60.0, now - 0.1);
            for (auto& bot : bots) bot->update(now);
        }
        relay->wait(1);
    };
    const double joinBy = nowSeconds() + 20;
    auto joined = [&] {
        std::size_t n = 0;
        for (const auto& bot : bots) n += bot->figures().joined ? 1 : 0;
        return n;
    };
    while (joined() < run.bots && nowSeconds() < joinBy) pump();
    REQUIRE(joined() == run.bots);

    // Counted from here: the match itself, not the joining.
    std::uint64_t framesBefore = 0, stallsBefore = 0;
    for (const auto& bot : bots) {
        framesBefore += bot->figures().frames;
        stallsBefore += bot->figures().stalls;
    }
    ArenaResult r;
    const double start = nowSeconds();
    const double end = start + run.seconds;
    while (nowSeconds() < end) {
        if (r.rssHalf == 0 && nowSeconds() >= start + run.seconds / 2) r.rssHalf = residentBytes();
        pump();
    }
    r.rssEnd = residentBytes();

    for (const auto& bot : bots) {
        const auto f = bot->figures();
        r.frames += f.frames;
        r.stalls += f.stalls;
        r.kills += f.kills;
        r.hits += f.hits;
        if (f.disconnected) ++r.disconnected;
    }
    r.frames -= framesBefore;
    r.stalls -= stallsBefore;
    r.stallPct = 100.0 * static_cast<double>(r.stalls) / static_cast<double>(std::max<std::uint64_t>(r.frames, 1));
    r.connected = server->transport().connectedCount();
    for (const auto& e : server->world().entities) {
        if (const auto* p = std::get_if<arena::Player>(&e.state)) r.serverKills += p->score.get();
    }
    MESSAGE(run.bots << " bots, " << run.seconds << " s: frames " << r.frames << ", stalls " << r.stalls << " ("
                     << r.stallPct << " %), hits " << r.hits << ", kills " << r.kills << ", relay dropped "
                     << relay->stats().dropped << ", RSS " << r.rssHalf / 1024 << " KiB at half time -> "
                     << r.rssEnd / 1024 << " KiB");
    return r;
}

}  // namespace

TEST_CASE("32 bots through 100 ms RTT and 5% loss for 20 s: all join, none drop, someone dies, stalls stay under 1%") {
    ArenaRun run;
    run.link.latencyMs = 50;  // each way
    run.link.lossPct = 5;
    run.link.seed = 5;
    run.seconds = matchSeconds(20);
    const auto r = playArena(run);
    CHECK(r.disconnected == 0);
    CHECK(r.connected == run.bots);
    CHECK(r.kills >= 1);
    CHECK(r.frames > run.bots * 30 * 10);  // at least half the frames a 60 fps client renders
    CHECK(r.stallPct < 1.0);
    // The server agrees with what the bots report about the game.
    CHECK(r.serverKills >= r.kills);
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;  // g++
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;  // clang
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// Real time for 64 bots: under a sanitizer it would measure the instrumentation.
TEST_CASE("64 bots through 10% loss, 100 +- 30 ms, 2% duplication, 1% reordering: none drop, stalls under 1%, memory flat" *
          doctest::skip(kSanitized)) {
    // Short form of the arena soak (30 s); tools/soak.sh plays 10 minutes.
    ArenaRun run;
    run.bots = 64;
    run.link.latencyMs = 50;
    run.link.jitterMs = 15;
    run.link.lossPct = 10;
    run.link.duplicatePct = 2;
    run.link.reorderPct = 1;
    run.link.seed = 64;
    run.seconds = soakSeconds(30);
    const auto r = playArena(run);
    CHECK(r.disconnected == 0);
    CHECK(r.connected == run.bots);
    CHECK(r.stallPct < 1.0);
    const double growthPct =
        100.0 * (static_cast<double>(r.rssEnd) - static_cast<double>(r.rssHalf)) / static_cast<double>(r.rssHalf);
    MESSAGE("memory from half time to the end: " << growthPct << " %");
    CHECK(growthPct <= 5.0);
}
