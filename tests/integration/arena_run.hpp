#pragma once
// One arena match for the integration tests: an arena server and N bots on real sockets,
// the in-process link simulator between them, one thread serving everyone.

#include "../support/made.hpp"
#include "arena_bot.hpp"
#include "arena_tool.hpp"
#include "memory_trend.hpp"

#include <tickwire/engine/server_session.hpp>
#include <tickwire/net/link_sim.hpp>

#include <doctest/doctest.h>

#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <vector>

namespace tickwire::test {

using arena::ArenaBot;
using arena::ArenaGame;
using arena::tool::nowSeconds;

struct ArenaRun {
    std::size_t bots = 32;
    net::LinkSimConfig link;
    double seconds = 20;
    net::Key key = net::Key::generate();  ///< the server's key
    /// Called every loop pass of the match with the seconds since it began and the server.
    std::function<void(double, engine::ServerSession<ArenaGame>&)> during;
};

struct ArenaResult {
    std::uint64_t frames = 0, stalls = 0, kills = 0, hits = 0, serverKills = 0;
    std::size_t disconnected = 0, connected = 0;
    double stallPct = 0;
    MemoryTrend memory;                      // this process (server and bots)
    double updateP99Ms = 0;                  // the server's update() during the match
};

/// CPU seconds this thread has used.
inline double threadCpuSeconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

/// An arena server and `run.bots` bots on real sockets through the link simulator, for
/// `run.seconds` of match after everyone joined.
inline ArenaResult playArena(ArenaRun run) {
    // Chained codec memories are a few hundred KiB each, allocated and freed with every
    // snapshot. glibc raises its mmap threshold past them after the first is freed and
    // then serves them from the heap, whose fragmentation doubled the resident size over
    // 30 s though nothing was kept (with the threshold fixed it stays within 1 %). A server
    // fixes the threshold, as arena-server does; the memory check here then measures what
    // the engine keeps. docs/BENCHMARKS.md, Soak.
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    const net::Key key = run.key;
    engine::ServerSessionConfig serverConfig;
    serverConfig.transport.bind = net::Address::loopback(0);
    serverConfig.transport.key = key;
    serverConfig.transport.maxClients = run.bots + 8;  // room for a test's own clients
    auto server = tickwire::test::made(engine::ServerSession<ArenaGame>::create(serverConfig));

    run.link.forward = server->transport().address();
    auto relay = tickwire::test::made(net::LinkSim::create(run.link));

    std::vector<std::unique_ptr<ArenaBot>> bots;
    for (std::size_t i = 0; i < run.bots; ++i) {
        net::TokenParams p;
        p.playerId = 100 + i;
        p.servers = {server->transport().address()};
        p.timeoutSeconds = 10;
        auto token = *net::issueToken(key, p, net::unixNow());
        token.servers = {relay->listenAddress()};
        engine::ClientSessionConfig config;
        config.transport.token = token;
        config.transport.bind = net::Address::loopback(0);
        config.transport.handshakeTimeoutMs = 10000;
        bots.push_back(tickwire::test::made(ArenaBot::create(config)));
        REQUIRE(bots.back()->connect());
    }

    // One thread serves everyone: the relay and the server whenever anything is due, the
    // bots at 60 frames per second as a game renders (stalls are counted per frame).
    double nextFrame = nowSeconds();
    bool timing = false;
    std::vector<double> updateMs;
    auto pump = [&] {
        relay->update();
        const double now = nowSeconds();
        server->update(static_cast<std::uint64_t>(now * 1e6));
        if (timing) updateMs.push_back((nowSeconds() - now) * 1000.0);
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
    for (std::size_t i = 0; i < bots.size(); ++i) {
        const auto f = bots[i]->figures();
        if (f.joined) continue;
        MESSAGE("bot " << i << " did not join: "
                       << (f.disconnected ? std::string(net::describe(*f.disconnected)) : std::string("still connecting")));
    }
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
    timing = true;
    while (nowSeconds() < end) {
        r.memory.sample(nowSeconds() - start);
        if (run.during) run.during(nowSeconds() - start, *server);
        pump();
    }
    r.memory.sample(run.seconds, 0);
    if (!updateMs.empty()) {
        std::sort(updateMs.begin(), updateMs.end());
        r.updateP99Ms = updateMs[updateMs.size() * 99 / 100];
    }

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
    const auto [second, last] = r.memory.halves(run.seconds / 4, run.seconds);
    MESSAGE(run.bots << " bots, " << run.seconds << " s: frames " << r.frames << ", stalls " << r.stalls << " ("
                     << r.stallPct << " %), hits " << r.hits << ", kills " << r.kills << ", relay dropped "
                     << relay->stats().dropped << ", heap in use " << second.heap / 1024 << " KiB -> "
                     << last.heap / 1024 << " KiB and RSS " << second.resident / 1024 << " KiB -> "
                     << last.resident / 1024 << " KiB (medians from a quarter of the match to five eighths, and from there to the end), server update p99 "
                     << r.updateP99Ms << " ms");
    return r;
}

}  // namespace tickwire::test
