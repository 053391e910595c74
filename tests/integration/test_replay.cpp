// Replays of the sample arena end to end, in one process over loopback: a server recording
// what it simulates (engine::ReplayRecorder, as arena-server --record does), a spectator
// capturing what it is sent (engine::ReplayCapture, as tickwire-replay capture does), the
// recording served again (engine::ReplayPlayer, tickwire-replay play) with the arena's
// MatchEvent hooks (arena_replay.hpp), and drawn (view/replay_render.hpp, tickwire-replay render).

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "../support/made.hpp"
#include "arena_bot.hpp"
#include "arena_events.hpp"
#include "arena_replay.hpp"
#include "view/replay_render.hpp"
#include "arena_tool.hpp"
#include "view/picture.hpp"
#include "../support/temp_dir.hpp"

#include <tickwire/engine/replay.hpp>
#include <tickwire/engine/server_session.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

using namespace tickwire;
using arena::ArenaBot;
using arena::ArenaGame;
using World = ArenaGame::World;
using Reader = engine::ReplayReader<ArenaGame::Codec>;

namespace {

using arena::tool::nowSeconds;

/// One scratch directory for the whole run, removed with everything in it at exit.
const test::TempDir& scratch() {
    static const test::TempDir dir;
    return dir;
}

engine::ClientSessionConfig clientConfig(const net::Key& key, net::Address server, std::uint64_t playerId) {
    net::TokenParams p;
    p.playerId = playerId;
    p.servers = {server};
    p.timeoutSeconds = 10;
    engine::ClientSessionConfig config;
    config.transport.token = *net::issueToken(key, p, net::unixNow());
    config.transport.bind = net::Address::loopback(0);
    config.transport.handshakeTimeoutMs = 10000;
    config.snapshotRate = 0;  // the live match sends 30 a second, its playback every tick
    return config;
}

/// Every frame of a replay, in order, and its events.
struct ReadBack {
    std::vector<World> frames;
    std::vector<engine::ReplayEvent> events;
    engine::ReplayVerification verification;
};

ReadBack readAll(const std::string& path) {
    auto reader = Reader::open(path, arena::kReplayGame);
    TICKWIRE_REQUIRE_OK(reader);
    ReadBack out;
    out.verification = (*reader)->verification();
    for (std::size_t i = 0; i < (*reader)->chunks().size(); ++i) {
        auto chunk = (*reader)->readChunk(i);
        REQUIRE(chunk);
        for (auto& f : chunk->frames) out.frames.push_back(std::move(f));
        for (auto& e : chunk->events) out.events.push_back(std::move(e));
    }
    return out;
}

/// One match, run once for the tests that look at it: a server with three bots recording
/// every tick, and a spectator capturing what it is sent. The server's world after every
/// tick is kept to compare the files with.
struct MatchRun {
    net::Key key = net::Key::generate();
    std::string recording = scratch().file("server.twr");
    std::string captured = scratch().file("capture.twr");
    std::vector<World> serverWorlds;  // serverWorlds[t] is the world of tick t
    std::uint64_t recorderLogLines = 0;
    bool everyoneJoined = false;

    MatchRun() {
        engine::ServerSessionConfig config;
        config.transport.bind = net::Address::loopback(0);
        config.transport.key = key;
        auto server = tickwire::test::made(engine::ServerSession<ArenaGame>::create(config));
        auto log = [this](const std::string&) { ++recorderLogLines; };
        const engine::ReplayInfo info{.game = arena::kReplayGame, .tickRate = config.tickRate};
        auto recorder = tickwire::test::made(arena::Recorder::create(recording, info, log));
        const auto matchEvent = arena::encodeMatchEvent({config.tickRate, config.snapshotRate, 0, arena::kMatchSeconds});
        recorder->addEvent(0, matchEvent);
        server->onTick([&](const World& w) {
            recorder->addFrame(w);
            serverWorlds.push_back(w);
        });

        std::vector<std::unique_ptr<ArenaBot>> bots;
        for (std::uint64_t id = 1; id <= 3; ++id) {
            bots.push_back(tickwire::test::made(ArenaBot::create(clientConfig(key, server->transport().address(), id))));
            REQUIRE(bots.back()->connect());
        }
        auto capture = tickwire::test::made(arena::Capture::create(clientConfig(key, server->transport().address(), 99),
                                                                   captured, arena::kReplayGame, arena::captureHooks(), log));
        REQUIRE(capture->connect());

        double nextFrame = nowSeconds();
        auto pump = [&] {
            const double now = nowSeconds();
            server->update(static_cast<std::uint64_t>(now * 1e6));
            while (auto ev = server->poll()) {
                if (ev->type == engine::ServerSession<ArenaGame>::Event::Type::Joined) {
                    (void)server->sendEvent(ev->client, matchEvent);
                }
            }
            if (now >= nextFrame) {
                nextFrame = std::max(nextFrame + 1.0 / 60.0, now - 0.1);
                for (auto& bot : bots) bot->update(now);
            }
            (void)capture->update(now);
            server->transport().update(1);
        };
        const double joinBy = nowSeconds() + 10;
        auto joined = [&] {
            bool all = capture->figures().frames > 0;
            for (const auto& bot : bots) all = all && bot->figures().joined;
            return all;
        };
        while (!joined() && nowSeconds() < joinBy) pump();
        everyoneJoined = joined();
        const double end = nowSeconds() + 3;
        while (everyoneJoined && nowSeconds() < end) pump();
        capture->close(0);
        recorder->close();
        for (auto& bot : bots) bot->disconnect(0);
    }
};

const MatchRun& matchRun() {
    static const MatchRun run;
    REQUIRE(run.everyoneJoined);
    return run;
}

bool sameEntities(const World& a, const World& b) { return a.entities == b.entities; }

}  // namespace

TEST_CASE("a server's recording reads back tick for tick as the server simulated it") {
    const MatchRun& run = matchRun();
    CHECK(run.recorderLogLines == 0);
    const ReadBack file = readAll(run.recording);
    CHECK(file.verification.whole);
    CHECK(file.verification.indexed);
    REQUIRE(file.frames.size() == run.serverWorlds.size());
    REQUIRE(file.frames.size() > 120);
    std::size_t differing = 0;
    bool someoneMoved = false;
    for (std::size_t i = 0; i < file.frames.size(); ++i) {
        REQUIRE(file.frames[i].tick == run.serverWorlds[i].tick);
        if (!sameEntities(file.frames[i], run.serverWorlds[i])) ++differing;
        if (i > 0 && !sameEntities(run.serverWorlds[i], run.serverWorlds[i - 1])) someoneMoved = true;
    }
    CHECK(differing == 0);
    CHECK(someoneMoved);
    CHECK(run.serverWorlds.back().entities.size() == 3);
    // The match as broadcast: one MatchEvent at tick 0.
    REQUIRE(file.events.size() == 1);
    CHECK(file.events[0].tick == 0);
    CHECK(arena::decodeMatchEvent(file.events[0].data));
}

TEST_CASE("a spectator's capture holds the server's states at every tick it received") {
    const MatchRun& run = matchRun();
    const ReadBack file = readAll(run.captured);
    CHECK(file.verification.whole);
    std::size_t common = 0, differing = 0;
    std::uint32_t previous = 0;
    for (const auto& frame : file.frames) {
        CHECK((common == 0 || frame.tick > previous));  // each tick once, in order
        previous = frame.tick;
        REQUIRE(frame.tick < run.serverWorlds.size());
        ++common;
        if (!sameEntities(frame, run.serverWorlds[frame.tick])) ++differing;
    }
    MESSAGE(common << " captured ticks of " << run.serverWorlds.size());
    CHECK(differing == 0);
    CHECK(common >= 60);  // 3 s at 30 snapshots per second, less what was lost to timing
    // The MatchEvent the server sent the spectator on joining, at a tick it had seen.
    REQUIRE(!file.events.empty());
    CHECK(arena::decodeMatchEvent(file.events[0].data));
    CHECK(file.events[0].tick >= file.frames.front().tick);
}

TEST_CASE("a recording played back reaches a spectator as recorded, and players are turned away") {
    const MatchRun& run = matchRun();
    auto reader = Reader::open(run.recording, arena::kReplayGame);
    TICKWIRE_REQUIRE_OK(reader);
    net::ServerConfig transport;
    transport.bind = net::Address::loopback(0);
    transport.key = run.key;
    transport.maxClients = 4;
    engine::PlayOptions options;
    options.speed = 4.0;  // the recording is 4 to 5 s long
    options.hooks = arena::playHooks();
    auto player = tickwire::test::made(arena::Playback::create(std::move(*reader), transport, options));
    const auto address = player->session().transport().address();

    // A player is turned away first: playback waits for a spectator all the while.
    auto bot = tickwire::test::made(ArenaBot::create(clientConfig(run.key, address, 7)));
    REQUIRE(bot->connect());
    const double kickBy = nowSeconds() + 10;
    while (!bot->figures().disconnected && nowSeconds() < kickBy) {
        CHECK(player->update(nowSeconds()) == engine::PlayState::Waiting);
        bot->update(nowSeconds());
        player->session().transport().update(1);
    }
    REQUIRE(bot->figures().disconnected);
    CHECK(*bot->figures().disconnected == net::DisconnectReason::Full);
    CHECK(player->figures().refused == 1);

    const std::string path = scratch().file("played.twr");
    auto capture = tickwire::test::made(arena::Capture::create(clientConfig(run.key, address, 8), path, arena::kReplayGame,
                                                                arena::captureHooks()));
    REQUIRE(capture->connect());
    const double endBy = nowSeconds() + 20;
    engine::PlayState state = engine::PlayState::Waiting;
    std::optional<double> finishedAt;
    while (nowSeconds() < endBy) {
        const double now = nowSeconds();
        state = player->update(now);
        (void)capture->update(now);
        if (state == engine::PlayState::Finished && !finishedAt) finishedAt = now;
        if (finishedAt && now - *finishedAt > 0.3) break;
        player->session().transport().update(1);
    }
    REQUIRE(state == engine::PlayState::Finished);
    player->shutdown(200);
    const double leaveBy = nowSeconds() + 5;
    while (capture->update(nowSeconds()) != engine::CaptureState::Ended && nowSeconds() < leaveBy) {
        capture->session().transport().update(1);
    }
    CHECK(capture->disconnected() == net::DisconnectReason::ServerShutdown);
    capture->close(0);
    CHECK(player->figures().framesPlayed == run.serverWorlds.size());

    const ReadBack file = readAll(path);
    std::size_t common = 0, differing = 0;
    for (const auto& frame : file.frames) {
        const auto recorded = player->recordedTick(frame.tick);
        REQUIRE(recorded);
        REQUIRE(*recorded < run.serverWorlds.size());
        ++common;
        if (!sameEntities(frame, run.serverWorlds[*recorded])) ++differing;
    }
    MESSAGE(common << " of " << run.serverWorlds.size() << " recorded ticks captured from the playback");
    CHECK(differing == 0);
    CHECK(common >= run.serverWorlds.size() / 2);
    // The recorded match started at recorded tick 0: the spectator is told so on its timeline.
    REQUIRE(!file.events.empty());
    const auto match = arena::decodeMatchEvent(file.events[0].data);
    REQUIRE(match);
    CHECK(player->recordedTick(match->matchStartTick) == 0u);
    CHECK(match->snapshotRate == match->tickRate);
}

TEST_CASE("a render shows each player's path in its key colour, beside a key, and saves as a compressed PNG or SVG") {
    const MatchRun& run = matchRun();
    auto reader = Reader::open(run.recording, arena::kReplayGame);
    TICKWIRE_REQUIRE_OK(reader);
    arena::ReplayRender render((*reader)->info().tickRate, 0, static_cast<std::uint32_t>(run.serverWorlds.size() - 1));
    for (std::size_t i = 0; i < (*reader)->chunks().size(); ++i) {
        auto chunk = (*reader)->readChunk(i);
        REQUIRE(chunk);
        for (std::size_t f = 0; f < chunk->frames.size(); ++f) render.addFrame(chunk->frames[f], chunk->frameBytes[f]);
    }
    CHECK(render.frames() == run.serverWorlds.size());
    auto picture = arena::view::Picture::create(800, 700);
    REQUIRE(picture);
    bool drawn = false;
    picture->draw([&](cairo_t* cr) { drawn = render.draw(cr, 800, 700, "server.twr"); });
    REQUIRE(drawn);
    picture->draw([&](cairo_t* cr) { CHECK_FALSE(render.draw(cr, 100, 560, "too narrow")); });

    // Where each player stood halfway through, its path passes in the colour its id has in
    // the key (paths keep a point every 0.2 m, so look within 0.3 m), and the key shows
    // that colour too.
    const auto l = arena::ReplayRender::layout(800, 700);
    auto close = [](arena::view::Rgba a, arena::view::Rgba b) {
        return std::abs(a.r - b.r) <= 40 && std::abs(a.g - b.g) <= 40 && std::abs(a.b - b.b) <= 40;
    };
    std::size_t players = 0, onPath = 0;
    for (const auto& e : run.serverWorlds[run.serverWorlds.size() / 2].entities) {
        const auto* p = std::get_if<arena::Player>(&e.state);
        if (!p || !p->alive) continue;
        ++players;
        const auto colour = render.pathColour(e.id);
        const auto [x, y] = l.arena.toPicture(p->x.get(), p->y.get());
        bool here = false;
        const int reach = static_cast<int>(std::ceil(0.3 * l.arena.scale));
        for (int dy = -reach; dy <= reach; ++dy) {
            for (int dx = -reach; dx <= reach; ++dx) {
                here = here || close(picture->pixel(static_cast<int>(x) + dx, static_cast<int>(y) + dy), colour);
            }
        }
        onPath += here ? 1u : 0u;
        bool inKey = false;
        for (int ky = static_cast<int>(l.titleBottom); ky < static_cast<int>(l.plotTop) && !inKey; ++ky) {
            for (int kx = static_cast<int>(l.keyLeft); kx < 800 && !inKey; ++kx) {
                const auto k = picture->pixel(kx, ky);
                inKey = k.r == colour.r && k.g == colour.g && k.b == colour.b;
            }
        }
        CAPTURE(e.id);
        CHECK(inKey);
    }
    CHECK(players > 0u);
    CHECK(onPath * 4 >= players * 3);  // a death marker or a respawn may hide the odd one

    // The plot below has its two series.
    std::map<std::uint32_t, std::size_t> colours;
    for (int y = static_cast<int>(l.plotTop); y < 700; ++y) {
        for (int x = 0; x < 800; ++x) {
            const auto p = picture->pixel(x, y);
            ++colours[(std::uint32_t{p.r} << 16) | (std::uint32_t{p.g} << 8) | p.b];
        }
    }
    CHECK(colours.size() > 5);

    const std::string png = scratch().file("render.png");
    auto draw = [&](cairo_t* cr) { (void)render.draw(cr, 800, 700, "server.twr"); };
    const auto savedPng = arena::view::savePicture(png, 800, 700, draw);
    TICKWIRE_REQUIRE_OK(savedPng);
    cairo_surface_t* back = cairo_image_surface_create_from_png(png.c_str());
    REQUIRE(cairo_surface_status(back) == CAIRO_STATUS_SUCCESS);
    CHECK(cairo_image_surface_get_width(back) == 800);
    CHECK(cairo_image_surface_get_height(back) == 700);
    cairo_surface_destroy(back);
    CHECK(std::filesystem::file_size(png) < 800u * 700u * 4u / 10u);

    const std::string svg = scratch().file("render.svg");
    const auto savedSvg = arena::view::savePicture(svg, 800, 700, draw);
    TICKWIRE_REQUIRE_OK(savedSvg);
    std::ifstream in(svg);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    CHECK(text.rfind("<?xml", 0) == 0);
    CHECK(text.find("<svg") != std::string::npos);
    CHECK(text.find("</svg>") != std::string::npos);
}

TEST_CASE("a render of many players gives the first twelve twelve colours and draws them all") {
    arena::ReplayRender render(60, 0, 119);
    constexpr std::uint32_t kPlayers = 3000;
    for (std::uint32_t tick = 0; tick < 120; ++tick) {
        World world;
        world.tick = tick;
        for (std::uint32_t id = 1; id <= kPlayers; ++id) {
            arena::Player p;
            p.x.set(1.0 + (id % 38) + tick * 0.05);
            p.y.set(1.0 + (id / 38) % 28);
            world.set(id, p);
        }
        render.addFrame(world, 100);
    }
    std::map<std::uint32_t, int> distinct;
    for (std::uint32_t id = 1; id <= 12; ++id) {
        const auto c = render.pathColour(id);
        CHECK(c.a == 255);
        ++distinct[(std::uint32_t{c.r} << 16) | (std::uint32_t{c.g} << 8) | c.b];
    }
    CHECK(distinct.size() == 12u);
    auto picture = arena::view::Picture::create(640, 560);
    REQUIRE(picture);
    bool drawn = false;
    const auto started = std::chrono::steady_clock::now();
    picture->draw([&](cairo_t* cr) { drawn = render.draw(cr, 640, 560, "crowd.twr"); });
    CHECK(drawn);
    // Thousands of players draw in well under a second (no work per pair of players).
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}

TEST_CASE("a recorder that fails says so once, records nothing more, and leaves a readable file") {
    const std::string path = scratch().file("failing.twr");
    std::vector<std::string> lines;
    auto log = [&](const std::string& line) { lines.push_back(line); };
    auto recorder = tickwire::test::made(arena::Recorder::create(path, {.game = arena::kReplayGame, .tickRate = 60}, log));
    World world;
    world.tick = 5;
    ArenaGame::spawn(world, 1);
    recorder->addFrame(world);
    recorder->addFrame(world);  // the same tick again: refused
    world.tick = 6;
    recorder->addFrame(world);
    recorder->addEvent(6, std::vector<std::uint8_t>{1, 2, 3});
    recorder->close();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("stopped at tick 5") != std::string::npos);
    const auto f = recorder->figures();
    CHECK(f.frames == 1);
    CHECK(f.writeErrors == 1);
    CHECK(f.lostFrames == 2);
    CHECK(f.lostEvents == 1);
    CHECK(!recorder->recording());
    const ReadBack file = readAll(path);
    CHECK(file.verification.whole);
    REQUIRE(file.frames.size() == 1);
    CHECK(file.frames[0].tick == 5);
}
