// arena-server: the authoritative server of the sample arena. It runs ArenaGame at a fixed
// tick, takes inputs from players, sends each of them delta snapshots, and restarts the
// match every five minutes.
//
//   tickwire-token keygen --out server.key
//   arena-server --port 40000 --key server.key --max-players 16
//   arena-client --server 127.0.0.1:40000 --key server.key --bots 8 --seconds 30
//
// --port 0 takes a free port; the first line on stderr ("arena-server listening on
// ADDR:PORT") names it. On a terminal it keeps one live status line; otherwise it logs a line every few seconds.
// SIGINT or SIGTERM ends it: clients are told the server is shutting down, and with
// --json the last line on stdout is one JSON object of figures.
//
// With --record FILE it writes a replay of every tick it simulates, and of the match events
// it broadcasts (read it with tickwire-replay).
//
// With --metrics ADDR:PORT it serves Prometheus' text exposition on http://ADDR:PORT/metrics
// (port 0: one the system picks, printed at start): players, spectators, tick durations,
// snapshot bytes and every counter of the transport (docs/DEPLOY.md).
//
// With --agones it runs as an Agones game server: Ready once listening, Health from the
// game loop every --health-period seconds, the match starts when the game server is
// Allocated and ends with Shutdown (after telling the players), as does SIGTERM.
//
// With --matchmaker-admin URL it reports its address, players, capacity and state to the
// sample matchmaker once a second, and "shutting_down" before it tells players it is.

#include "arena_agones.hpp"
#include "arena_console.hpp"
#include "arena_events.hpp"
#include "arena_game.hpp"
#include "arena_metrics.hpp"
#include "arena_replay.hpp"
#include "arena_report.hpp"
#include "arena_server_options.hpp"
#include "arena_tool.hpp"

#include <tickwire/engine/server_session.hpp>
#include <tickwire/engine/tick_clock.hpp>
#include <tickwire/engine/tick_times.hpp>
#include <tickwire/net/address.hpp>
#include <tickwire/net/log.hpp>

#include <server_options.hpp>
#include <tool_cli.hpp>
#include <nlohmann/json.hpp>

#include <malloc.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace tickwire;
using arena::tool::nowSeconds;
using arena::tool::stopRequested;
using arena::ArenaGame;

namespace {

using Session = engine::ServerSession<ArenaGame>;
using LogLine = std::function<void(const std::string&)>;

using tickwire::cli::kExitFailed;
using tickwire::cli::kExitUsage;

int fail(int code, const std::string& message) {
    std::cerr << "arena-server: " << message << '\n';
    return code;
}

/// The session the options describe, bound where ServerOptions say. Its transport logs
/// through `logLine`.
engine::ServerSessionConfig sessionConfig(const arena::ServerSettings& o, const tickwire::cli::ServerListen& listen,
                                          const LogLine& logLine) {
    engine::ServerSessionConfig config;
    config.tickRate = o.tickRate;
    config.snapshotRate = o.snapshotRate;
    config.bytesPerSecondPerClient = o.budget;
    // Baselines a client may still acknowledge: one second of snapshots covers any round
    // trip a player can play with, at half the memory of the default.
    config.snapshotHistory = std::max<std::uint32_t>(2, o.snapshotRate);
    // Chained models make each delta smaller (about 20% here) but cost a copy of the
    // models per packet and a few KiB per stored baseline: worth it for a small arena,
    // not for a thousand players (docs/BENCHMARKS.md, Arena).
    config.codec.chainModels = o.chain == "on" || (o.chain == "auto" && o.maxPlayers <= arena::kChainModelsUpTo);
    config.maxPlayers = static_cast<std::uint32_t>(o.maxPlayers);
    config.transport.key = listen.key;
    config.transport.bind = listen.bind;
    config.transport.publicAddresses = listen.publicAddresses;
    config.transport.maxClients = o.maxPlayers + o.spectators;
    config.transport.maxPending = std::max<std::size_t>(256, o.maxPlayers + o.spectators);
    // Per-connection Info lines would scroll a thousand-player server away.
    const bool quiet = o.maxPlayers > 64;
    config.transport.log = [logLine, quiet](net::LogLevel level, std::string_view line) {
        if (level == net::LogLevel::Debug) return;
        if (level == net::LogLevel::Info && quiet) return;
        logLine("[" + std::string(describe(level)) + "] " + std::string(line));
    };
    return config;
}

/// The matchmaker's admin secret: the first line of `path`, without trailing blanks.
std::optional<std::string> readAdminSecret(const std::string& path) {
    std::ifstream in(path);
    std::string secret;
    if (!in || !std::getline(in, secret) || secret.empty()) return std::nullopt;
    while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
    return secret;
}

/// Who is in the arena.
struct Roster {
    std::map<std::uint64_t, net::ConnectionId> players;  // by entity
    std::size_t spectators = 0;
    std::size_t playersPeak = 0;
};

/// Takes the joins and leaves of the last update into the roster (and the Agones SDK's
/// player list). Returns who joined.
std::vector<net::ConnectionId> takeJoinsAndLeaves(Session& session, Roster& roster, arena::AgonesSdk* sdk) {
    std::vector<net::ConnectionId> joined;
    while (auto ev = session.poll()) {
        if (ev->type == Session::Event::Type::Joined) {
            joined.push_back(ev->client);
            if (!ev->entity) {
                ++roster.spectators;
            } else {
                roster.players[*ev->entity] = ev->client;
                roster.playersPeak = std::max(roster.playersPeak, roster.players.size());
                if (sdk) sdk->playerConnected(ev->playerId);
            }
        } else if (ev->type == Session::Event::Type::Left) {
            if (ev->entity) {
                if (roster.players.erase(*ev->entity) > 0 && sdk) sdk->playerDisconnected(ev->playerId);
            } else if (roster.spectators > 0) {
                --roster.spectators;
            }
        }
    }
    return joined;
}

/// "kills by player: 3:2 5:0", from the world's players.
std::string scoreBoard(const ArenaGame::World& world) {
    std::string board;
    for (const auto& e : world.entities) {
        if (const auto* p = std::get_if<arena::Player>(&e.state)) {
            board += " " + std::to_string(e.id) + ":" + std::to_string(p->score.get());
        }
    }
    return "kills by player:" + (board.empty() ? std::string(" none") : board);
}

/// Until the next tick is due, takes in what arrives in 1 ms slices: a thousand players'
/// inputs would overflow the socket's receive buffer in one 16 ms sleep.
void receiveUntilNextTick(Session& session, double now, double tickSeconds) {
    const double due = now + (1.0 - session.clock().alpha()) * tickSeconds;
    while (stopRequested == 0 && nowSeconds() + 0.0005 < due) session.transport().update(1);
}

/// Tells everyone this server is going away: first the matchmaker (so it sends no new
/// player here), then the clients (DisconnectReason::ServerShutdown), last Agones (which
/// deletes the pod once it hears). Returns how many clients were told.
std::size_t shutDown(Session& session, arena::MatchmakerReport* report, arena::AgonesSdk* sdk, const LogLine& logLine) {
    if (report) {
        const bool taken = report->shuttingDown(1500);
        for (const std::string& line : report->takeLog()) logLine(line);
        if (!taken) logLine("arena-server: the matchmaker did not take the shutdown report");
    }
    const std::size_t connected = session.transport().connectedCount();
    session.transport().shutdown(net::DisconnectReason::ServerShutdown);
    while (session.poll()) {
    }
    if (sdk) {
        for (const std::string& line : sdk->takeLog()) logLine(line);
        const bool told = sdk->shutdown(3000);
        for (const std::string& line : sdk->takeLog()) logLine(line);
        logLine(told ? "arena-server: Agones told of the shutdown" : "arena-server: the SDK sidecar did not take Shutdown");
    }
    return connected;
}

/// The run's figures from the first join on: what --json sums up.
struct SinceFirstJoin {
    std::optional<double> at;   // when someone first joined
    net::HostStats host;        // the transport's totals then
    double playerSeconds = 0;   // players in the arena, summed over time
};

/// What --json prints at exit (the recording's figures are added by the caller).
nlohmann::json summary(Session& session, const Roster& roster, const SinceFirstJoin& run, double end) {
    const auto& host = session.transport().hostStats();
    // An empty arena's ticks are cheap: the tick times are those of ticks with players.
    const auto& ticks = session.tickTimes().withPlayers();
    nlohmann::json j;
    j["ticks"] = session.tick();
    j["dropped_ticks"] = session.clock().droppedTicks();
    j["ticks_with_players"] = ticks.count();
    j["tick_ms_p50"] = arena::milliseconds(ticks.percentileMicros(0.5));
    j["tick_ms_p99"] = arena::milliseconds(ticks.percentileMicros(0.99));
    j["tick_ms_max"] = arena::milliseconds(ticks.maxMicros());
    j["players_peak"] = roster.playersPeak;
    j["players_refused"] = session.sessionStats().full;
    j["seconds_with_players"] = run.at ? end - *run.at : 0.0;
    j["udp_bytes_out"] = host.udpBytesOut - run.host.udpBytesOut;
    j["udp_bytes_in"] = host.udpBytesIn - run.host.udpBytesIn;
    j["bytes_per_s_per_client"] =
        run.playerSeconds > 0 ? static_cast<double>(host.udpBytesOut - run.host.udpBytesOut) / run.playerSeconds : 0.0;
    j["host"] = nlohmann::json::parse(host.toJson());
    return j;
}

}  // namespace

int main(int argc, char** argv) {
    // The snapshot codec's chained memories (a few hundred KiB each) are allocated and
    // freed with every snapshot: a fixed mmap threshold gives them back to the system
    // instead of letting glibc move them to a heap that fragments (resident size doubled
    // within a minute with 64 players otherwise).
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);

    // 1. Options.
    arena::ServerSettings options;
    if (auto code = arena::readServerSettings(argc, argv, options)) return *code;
    const auto listen = options.server.resolve();
    if (!listen) return fail(kExitUsage, listen.detail());
    const std::uint32_t tickRate = options.tickRate;
    const std::uint32_t snapshotRate = options.snapshotRate;
    const std::uint32_t matchSeconds = options.matchSeconds;
    const std::string& recordFile = options.recordFile;
    arena::Console console;
    const LogLine logLine = [&console](const std::string& line) { console.log(line); };

    // 2. The session: configured, checked, listening.
    const engine::ServerSessionConfig config = sessionConfig(options, *listen, logLine);
    if (auto ok = config.validate(); !ok) return fail(kExitUsage, "invalid configuration: " + ok.detail());
    if (!recordFile.empty()) {
        if (auto cannot = tickwire::cli::unwritable(recordFile)) {
            return fail(kExitUsage, "--record: cannot write '" + recordFile + "': " + *cannot);
        }
    }
    auto created = Session::create(config);
    if (!created) {
        return fail(kExitFailed, "cannot listen on " + listen->bind.toString() + ": " + created.message());
    }
    auto& session = **created;

    // 3. What watches it: the replay recorder, /metrics, the matchmaker, Agones.
    std::unique_ptr<arena::Recorder> recorder;
    if (!recordFile.empty()) {
        auto made = arena::Recorder::create(recordFile, {.game = arena::kReplayGame, .tickRate = tickRate},
                                            [&](const std::string& line) { logLine("arena-server: " + line); });
        if (!made) return fail(kExitUsage, made.detail());
        recorder = std::move(*made);
        // Every tick as the clients were sent it, however many one update() simulates.
        session.onTick([&recorder](const ArenaGame::World& world) { recorder->addFrame(world); });
    }
    std::unique_ptr<arena::MetricsEndpoint> metrics;
    if (options.metrics) {
        auto host = options.metrics->toString();
        host = host.substr(0, host.rfind(':'));
        auto started = arena::MetricsEndpoint::start(host, options.metrics->port);
        if (!started) return fail(kExitFailed, started.detail());
        metrics = std::move(*started);
        logLine("arena-server metrics on http://" + host + ":" + std::to_string(metrics->port()) + "/metrics");
    }
    std::unique_ptr<arena::MatchmakerReport> report;
    if (!options.matchmakerUrl.empty()) {
        const auto secret = readAdminSecret(options.matchmakerSecretFile);
        if (!secret) {
            return fail(kExitUsage, "cannot read the admin secret from '" + options.matchmakerSecretFile + "'");
        }
        // Players reach this server at its first public address: --public, or loopback.
        const std::string reported = options.server.publicTexts.empty()
                                         ? net::Address::loopback(session.transport().address().port).toString()
                                         : listen->publicAddresses[1].toString();
        auto started = arena::MatchmakerReport::start(options.matchmakerUrl, *secret, reported, options.maxPlayers);
        if (!started) return fail(kExitFailed, started.detail());
        report = std::move(*started);
        logLine("arena-server: reporting to the matchmaker at " + options.matchmakerUrl + " as " + reported);
    }
    std::unique_ptr<arena::AgonesSdk> sdk;
    if (options.agones) {
        sdk = std::make_unique<arena::AgonesSdk>(options.agonesPort);
        sdk->ready();
        logLine("arena-server: Agones SDK sidecar at 127.0.0.1:" + std::to_string(options.agonesPort) +
                "; the match starts when this game server is allocated");
    }
    arena::tool::catchStopSignals();
    logLine("arena-server listening on " + session.transport().address().toString() + " (" +
            std::to_string(tickRate) + " Hz, snapshots " + std::to_string(snapshotRate) + " Hz, up to " +
            std::to_string(options.maxPlayers) + " players)" + (recorder ? ", recording to " + recordFile : ""));

    // 4. The game loop: one update() per tick, then what the tick brought.
    const double started = nowSeconds();
    std::uint32_t matchStart = 0;
    const std::uint32_t matchTicks = matchSeconds * tickRate;
    bool matchRunning = !sdk;  // under Agones, from allocation on
    double lastHealth = 0;
    Roster roster;
    SinceFirstJoin run;
    double lastLoop = started;
    double lastStatus = started;
    net::HostStats atLastStatus = session.transport().hostStats();
    arena::ServerFigures figures;
    figures.maxPlayers = options.maxPlayers;
    arena::SnapshotTotalsSeen snapshotsSeen;
    double lastPublish = 0;

    auto matchEvent = [&] {
        return arena::encodeMatchEvent({tickRate, snapshotRate, matchStart, matchSeconds});
    };
    // The replay holds the match as broadcast: its event at the start, then one per new
    // match. The copy each joining player is sent repeats the current one and is left out.
    if (recorder) recorder->addEvent(0, matchEvent());

    while (stopRequested == 0) {
        const double now = nowSeconds();
        if (options.seconds > 0 && now - started >= options.seconds) break;
        if (run.at) run.playerSeconds += static_cast<double>(roster.players.size()) * (now - lastLoop);
        lastLoop = now;

        session.update(static_cast<std::uint64_t>(now * 1e6));
        const engine::UpdateTime took = session.tickTimes().lastUpdate();
        figures.observeTicks(took.ticks, static_cast<double>(took.microsPerTick) / 1e6);

        // Every newcomer hears which match is on.
        const std::vector<net::ConnectionId> joined = takeJoinsAndLeaves(session, roster, sdk.get());
        for (const net::ConnectionId client : joined) (void)session.sendEvent(client, matchEvent());
        if (!joined.empty() && !run.at) {
            run.at = nowSeconds();
            run.host = session.transport().hostStats();
        }

        if (report) {
            report->set(roster.players.size());
            for (const std::string& line : report->takeLog()) logLine(line);
        }
        if (sdk) {
            // Health is reported from here, by the loop itself: if the loop stalls, so does health.
            if (now - lastHealth >= options.healthPeriod) {
                lastHealth = now;
                sdk->health();
            }
            for (const std::string& line : sdk->takeLog()) logLine(line);
            if (!matchRunning) {
                if (sdk->allocated()) {
                    matchRunning = true;
                    matchStart = session.tick();
                    logLine("arena-server: allocated; the match starts");
                    const auto bytes = matchEvent();
                    for (const auto& [entity, client] : roster.players) (void)session.sendEvent(client, bytes);
                    if (recorder) recorder->addEvent(session.world().tick, bytes);
                } else {
                    matchStart = session.tick();  // the clock waits for the allocation
                }
            } else if (session.tick() - matchStart >= matchTicks) {
                // One game server is one match: Agones replaces it with a fresh one.
                logLine("arena-server: the match is over; shutting down");
                break;
            }
        }

        // A new match: scores back to zero, and everyone hears when it began.
        if (session.tick() - matchStart >= matchTicks) {
            logLine("match over; " + scoreBoard(session.world()));
            ArenaGame::resetScores(session.world());
            matchStart = session.tick();
            const auto bytes = matchEvent();
            for (const auto& [entity, client] : roster.players) (void)session.sendEvent(client, bytes);
            if (recorder) recorder->addEvent(session.world().tick, bytes);
        }

        // Ten times a second the HTTP thread gets a fresh copy; it never reads the session.
        if (metrics && now - lastPublish >= 0.1) {
            lastPublish = now;
            arena::collectFigures(session, roster.players.size(), roster.spectators, snapshotsSeen, figures);
            metrics->publish(figures);
        }

        if (now - lastStatus >= console.statusPeriod()) {
            const auto& host = session.transport().hostStats();
            const double bytesOut =
                static_cast<double>(host.udpBytesOut - atLastStatus.udpBytesOut) / (now - lastStatus);
            const double matchLeft = static_cast<double>(matchSeconds) -
                                     static_cast<double>(session.tick() - matchStart) / tickRate;
            console.status(arena::statusLine(roster.players.size(), options.maxPlayers, roster.spectators,
                                             session.tickTimes().recent(), bytesOut, host, matchLeft));
            session.tickTimes().restartRecent();
            lastStatus = now;
            atLastStatus = host;
        }

        receiveUntilNextTick(session, now, 1.0 / tickRate);
    }
    console.finish();

    // 5. Shutdown, with everyone told.
    const std::size_t connected = shutDown(session, report.get(), sdk.get(), logLine);

    // 6. The report.
    if (recorder) {
        recorder->close();
        const auto r = recorder->figures();
        std::cerr << "arena-server: recorded " << r.frames << " ticks and " << r.events << " events (" << r.bytes
                  << " bytes) to " << recordFile << (r.writeErrors > 0 ? ", then a write error stopped it" : "")
                  << '\n';
    }
    const double end = nowSeconds();
    const auto& ticks = session.tickTimes().withPlayers();
    std::cerr << "arena-server: shut down after " << std::lround(end - started) << " s, told " << connected
              << " clients; " << session.tick() << " ticks, tick p50 " << arena::milliseconds(ticks.percentileMicros(0.5))
              << " ms, p99 " << arena::milliseconds(ticks.percentileMicros(0.99)) << " ms\n";
    if (options.json) {
        nlohmann::json j = summary(session, roster, run, end);
        if (recorder) {
            const auto r = recorder->figures();
            j["record_frames"] = r.frames;
            j["record_events"] = r.events;
            j["record_bytes"] = r.bytes;
            j["record_write_errors"] = r.writeErrors;
            j["record_lost_frames"] = r.lostFrames;
        }
        std::cout << j.dump() << std::endl;
    }
    return 0;
}
