// Recording, capturing and playing replays of a game that is not the arena (the sessions'
// test game): ReplayRecorder, ReplayCapture and ReplayPlayer know a game only through its
// types and the hooks it gives them. Sessions meet over loopback in this process; their
// clock is a number the tests advance, so nothing here depends on how fast the machine is.

#include "../integration/test_game.hpp"
#include "../support/made.hpp"
#include "../support/temp_dir.hpp"

#include <tickwire/engine/client_session.hpp>
#include <tickwire/engine/replay.hpp>
#include <tickwire/engine/replay_capture.hpp>
#include <tickwire/engine/replay_player.hpp>
#include <tickwire/engine/replay_recorder.hpp>
#include <tickwire/engine/server_session.hpp>
#include <tickwire/net/token.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

using namespace tickwire;
using namespace tickwire::engine;
using test::TestGame;
using World = TestGame::World;
using Reader = ReplayReader<TestGame::Codec>;

namespace {

constexpr char kGame[] = "pawns";

// The test game's events: a "state" event (which round is on: the tick it began at and the
// snapshot rate it is sent at) that lasts until the next, and plain ones.
constexpr std::uint8_t kState = 'S';
constexpr std::uint8_t kPlain = 'P';

void putU32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint32_t u32At(std::span<const std::uint8_t> bytes, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(bytes[at + i]) << (8 * i);
    return v;
}

std::vector<std::uint8_t> stateEvent(std::uint32_t roundStartTick, std::uint32_t snapshotRate) {
    std::vector<std::uint8_t> out{kState};
    putU32(out, roundStartTick);
    putU32(out, snapshotRate);
    return out;
}

bool isState(std::span<const std::uint8_t> e) { return e.size() == 9 && e[0] == kState; }

PlayHooks stateHooks() {
    return {
        .lasting = isState,
        .retime = [](std::span<const std::uint8_t> e, std::uint32_t offset,
                     std::uint32_t snapshotRate) -> std::optional<std::vector<std::uint8_t>> {
            if (!isState(e)) return std::nullopt;
            return stateEvent(u32At(e, 1) + offset, snapshotRate);
        },
    };
}

/// One scratch directory for the whole run.
const test::TempDir& scratch() {
    static const test::TempDir dir;
    return dir;
}

ClientSessionConfig clientConfig(const net::Key& key, net::Address server, std::uint64_t playerId) {
    net::TokenParams p;
    p.playerId = playerId;
    p.servers = {server};
    p.timeoutSeconds = 10;
    ClientSessionConfig config;
    config.transport.token = *net::issueToken(key, p, net::unixNow());
    config.transport.bind = net::Address::loopback(0);
    config.transport.handshakeTimeoutMs = 10000;
    config.snapshotRate = 0;  // whatever the server sends
    return config;
}

/// The world of a tick: one pawn that walks 100 mm a tick.
World worldAt(std::uint32_t tick) {
    World w;
    w.tick = tick;
    test::Pawn p;
    p.x.set(static_cast<std::int64_t>(tick) * 100);
    w.set(1, p);
    return w;
}

struct ReadBack {
    std::vector<World> frames;
    std::vector<ReplayEvent> events;
    ReplayVerification verification;
};

ReadBack readAll(const std::string& path) {
    auto reader = test::made(Reader::open(path, kGame));
    ReadBack out;
    out.verification = reader->verification();
    for (std::size_t i = 0; i < reader->chunks().size(); ++i) {
        auto chunk = test::made(reader->readChunk(i));
        for (auto& f : chunk.frames) out.frames.push_back(std::move(f));
        for (auto& e : chunk.events) out.events.push_back(std::move(e));
    }
    return out;
}

std::uint64_t micros(double seconds) { return static_cast<std::uint64_t>(seconds * 1e6); }

// Most turns of the loops below: each waits up to 1 ms for traffic, so this bounds a loop to
// seconds, not minutes, on a machine that never delivers.
constexpr int kMaxTurns = 40000;

}  // namespace

TEST_CASE("a recorder of any game writes its frames and events, and reports its first failure once") {
    const std::string path = scratch().file("recorded.twr");
    std::vector<std::string> lines;
    auto log = [&](const std::string& line) { lines.push_back(line); };
    auto recorder = test::made(ReplayRecorder<TestGame::Codec>::create(path, {.game = kGame, .tickRate = 60}, log));
    for (std::uint32_t tick = 0; tick < 10; ++tick) recorder->addFrame(worldAt(tick));
    recorder->addEvent(3, std::vector<std::uint8_t>{kPlain, 1});
    CHECK(recorder->recording());
    CHECK(recorder->figures().frames == 10);
    CHECK(lines.empty());

    recorder->addFrame(worldAt(5));  // back in time: the recording ends here
    recorder->addFrame(worldAt(20));
    recorder->addEvent(20, std::vector<std::uint8_t>{kPlain, 2});
    recorder->close();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("stopped at tick 5") != std::string::npos);
    CHECK(lines[0].find(path) != std::string::npos);
    const RecordFigures f = recorder->figures();
    CHECK(f.frames == 10);
    CHECK(f.events == 1);
    CHECK(f.writeErrors == 1);
    CHECK(f.lostFrames == 2);
    CHECK(f.lostEvents == 1);
    CHECK(f.firstTick == 0u);
    CHECK(f.lastTick == 9u);
    CHECK(f.bytes > 0);
    CHECK(!recorder->recording());
    CHECK(recorder->failed());

    const ReadBack file = readAll(path);
    CHECK(file.verification.whole);
    REQUIRE(file.frames.size() == 10);
    for (std::uint32_t tick = 0; tick < 10; ++tick) {
        CHECK(file.frames[tick].tick == tick);
        CHECK(file.frames[tick].entities == worldAt(tick).entities);
    }
    REQUIRE(file.events.size() == 1);
    CHECK(file.events[0].tick == 3);
    CHECK(file.events[0].data == std::vector<std::uint8_t>{kPlain, 1});

    // A file that cannot be created is the one failure create() reports, naming it.
    const std::string nowhere = scratch().file("no-such-directory") + "/recorded.twr";
    const auto refused = ReplayRecorder<TestGame::Codec>::create(nowhere, {.game = kGame, .tickRate = 60}, log);
    REQUIRE(!refused);
    CHECK(refused.error() == Error::IoError);
    CHECK(refused.detail().find(nowhere) != std::string::npos);
    CHECK(lines.size() == 1);
}

TEST_CASE("a capture of any game records what its spectator receives, and ends when the game's hook says so") {
    const net::Key key = net::Key::generate();
    ServerSessionConfig config;
    config.transport.bind = net::Address::loopback(0);
    config.transport.key = key;
    auto server = test::made(ServerSession<TestGame>::create(config));
    server->world().set(TestGame::kTarget, test::Pawn{});  // walks by itself: every tick differs
    std::map<std::uint32_t, World> served;
    server->onTick([&](const World& w) { served[w.tick] = w; });

    const std::string path = scratch().file("captured.twr");
    CaptureHooks hooks;
    hooks.ends = [](std::span<const std::uint8_t> e, std::uint32_t tickRate) -> std::optional<std::string> {
        if (e.empty() || e[0] != 'X') return std::nullopt;
        return "the server stopped the round at " + std::to_string(tickRate) + " ticks per second";
    };
    std::vector<std::string> lines;
    auto capture = test::made(ReplayCapture<TestGame>::create(clientConfig(key, server->transport().address(), 9), path,
                                                              kGame, hooks, [&](const std::string& l) { lines.push_back(l); }));
    REQUIRE(capture->connect());

    double now = 0;
    std::optional<net::ConnectionId> spectator;
    auto turn = [&] {
        now += 1.0 / 240.0;
        server->update(micros(now));
        while (auto ev = server->poll()) {
            if (ev->type != ServerSession<TestGame>::Event::Type::Joined) continue;
            CHECK(!ev->entity);  // a capture is a spectator
            spectator = ev->client;
            (void)server->sendEvent(ev->client, stateEvent(server->tick(), config.snapshotRate));
            (void)server->sendEvent(ev->client, std::vector<std::uint8_t>{kPlain, 7});
        }
        const CaptureState state = capture->update(now);
        server->transport().update(1);
        return state;
    };
    int turns = 0;
    while ((capture->figures().frames < 40 || capture->figures().events < 2) && ++turns < kMaxTurns) {
        REQUIRE(turn() != CaptureState::Ended);
    }
    REQUIRE(capture->figures().frames >= 40);
    REQUIRE(spectator);
    CHECK(!capture->problem());

    // The game's hook: this event means the capture cannot go on. It is recorded, and the
    // capture ends with the hook's sentence.
    REQUIRE(server->sendEvent(*spectator, std::vector<std::uint8_t>{'X'}));
    CaptureState state = CaptureState::Running;
    for (turns = 0; state != CaptureState::Ended && turns < kMaxTurns; ++turns) state = turn();
    REQUIRE(state == CaptureState::Ended);
    REQUIRE(capture->problem());
    CHECK(*capture->problem() == "the server stopped the round at 60 ticks per second");
    CHECK(!capture->disconnected());
    CHECK(capture->update(now + 1) == CaptureState::Ended);
    capture->close(0);
    CHECK(lines.empty());
    CHECK(capture->droppedEvents() == 0);

    const ReadBack file = readAll(path);
    CHECK(file.verification.whole);
    CHECK(file.verification.indexed);
    REQUIRE(file.frames.size() == capture->figures().frames);
    std::size_t differing = 0;
    for (std::size_t i = 0; i < file.frames.size(); ++i) {
        if (i > 0) CHECK(file.frames[i].tick > file.frames[i - 1].tick);
        REQUIRE(served.count(file.frames[i].tick) == 1);
        if (file.frames[i].entities != served[file.frames[i].tick].entities) ++differing;
    }
    CHECK(differing == 0);
    REQUIRE(file.events.size() == 3);
    CHECK(isState(file.events[0].data));
    CHECK(file.events[1].data == std::vector<std::uint8_t>{kPlain, 7});
    CHECK(file.events[2].data == std::vector<std::uint8_t>{'X'});
    CHECK(file.events[0].tick >= file.frames.front().tick);  // held until a frame was recorded
}

TEST_CASE("a player plays any game's recording to spectators, and tells a late one the state in effect") {
    // The recording: ticks 100..399 in chunks of 30 ticks, a round that began at tick 100,
    // a plain event, and a new round at tick 350.
    const std::string recording = scratch().file("round.twr");
    std::map<std::uint32_t, World> recorded;
    {
        auto recorder = test::made(ReplayRecorder<TestGame::Codec>::create(
            recording, {.game = kGame, .tickRate = 60}, {}, ReplayWriterConfig{.chunkTicks = 30}));
        for (std::uint32_t tick = 100; tick < 400; ++tick) {
            recorded[tick] = worldAt(tick);
            recorder->addFrame(recorded[tick]);
            if (tick == 100) recorder->addEvent(tick, stateEvent(100, 30));
            if (tick == 250) recorder->addEvent(tick, std::vector<std::uint8_t>{kPlain, 9});
            if (tick == 350) recorder->addEvent(tick, stateEvent(350, 30));
        }
        recorder->close();
        REQUIRE(!recorder->failed());
    }

    const net::Key key = net::Key::generate();
    net::ServerConfig transport;
    transport.bind = net::Address::loopback(0);
    transport.key = key;
    transport.maxClients = 4;
    auto player = test::made(ReplayPlayer<TestGame>::create(test::made(Reader::open(recording, kGame)), transport,
                                                            {.hooks = stateHooks()}));
    const auto address = player->session().transport().address();
    CHECK(player->reader().chunks().size() == 10);

    // The first spectator records what it is sent, taking every event as plain bytes.
    const std::string path = scratch().file("watched.twr");
    auto watcher = test::made(ReplayCapture<TestGame>::create(clientConfig(key, address, 1), path, kGame));
    REQUIRE(watcher->connect());
    auto lateConfig = clientConfig(key, address, 2);
    lateConfig.spectator = true;
    auto late = test::made(ClientSession<TestGame>::create(lateConfig));
    std::vector<std::vector<std::uint8_t>> lateEvents;

    double now = 0;
    PlayState state = PlayState::Waiting;
    bool lateConnecting = false;
    auto turn = [&](bool advance) {
        if (advance) now += 1.0 / 240.0;
        state = player->update(now);
        (void)watcher->update(now);
        if (lateConnecting) {
            late->update(now, [](std::uint32_t) { return test::PawnInput{}; });
            while (auto e = late->pollEvent()) lateEvents.push_back(std::move(*e));
        }
        player->session().transport().update(1);
    };
    int turns = 0;
    while (player->figures().ticksPlayed < 60 && ++turns < kMaxTurns) turn(true);
    REQUIRE(player->figures().ticksPlayed >= 60);
    CHECK(state == PlayState::Playing);

    // The late spectator joins while the clock stands still: it joins the round begun at
    // recorded tick 100, and is told so on its own timeline.
    REQUIRE(late->connect());
    lateConnecting = true;
    for (turns = 0; player->figures().spectators < 2 && turns < kMaxTurns; ++turns) turn(false);
    REQUIRE(player->figures().spectators == 2);
    for (turns = 0; state != PlayState::Finished && turns < kMaxTurns; ++turns) turn(true);
    REQUIRE(state == PlayState::Finished);
    // The last ticks and events leave on the next turns.
    for (turns = 0; (lateEvents.size() < 3 || watcher->figures().events < 3) && turns < kMaxTurns; ++turns) turn(true);
    player->shutdown(200);
    for (turns = 0; watcher->update(now) != CaptureState::Ended && turns < kMaxTurns; ++turns) {
        watcher->session().transport().update(1);
    }
    CHECK(watcher->disconnected() == net::DisconnectReason::ServerShutdown);
    watcher->close(0);

    const PlayFigures f = player->figures();
    CHECK(f.framesPlayed == recorded.size());
    CHECK(f.ticksPlayed == recorded.size());
    CHECK(f.eventsSent == 3);
    CHECK(f.passes == 1);
    CHECK(f.spectatorsPeak == 2);
    CHECK(f.refused == 0);
    CHECK(player->problem().empty());

    // The first spectator saw the recorded frames, each at its session tick.
    const ReadBack file = readAll(path);
    std::size_t differing = 0;
    for (const auto& frame : file.frames) {
        const auto at = player->recordedTick(frame.tick);
        REQUIRE(at);
        REQUIRE(recorded.count(*at) == 1);
        if (frame.entities != recorded[*at].entities) ++differing;
    }
    MESSAGE(file.frames.size() << " of " << recorded.size() << " recorded ticks seen by the spectator");
    CHECK(differing == 0);
    CHECK(file.frames.size() >= recorded.size() / 2);
    // ...and the recorded events at their ticks, the states moved to its timeline and the
    // snapshot rate it is sent at.
    REQUIRE(file.events.size() == 3);
    REQUIRE(isState(file.events[0].data));
    CHECK(player->recordedTick(u32At(file.events[0].data, 1)) == 100u);
    CHECK(u32At(file.events[0].data, 5) == 60);
    CHECK(file.events[1].data == std::vector<std::uint8_t>{kPlain, 9});
    REQUIRE(isState(file.events[2].data));
    CHECK(player->recordedTick(u32At(file.events[2].data, 1)) == 350u);

    // The late spectator was told the round in effect when it joined, then the rest.
    REQUIRE(lateEvents.size() == 3);
    REQUIRE(isState(lateEvents[0]));
    CHECK(player->recordedTick(u32At(lateEvents[0], 1)) == 100u);
    CHECK(u32At(lateEvents[0], 5) == 60);
    CHECK(lateEvents[1] == std::vector<std::uint8_t>{kPlain, 9});
    CHECK(player->recordedTick(u32At(lateEvents[2], 1)) == 350u);
}

TEST_CASE("a player without hooks sends each recorded event once, unchanged") {
    const std::string recording = scratch().file("plain.twr");
    {
        auto recorder = test::made(ReplayRecorder<TestGame::Codec>::create(recording, {.game = kGame, .tickRate = 60}));
        for (std::uint32_t tick = 0; tick < 30; ++tick) recorder->addFrame(worldAt(tick));
        recorder->addEvent(0, stateEvent(0, 30));
        recorder->addEvent(20, std::vector<std::uint8_t>{kPlain, 3});
    }
    const net::Key key = net::Key::generate();
    net::ServerConfig transport;
    transport.bind = net::Address::loopback(0);
    transport.key = key;
    auto player = test::made(
        ReplayPlayer<TestGame>::create(test::made(Reader::open(recording, kGame)), transport, {.from = 10}));
    CHECK(player->nextRecordedTick() == 10);
    auto config = clientConfig(key, player->session().transport().address(), 1);
    config.spectator = true;
    auto spectator = test::made(ClientSession<TestGame>::create(config));
    REQUIRE(spectator->connect());
    std::vector<std::vector<std::uint8_t>> events;
    double now = 0;
    PlayState state = PlayState::Waiting;
    auto turn = [&] {
        now += 1.0 / 240.0;
        state = player->update(now);
        spectator->update(now, [](std::uint32_t) { return test::PawnInput{}; });
        while (auto e = spectator->pollEvent()) events.push_back(std::move(*e));
        player->session().transport().update(1);
    };
    int turns = 0;
    for (; state != PlayState::Finished && turns < kMaxTurns; ++turns) turn();
    REQUIRE(state == PlayState::Finished);
    for (turns = 0; events.empty() && turns < kMaxTurns; ++turns) turn();
    CHECK(player->figures().framesPlayed == 20);  // from tick 10
    CHECK(player->figures().eventsSent == 1);
    // Without a hook the state event before `from` is not lasting: only the plain one plays.
    REQUIRE(events.size() == 1);
    CHECK(events[0] == std::vector<std::uint8_t>{kPlain, 3});
}
