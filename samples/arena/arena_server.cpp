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
#include "arena_events.hpp"
#include "arena_game.hpp"
#include "arena_metrics.hpp"
#include "arena_replay.hpp"
#include "arena_report.hpp"
#include "arena_tool.hpp"

#include <tickwire/engine/server_session.hpp>
#include <tickwire/engine/tick_clock.hpp>
#include <tickwire/net/address.hpp>
#include <tickwire/net/key.hpp>
#include <tickwire/net/log.hpp>

#include <CLI/CLI.hpp>
#include <tool_cli.hpp>
#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace tickwire;
using arena::tool::nowSeconds;
using arena::tool::stopRequested;
using arena::ArenaGame;

namespace {

/// --chain-models auto chains the codec's models up to this many players.
constexpr std::size_t kChainModelsUpTo = 128;

using tickwire::cli::kExitFailed;
using tickwire::cli::kExitUsage;

int fail(int code, const std::string& message) {
    std::cerr << "arena-server: " << message << '\n';
    return code;
}

double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// A field of /proc/self/status in KiB ("VmRSS", "VmHWM"), 0 when unreadable.
std::uint64_t procStatusKib(const std::string& field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) {
            std::istringstream rest(line.substr(field.size() + 1));
            std::uint64_t kib = 0;
            rest >> kib;
            return kib;
        }
    }
    return 0;
}

/// Tick durations in 10 µs buckets up to 100 ms (longer ones land in the last): percentiles
/// in fixed memory however long the server runs.
class TickHistogram {
public:
    void add(double ms) {
        const auto bucket = static_cast<std::size_t>(std::clamp(ms * 100.0, 0.0, double(kBuckets - 1)));
        ++counts_[bucket];
        ++total_;
        max_ = std::max(max_, ms);
    }
    [[nodiscard]] double percentile(double p) const {
        if (total_ == 0) return 0;
        const auto rank = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(total_)));
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < kBuckets; ++i) {
            seen += counts_[i];
            if (seen >= std::max<std::uint64_t>(rank, 1)) return static_cast<double>(i + 1) / 100.0;
        }
        return max_;
    }
    [[nodiscard]] std::uint64_t count() const { return total_; }
    [[nodiscard]] double max() const { return max_; }
    void clear() { *this = TickHistogram{}; }

private:
    static constexpr std::size_t kBuckets = 10000;
    std::array<std::uint64_t, kBuckets> counts_{};
    std::uint64_t total_ = 0;
    double max_ = 0;
};

std::uint64_t sum(const auto& counters) {
    std::uint64_t n = 0;
    for (auto c : counters) n += c;
    return n;
}

std::string clockText(double seconds) {
    const auto s = static_cast<int>(std::ceil(seconds));
    char text[16];
    std::snprintf(text, sizeof text, "%d:%02d", s / 60, s % 60);
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    // The snapshot codec's chained memories (a few hundred KiB each) are allocated and
    // freed with every snapshot: a fixed mmap threshold gives them back to the system
    // instead of letting glibc move them to a heap that fragments (resident size doubled
    // within a minute with 64 players otherwise).
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    CLI::App app{"The sample arena's authoritative server.\n"
                 "Players need a connect token issued with this server's key that names one of\n"
                 "its public addresses: 127.0.0.1:PORT, or one given with --public.",
                 "arena-server"};
    std::uint16_t port = 0;
    std::string bindText = "0.0.0.0";
    std::string keyFile;
    std::uint32_t tickRate = arena::kTickRate;
    std::uint32_t snapshotRate = 30;
    std::size_t maxPlayers = 64;
    std::size_t spectators = 4;
    std::size_t budget = 64 * 1024;
    double seconds = 0;
    bool json = false;
    std::string chain = "auto";
    std::string recordFile;
    std::vector<std::string> publicTexts;
    std::string metricsText;
    bool agones = false;
    std::string matchmakerUrl, matchmakerSecretFile;
    double healthPeriod = 2.0;
    std::uint32_t matchSeconds = arena::kMatchSeconds;
    app.add_option("--port", port, "UDP port to listen on; 0 takes a free one (printed on start)")
        ->required()->type_name("PORT")->check(tickwire::cli::port(true));
    app.add_option("--bind", bindText, "Local address to listen on: 0.0.0.0 every interface, 127.0.0.1 loopback only")
        ->type_name("ADDR")->capture_default_str();
    app.add_option("--key", keyFile, "Server key file (tickwire-token keygen)")->required()->type_name("KEYFILE");
    app.add_option("--tick-rate", tickRate,
                   "Simulation ticks per second. The arena's speeds and timers are counted in ticks "
                   "and written for 60")
        ->type_name("HZ")->check(tickwire::cli::range<std::uint32_t>(10, 240))->capture_default_str();
    app.add_option("--snapshot-rate", snapshotRate, "Snapshots per second to each client; must divide --tick-rate")
        ->type_name("HZ")->check(tickwire::cli::range<std::uint32_t>(1, 240))->capture_default_str();
    app.add_option("--max-players", maxPlayers, "Players in the arena at once")
        ->type_name("N")->check(tickwire::cli::range<std::size_t>(1, 4000))->capture_default_str();
    app.add_option("--spectators", spectators, "Spectator connections (viewers, replay capture) on top of the players")
        ->type_name("N")->check(tickwire::cli::range<std::size_t>(0, 64))->capture_default_str();
    app.add_option("--budget", budget, "Snapshot bytes per second per client")
        ->type_name("BYTES")->check(tickwire::cli::range<std::size_t>(4096, 16 * 1024 * 1024))->capture_default_str();
    app.add_option("--seconds", seconds, "Stop after this many seconds (0: run until SIGINT/SIGTERM)")
        ->type_name("S")->check(tickwire::cli::range(0.0, 1e7))->capture_default_str();
    app.add_option("--public", publicTexts, "Another address clients reach this server at; repeatable")
        ->type_name("HOST:PORT");
    app.add_option("--chain-models", chain,
                   "Start each snapshot's coding from what its baseline's taught: on, off, or auto (on up to " +
                       std::to_string(kChainModelsUpTo) + " players)")
        ->type_name("auto|on|off")->check(CLI::IsMember({"auto", "on", "off"}))->capture_default_str();
    app.add_option("--record", recordFile,
                   "Record every tick and every match event into this replay file (replaced if it exists); "
                   "a write error stops the recording, not the server")
        ->type_name("FILE");
    app.add_option("--metrics", metricsText,
                   "Serve Prometheus metrics over HTTP at http://ADDR:PORT/metrics (PORT 0: one the system picks)")
        ->type_name("ADDR:PORT");
    app.add_flag("--agones", agones,
                 "Run as an Agones game server: talk to the SDK sidecar at 127.0.0.1:$AGONES_SDK_HTTP_PORT "
                 "(default 9358); the match starts when allocated, and the server shuts down when it ends");
    app.add_option("--health-period", healthPeriod, "With --agones: seconds between health reports from the game loop")
        ->type_name("S")->check(CLI::Range(0.1, 60.0))->capture_default_str();
    auto* adminOption =
        app.add_option("--matchmaker-admin", matchmakerUrl,
                       "Report players, capacity and state to the sample matchmaker's admin endpoint at this URL")
            ->type_name("http://HOST:PORT");
    app.add_option("--matchmaker-secret-file", matchmakerSecretFile, "The matchmaker's admin secret")
        ->type_name("FILE")->needs(adminOption);
    adminOption->needs("--matchmaker-secret-file");
    app.add_option("--match-seconds", matchSeconds, "Length of a match")
        ->type_name("S")->check(CLI::Range(1, 24 * 3600))->capture_default_str();
    app.add_flag("--json", json, "At exit, print one JSON object of figures as the last line on stdout");
    app.footer(tickwire::cli::kExitStatus);
    if (auto code = tickwire::cli::parse(app, argc, argv)) return *code;

    if (tickRate % snapshotRate != 0) {
        return fail(kExitUsage, "--snapshot-rate " + std::to_string(snapshotRate) + " must divide --tick-rate " +
                    std::to_string(tickRate));
    }
    const auto bindIp = tickwire::cli::parseBind(bindText);
    if (!bindIp) return fail(kExitUsage, bindIp.detail());
    const auto key = tickwire::cli::loadKey(keyFile);
    if (!key) return fail(kExitUsage, key.detail());
    if (port == 0 && !publicTexts.empty()) {
        return fail(kExitUsage, "--public needs a fixed --port: the addresses in players' tokens must name the port");
    }
    std::optional<net::Address> metricsAddress;
    if (!metricsText.empty()) {
        auto parsed = net::Address::parse(metricsText);
        if (!parsed) {
            return fail(kExitUsage, "--metrics '" + metricsText + "': expected ADDR:PORT, e.g. 127.0.0.1:9100 (" +
                        parsed.message() + ")");
        }
        metricsAddress = *parsed;
    }
    std::uint16_t agonesPort = 9358;
    if (const char* text = std::getenv("AGONES_SDK_HTTP_PORT"); agones && text != nullptr && *text != '\0') {
        const auto parsed = net::Address::parse(std::string("127.0.0.1:") + text);
        if (!parsed || parsed->port == 0) {
            return fail(kExitUsage, std::string("AGONES_SDK_HTTP_PORT '") + text + "' is not a port (1..65535)");
        }
        agonesPort = parsed->port;
    }

    const bool tty = isatty(STDERR_FILENO) == 1;
    bool statusShown = false;
    // Log lines go above the status line: clear it first; the next status redraws it.
    auto logLine = [&](const std::string& line) {
        if (statusShown) std::cerr << "\r\033[K";
        statusShown = false;
        std::cerr << line << '\n';
    };

    engine::ServerSessionConfig config;
    config.tickRate = tickRate;
    config.snapshotRate = snapshotRate;
    config.bytesPerSecondPerClient = budget;
    // Baselines a client may still acknowledge: one second of snapshots covers any round
    // trip a player can play with, at half the memory of the default.
    config.snapshotHistory = std::max<std::uint32_t>(2, snapshotRate);
    // Chained models make each delta smaller (about 20% here) but cost a copy of the
    // models per packet and a few KiB per stored baseline: worth it for a small arena,
    // not for a thousand players (docs/BENCHMARKS.md, Arena).
    config.codec.chainModels = chain == "on" || (chain == "auto" && maxPlayers <= kChainModelsUpTo);
    config.transport.key = *key;
    // Port 0 in a public address stands for the port the server is given.
    const net::Address bind{*bindIp, port};
    config.transport.bind = bind;
    config.maxPlayers = static_cast<std::uint32_t>(maxPlayers);
    config.transport.maxClients = maxPlayers + spectators;
    config.transport.maxPending = std::max<std::size_t>(256, maxPlayers + spectators);
    config.transport.publicAddresses.push_back(*bindIp == 0 ? net::Address::loopback(port) : bind);
    for (const std::string& text : publicTexts) {
        auto address = tickwire::cli::parseHostPort("--public", text);
        if (!address) return fail(kExitUsage, address.detail());
        config.transport.publicAddresses.push_back(*address);
    }
    config.transport.log = [&](net::LogLevel level, std::string_view line) {
        if (level == net::LogLevel::Debug) return;
        // Per-connection Info lines would scroll a thousand-player server away.
        if (level == net::LogLevel::Info && maxPlayers > 64) return;
        logLine("[" + std::string(describe(level)) + "] " + std::string(line));
    };
    if (auto ok = config.validate(); !ok) return fail(kExitUsage, "invalid configuration: " + ok.detail());
    if (!recordFile.empty()) {
        if (auto cannot = tickwire::cli::unwritable(recordFile)) {
            return fail(kExitUsage, "--record: cannot write '" + recordFile + "': " + *cannot);
        }
    }
    auto created = engine::ServerSession<ArenaGame>::create(config);
    if (!created) {
        return fail(kExitFailed, "cannot listen on " + bind.toString() + ": " + created.message());
    }
    auto& session = **created;
    const engine::TickClock& clock = session.clock();
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
    if (metricsAddress) {
        auto host = metricsAddress->toString();
        host = host.substr(0, host.rfind(':'));
        auto started = arena::MetricsEndpoint::start(host, metricsAddress->port);
        if (!started) return fail(kExitFailed, started.detail());
        metrics = std::move(*started);
        logLine("arena-server metrics on http://" + host + ":" + std::to_string(metrics->port()) + "/metrics");
    }
    std::unique_ptr<arena::MatchmakerReport> report;
    if (!matchmakerUrl.empty()) {
        std::ifstream in(matchmakerSecretFile);
        std::string secret;
        if (!in || !std::getline(in, secret) || secret.empty()) {
            return fail(kExitUsage, "cannot read the admin secret from '" + matchmakerSecretFile + "'");
        }
        while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
        // Players reach this server at its first public address: --public, or loopback.
        const std::string reported = publicTexts.empty() ? net::Address::loopback(session.transport().address().port).toString()
                                                         : config.transport.publicAddresses[1].toString();
        auto started = arena::MatchmakerReport::start(matchmakerUrl, secret, reported, maxPlayers);
        if (!started) return fail(kExitFailed, started.detail());
        report = std::move(*started);
        logLine("arena-server: reporting to the matchmaker at " + matchmakerUrl + " as " + reported);
    }
    std::unique_ptr<arena::AgonesSdk> sdk;
    if (agones) {
        sdk = std::make_unique<arena::AgonesSdk>(agonesPort);
        sdk->ready();
        logLine("arena-server: Agones SDK sidecar at 127.0.0.1:" + std::to_string(agonesPort) +
                "; the match starts when this game server is allocated");
    }
    arena::tool::catchStopSignals();
    const std::uint64_t idleRssKib = procStatusKib("VmRSS");
    logLine("arena-server listening on " + session.transport().address().toString() + " (" +
            std::to_string(tickRate) + " Hz, snapshots " + std::to_string(snapshotRate) + " Hz, up to " +
            std::to_string(maxPlayers) + " players)" + (recorder ? ", recording to " + recordFile : ""));

    const double period = 1.0 / tickRate;
    const double started = nowSeconds();
    std::uint32_t matchStart = 0;
    const std::uint32_t matchTicks = matchSeconds * tickRate;
    bool matchRunning = !agones;  // under Agones, from allocation on
    double lastHealth = 0;
    std::map<std::uint64_t, net::ConnectionId> players;  // by entity
    std::size_t spectating = 0;
    std::size_t playersPeak = 0;
    double playerSeconds = 0;
    TickHistogram all, window;
    std::optional<double> firstJoin;
    double cpuAtFirstJoin = 0;
    net::HostStats atFirstJoin;
    double lastStatus = started;
    net::HostStats atLastStatus = session.transport().hostStats();
    double lastLoop = started;
    arena::ServerFigures figures;
    figures.maxPlayers = maxPlayers;
    std::map<net::ConnectionId, std::uint64_t> snapshotBytesSeen, snapshotsSeen;  // per client, at the last publish
    double lastPublish = 0;

    auto matchEvent = [&] {
        return arena::encodeMatchEvent({tickRate, snapshotRate, matchStart, matchSeconds});
    };
    // The replay holds the match as broadcast: its event at the start, then one per new
    // match. The copy each joining player is sent repeats the current one and is left out.
    if (recorder) recorder->addEvent(0, matchEvent());

    while (stopRequested == 0) {
        const double now = nowSeconds();
        if (seconds > 0 && now - started >= seconds) break;
        if (firstJoin) playerSeconds += static_cast<double>(players.size()) * (now - lastLoop);
        lastLoop = now;

        const double t0 = nowSeconds();
        const std::uint32_t before = session.tick();
        session.update(static_cast<std::uint64_t>(now * 1e6));
        const std::uint32_t ran = session.tick() - before;
        if (ran > 0) {
            const double ms = (nowSeconds() - t0) * 1000.0 / ran;
            // The run's figures cover ticks with someone to serve; an empty arena's ticks
            // would flatter them.
            for (std::uint32_t i = 0; i < ran; ++i) {
                if (!players.empty()) all.add(ms);
                window.add(ms);
                figures.observeTick(ms / 1000.0);
            }
        }

        while (auto ev = session.poll()) {
            using Type = engine::ServerSession<ArenaGame>::Event::Type;
            if (ev->type == Type::Joined) {
                if (!ev->entity) {
                    ++spectating;
                } else {
                    players[*ev->entity] = ev->client;
                    playersPeak = std::max(playersPeak, players.size());
                    if (sdk) sdk->playerConnected(ev->playerId);
                }
                if (!firstJoin) {
                    firstJoin = nowSeconds();
                    cpuAtFirstJoin = cpuSeconds();
                    atFirstJoin = session.transport().hostStats();
                }
                (void)session.sendEvent(ev->client, matchEvent());
            } else if (ev->type == Type::Left) {
                if (ev->entity) {
                    if (players.erase(*ev->entity) > 0 && sdk) sdk->playerDisconnected(ev->playerId);
                } else if (spectating > 0) {
                    --spectating;
                }
            }
        }

        if (report) {
            report->set(players.size());
            for (const std::string& line : report->takeLog()) logLine(line);
        }
        if (sdk) {
            // Health is reported from here, by the loop itself: if the loop stalls, so does health.
            if (now - lastHealth >= healthPeriod) {
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
                    for (const auto& [entity, client] : players) (void)session.sendEvent(client, bytes);
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
            std::string board;
            for (const auto& e : session.world().entities) {
                if (const auto* p = std::get_if<arena::Player>(&e.state)) {
                    board += " " + std::to_string(e.id) + ":" + std::to_string(p->score.get());
                }
            }
            logLine("match over; kills by player:" + (board.empty() ? std::string(" none") : board));
            ArenaGame::resetScores(session.world());
            matchStart = session.tick();
            const auto bytes = matchEvent();
            for (const auto& [entity, client] : players) (void)session.sendEvent(client, bytes);
            if (recorder) recorder->addEvent(session.world().tick, bytes);
        }

        // Ten times a second the HTTP thread gets a fresh copy; it never reads the session.
        if (metrics && now - lastPublish >= 0.1) {
            lastPublish = now;
            figures.host = session.transport().hostStats();
            figures.connections.clear();
            std::map<net::ConnectionId, std::uint64_t> bytesNow, sentNow;
            for (const net::ConnectionId client : session.transport().clients()) {
                if (auto s = session.transport().stats(client)) figures.connections.push_back(*s);
                if (auto s = session.stats(client)) {
                    // A client's totals start at 0 when it joins: add what it sent since the last look.
                    figures.snapshotBytes += s->snapshotBytes - snapshotBytesSeen[client];
                    figures.snapshotsSent += s->snapshotsSent - snapshotsSeen[client];
                    bytesNow[client] = s->snapshotBytes;
                    sentNow[client] = s->snapshotsSent;
                }
            }
            snapshotBytesSeen = std::move(bytesNow);
            snapshotsSeen = std::move(sentNow);
            figures.players = players.size();
            figures.spectators = spectating;
            figures.ticks = session.tick();
            figures.playersKicked = session.sessionStats().full;
            metrics->publish(figures);
        }

        const double statusEvery = tty ? 0.5 : 5.0;
        if (now - lastStatus >= statusEvery) {
            const auto& host = session.transport().hostStats();
            const double dt = now - lastStatus;
            const double outRate = static_cast<double>(host.udpBytesOut - atLastStatus.udpBytesOut) / dt;
            const std::uint64_t drops = sum(host.dropped) + sum(host.rejected);
            char text[256];
            std::snprintf(text, sizeof text,
                          "players %zu/%zu  spectators %zu  tick %.2f ms p50 %.2f ms p99  out %.0f kbit/s  drops %llu  "
                          "match %s",
                          players.size(), maxPlayers, spectating, window.percentile(0.5), window.percentile(0.99),
                          outRate * 8.0 / 1000.0, static_cast<unsigned long long>(drops),
                          clockText(std::max(0.0, static_cast<double>(matchSeconds) -
                                                  static_cast<double>(session.tick() - matchStart) / tickRate))
                              .c_str());
            if (tty) {
                std::cerr << "\r\033[K" << text << std::flush;
                statusShown = true;
            } else {
                std::cerr << text << '\n';
            }
            window.clear();
            lastStatus = now;
            atLastStatus = host;
        }

        // Until the next tick is due, take in what arrives in 1 ms slices: a thousand
        // players' inputs would overflow the socket's receive buffer in one 16 ms sleep.
        const double due = now + (1.0 - clock.alpha()) * period;
        while (stopRequested == 0 && nowSeconds() + 0.0005 < due) session.transport().update(1);
    }
    if (statusShown) std::cerr << '\n';

    // No new player is sent here from now on; then everyone hears why they are going away
    // (DisconnectReason::ServerShutdown).
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
        // Only now, with the players told: Agones deletes the pod once it hears Shutdown.
        const bool told = sdk->shutdown(3000);
        for (const std::string& line : sdk->takeLog()) logLine(line);
        logLine(told ? "arena-server: Agones told of the shutdown" : "arena-server: the SDK sidecar did not take Shutdown");
    }
    if (recorder) {
        recorder->close();
        const auto r = recorder->figures();
        std::cerr << "arena-server: recorded " << r.frames << " ticks and " << r.events << " events (" << r.bytes
                  << " bytes) to " << recordFile << (r.writeErrors > 0 ? ", then a write error stopped it" : "")
                  << '\n';
    }
    const double end = nowSeconds();
    std::cerr << "arena-server: shut down after " << std::lround(end - started) << " s, told " << connected
              << " clients; " << session.tick() << " ticks, tick p50 " << all.percentile(0.5) << " ms, p99 "
              << all.percentile(0.99) << " ms\n";
    if (json) {
        const auto& host = session.transport().hostStats();
        const double measured = firstJoin ? end - *firstJoin : 0;
        nlohmann::json j;
        j["ticks"] = session.tick();
        j["dropped_ticks"] = clock.droppedTicks();
        j["ticks_with_players"] = all.count();
        j["tick_ms_p50"] = all.percentile(0.5);
        j["tick_ms_p99"] = all.percentile(0.99);
        j["tick_ms_max"] = all.max();
        j["players_peak"] = playersPeak;
        j["players_kicked"] = session.sessionStats().full;
        j["seconds_with_players"] = measured;
        j["server_cpu_pct"] = measured > 0 ? (cpuSeconds() - cpuAtFirstJoin) / measured * 100.0 : 0.0;
        j["udp_bytes_out"] = host.udpBytesOut - atFirstJoin.udpBytesOut;
        j["udp_bytes_in"] = host.udpBytesIn - atFirstJoin.udpBytesIn;
        j["bytes_per_s_per_client"] =
            playerSeconds > 0 ? static_cast<double>(host.udpBytesOut - atFirstJoin.udpBytesOut) / playerSeconds : 0.0;
        j["rss_kib_idle"] = idleRssKib;
        j["rss_kib_peak"] = procStatusKib("VmHWM");
        if (recorder) {
            const auto r = recorder->figures();
            j["record_frames"] = r.frames;
            j["record_events"] = r.events;
            j["record_bytes"] = r.bytes;
            j["record_write_errors"] = r.writeErrors;
            j["record_lost_frames"] = r.lostFrames;
        }
        j["host"] = nlohmann::json::parse(host.toJson());
        std::cout << j.dump() << std::endl;
    }
    return 0;
}
