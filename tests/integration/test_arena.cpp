// The sample arena end to end: an arena server and 32 bots on real sockets, with the
// in-process link simulator between them.

#include "arena_bot.hpp"
#include "arena_tool.hpp"

#include <tickwire/engine/server_session.hpp>
#include <tickwire/net/link_sim.hpp>

#include <doctest/doctest.h>

#include <chrono>
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

}  // namespace

TEST_CASE("32 bots through 100 ms RTT and 5% loss for 20 s: all join, none drop, someone dies, stalls stay under 1%") {
    const net::Key key = net::Key::generate();
    engine::ServerSessionConfig serverConfig;
    serverConfig.transport.bind = net::Address::loopback(0);
    serverConfig.transport.key = key;
    auto server = std::move(*engine::ServerSession<ArenaGame>::create(serverConfig));

    net::LinkSimConfig link;
    link.forward = server->transport().address();
    link.latencyMs = 50;  // each way
    link.lossPct = 5;
    link.seed = 5;
    auto relay = std::move(*net::LinkSim::create(link));

    constexpr std::size_t kBots = 32;
    std::vector<std::unique_ptr<ArenaBot>> bots;
    for (std::size_t i = 0; i < kBots; ++i) {
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
    const double joinBy = nowSeconds() + 15;
    auto joined = [&] {
        std::size_t n = 0;
        for (const auto& bot : bots) n += bot->figures().joined ? 1 : 0;
        return n;
    };
    while (joined() < kBots && nowSeconds() < joinBy) pump();
    REQUIRE(joined() == kBots);

    // Counted from here: the match itself, not the joining.
    std::uint64_t framesBefore = 0, stallsBefore = 0;
    for (const auto& bot : bots) {
        framesBefore += bot->figures().frames;
        stallsBefore += bot->figures().stalls;
    }
    const double end = nowSeconds() + matchSeconds(20);
    while (nowSeconds() < end) pump();

    std::uint64_t frames = 0, stalls = 0, kills = 0, hits = 0;
    std::size_t disconnected = 0;
    for (const auto& bot : bots) {
        const auto f = bot->figures();
        frames += f.frames;
        stalls += f.stalls;
        kills += f.kills;
        hits += f.hits;
        if (f.disconnected) ++disconnected;
    }
    frames -= framesBefore;
    stalls -= stallsBefore;
    const double stallPct = 100.0 * static_cast<double>(stalls) / static_cast<double>(std::max<std::uint64_t>(frames, 1));
    MESSAGE("frames " << frames << ", stalls " << stalls << " (" << stallPct << " %), hits " << hits << ", kills "
                      << kills << ", relay dropped " << relay->stats().dropped);
    CHECK(disconnected == 0);
    CHECK(server->transport().connectedCount() == kBots);
    CHECK(kills >= 1);
    CHECK(frames > kBots * 30 * 10);  // at least half the frames a 60 fps client renders
    CHECK(stallPct < 1.0);
    // The server agrees with what the bots report about the game.
    std::uint64_t serverKills = 0;
    for (const auto& e : server->world().entities) {
        if (const auto* p = std::get_if<arena::Player>(&e.state)) serverKills += p->score.get();
    }
    CHECK(serverKills >= kills);
}
