// arena-client: bots that play the sample arena against an arena-server, and a summary of
// how the network treated them.
//
//   arena-client --server 127.0.0.1:40000 --key server.key --bots 16 --seconds 30 --json
//
// Development only: with --key the client mints its own connect tokens from the server
// key. A production client never holds that key; it receives a token from the game's
// backend: --token FILE, or --matchmaker URL to ask the sample matchmaker for one per bot
// (each bot then plays on the server the matchmaker picked for it).

#include "arena_bot.hpp"
#include "arena_tool.hpp"
#include "matchmaker_protocol.hpp"
#include "view/arena_view.hpp"
#if TICKWIRE_ARENA_VIEWER
#include "view/viewer_sdl.hpp"
#endif

#include <tickwire/net/address.hpp>
#include <tickwire/net/key.hpp>
#include <tickwire/net/token.hpp>

#include <httplib.h>

#include <CLI/CLI.hpp>
#include <tool_cli.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace tickwire;
using arena::tool::nowSeconds;
using arena::tool::stopRequested;
using arena::ArenaBot;

namespace {

using tickwire::cli::kExitFailed;
using tickwire::cli::kExitUsage;

int fail(int code, const std::string& message) {
    std::cerr << "arena-client: " << message << '\n';
    return code;
}

/// What the first bot's client shows: its own player as predicted (with any correction
/// being smoothed in), the others as interpolated, and the server's position of its own
/// player as a ghost.
arena::view::ViewModel viewOf(ArenaBot& bot, double now, std::uint32_t tickRate, bool ghost) {
    using arena::Player;
    arena::view::ViewModel model;
    auto& session = bot.session();
    const auto self = session.controlled();
    auto toView = [](tickwire::engine::EntityId id, const Player& p, bool local) {
        arena::view::ViewPlayer v;
        v.id = id;
        v.x = p.x.get();
        v.y = p.y.get();
        v.aim = p.aim.get();
        v.health = static_cast<int>(p.health.get());
        v.alive = p.alive;
        v.firing = p.firing;
        v.local = local;
        v.score = static_cast<int>(p.score.get());
        return v;
    };
    for (const auto& e : session.interpolated().entities) {
        if (self && e.id == *self) continue;
        if (const auto* p = std::get_if<Player>(&e.state)) model.players.push_back(toView(e.id, *p, false));
    }
    if (self) {
        if (auto mine = session.visibleLocal(now)) {
            if (const auto* p = std::get_if<Player>(&*mine)) model.players.push_back(toView(*self, *p, true));
        }
        if (ghost && session.authoritative()) {
            if (const Player* p = arena::ArenaGame::player(*session.authoritative(), *self)) model.ghost = toView(*self, *p, true);
        }
    }
    arena::view::NetOverlay net;
    net.connected = session.connected();
    if (auto s = session.transport().stats()) {
        net.rttMs = s->rttMs;
        net.lossPct = s->lossPct;
        net.kbpsIn = s->bytesInPerSecond * 8 / 1000;
        net.kbpsOut = s->bytesOutPerSecond * 8 / 1000;
    }
    const auto stats = session.stats();
    net.corrections = stats.corrections;
    net.interpDelayMs = stats.interpolationDelayTicks * 1000.0 / tickRate;
    net.tick = session.clientTick();
    if (const auto& m = bot.match()) {
        // The server says how long its matches are (arena-server --match-seconds).
        const double played = static_cast<double>(session.clientTick() - m->matchStartTick) / tickRate;
        net.matchSecondsLeft = std::max(0.0, static_cast<double>(m->matchSeconds) - played);
    }
    model.overlay = net;
    return model;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Bots that play the sample arena, then a summary of what they saw.\n"
                 "Development mode (--key) mints a connect token per bot from the server key;\n"
                 "production clients never hold that key and get tokens from a matchmaker (--token).",
                 "arena-client"};
    std::string serverText, viaText, keyFile, tokenFile, matchmakerUrl;
    std::size_t bots = 1;
    double seconds = 30;
    std::uint64_t firstId = 0;
    std::uint32_t tickRate = arena::kTickRate;
    std::uint32_t snapshotRate = 30;
    double frameRate = 60;
    bool json = false;
    bool view = false;
    bool spectate = false;
    bool ghost = false;
    std::string screenshot;
    int width = 1024, height = 768;
    auto* serverOption = app.add_option("--server", serverText, "The arena-server to join")->type_name("HOST:PORT");
    app.add_option("--via", viaText,
                   "Send to this address instead, e.g. a tickwire-netsim relay in front of the server "
                   "(tokens still name --server)")
        ->type_name("HOST:PORT");
    auto* keyOption = app.add_option("--key", keyFile, "Server key file: mint tokens here (development only)")
                          ->type_name("KEYFILE");
    auto* tokenOption = app.add_option("--token", tokenFile, "A connect token from the backend (one bot)")
                            ->type_name("TOKENFILE")->excludes(keyOption);
    app.add_option("--matchmaker", matchmakerUrl,
                   "Join through the sample matchmaker at this URL: a token per bot, for the server it picks")
        ->type_name("http://HOST:PORT")->excludes(keyOption)->excludes(tokenOption)->excludes(serverOption);
    app.add_option("--bots", bots, "Bots to run in this process")
        ->type_name("N")->check(tickwire::cli::range<std::size_t>(1, 4000))->capture_default_str();
    app.add_option("--seconds", seconds, "How long to play (0: until SIGINT/SIGTERM)")
        ->type_name("S")->check(tickwire::cli::range(0.0, 1e7))->capture_default_str();
    app.add_option("--first-id", firstId, "Player id of the first bot; the others follow (default: random)")
        ->type_name("ID")->check(tickwire::cli::range<std::uint64_t>(1, 0xFFFFF000));
    app.add_option("--tick-rate", tickRate, "The server's --tick-rate")
        ->type_name("HZ")->check(tickwire::cli::range<std::uint32_t>(10, 240))->capture_default_str();
    app.add_option("--snapshot-rate", snapshotRate, "The server's --snapshot-rate")
        ->type_name("HZ")->check(tickwire::cli::range<std::uint32_t>(1, 240))->capture_default_str();
    app.add_option("--fps", frameRate, "Frames per second each bot updates at")
        ->type_name("HZ")->check(tickwire::cli::range(10.0, 1000.0))->capture_default_str();
    app.add_flag("--json", json, "Print the summary as one JSON object, the last line on stdout");
    app.add_flag("--spectate", spectate,
                 "Watch instead of playing: one spectator connection, to arena-server or to a recorded match "
                 "served by tickwire-replay play (with --view: in a window)");
    app.add_flag("--view", view,
                 "Open a window on the first bot's client: predicted self, interpolated others and a net "
                 "overlay (G toggles the server's ghost, Esc quits); needs a display");
    app.add_flag("--ghost", ghost, "Start with the ghost of the server's position shown");
    app.add_option("--width", width, "Window and screenshot width, pixels")
        ->type_name("PX")->check(tickwire::cli::range(320, 4096));
    app.add_option("--height", height, "Window and screenshot height, pixels")
        ->type_name("PX")->check(tickwire::cli::range(240, 4096));
    app.add_option("--screenshot", screenshot,
                   "At the end, save what the first bot's client shows: SVG if FILE ends in .svg, else PNG")
        ->type_name("FILE.png");
    app.footer(tickwire::cli::kExitStatus);
    if (auto code = tickwire::cli::parse(app, argc, argv)) return *code;

    // What cannot work is said before the run, not after it.
    if (view) {
        if (!TICKWIRE_ARENA_VIEWER) {
            return fail(kExitUsage, "--view: this arena-client was built without SDL2 (meson option viewer)");
        }
        // SDL_VIDEODRIVER names a driver that needs no display (e.g. dummy, offscreen).
        if (!std::getenv("SDL_VIDEODRIVER") && !std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY")) {
            return fail(kExitUsage,
                        "--view needs a display, and neither DISPLAY nor WAYLAND_DISPLAY is set "
                        "(--screenshot FILE.png saves a picture without one)");
        }
    }
    if (!screenshot.empty()) {
        if (auto cannot = tickwire::cli::unwritable(screenshot)) {
            return fail(kExitUsage, "--screenshot: cannot write '" + screenshot + "': " + *cannot);
        }
    }

    if (serverText.empty() && matchmakerUrl.empty()) return fail(kExitUsage, "give --server HOST:PORT, or --matchmaker URL");
    // With --matchmaker each bot's server comes from its token.
    auto server = serverText.empty() ? net::Result<net::Address>(net::Address{0, 0})
                                     : tickwire::cli::parseHostPort("--server", serverText);
    if (!server) return fail(kExitUsage, server.detail());
    auto via = server;
    if (!viaText.empty()) {
        via = tickwire::cli::parseHostPort("--via", viaText);
        if (!via) return fail(kExitUsage, via.detail());
    }
    if (!matchmakerUrl.empty() && !viaText.empty() && bots > 1) {
        return fail(kExitUsage, "--via sends every bot to one address: with --matchmaker use --bots 1");
    }
    if (keyFile.empty() && tokenFile.empty() && matchmakerUrl.empty()) {
        return fail(kExitUsage, "give --key KEYFILE (development), --token TOKENFILE or --matchmaker URL");
    }
    if (!tokenFile.empty() && bots != 1) return fail(kExitUsage, "--token admits one player: use --bots 1");
    if (spectate && bots != 1) return fail(kExitUsage, "--spectate watches with one connection: leave out --bots");

    std::vector<net::ConnectToken> tokens;
    std::vector<net::Address> serverOf;  // per bot: the server its token names
    if (!matchmakerUrl.empty()) {
        if (matchmakerUrl.rfind("http://", 0) != 0 && matchmakerUrl.rfind("https://", 0) != 0) {
            return fail(kExitUsage, "--matchmaker '" + matchmakerUrl + "': expected http://HOST:PORT");
        }
        httplib::Client http(matchmakerUrl);
        if (!http.is_valid()) return fail(kExitUsage, "--matchmaker '" + matchmakerUrl + "': expected http://HOST:PORT");
        http.set_connection_timeout(2, 0);
        http.set_read_timeout(5, 0);
        if (firstId == 0) firstId = arena::tool::randomPlayerId();
        for (std::size_t i = 0; i < bots; ++i) {
            const std::string body = nlohmann::json{{"player_id", firstId + i}}.dump();
            auto res = http.Post("/join", body, "application/json");
            if (!res) return fail(kExitFailed, "the matchmaker at " + matchmakerUrl + " does not answer: " + httplib::to_string(res.error()));
            if (res->status != 200) {
                return fail(kExitFailed, "the matchmaker refused to place a player: HTTP " + std::to_string(res->status) + " " + res->body);
            }
            auto token = matchmaker::parseJoinAnswer(res->body);
            if (!token) return fail(kExitFailed, "the matchmaker's answer is not usable: " + token.detail());
            if (token->servers.empty()) return fail(kExitFailed, "the matchmaker's answer names no server");
            serverOf.push_back(token->servers.front());
            tokens.push_back(*token);
        }
    } else if (!tokenFile.empty()) {
        auto token = tickwire::cli::loadToken(tokenFile);
        if (!token) return fail(kExitUsage, token.detail());
        tokens.push_back(*token);
    } else {
        const auto key = tickwire::cli::loadKey(keyFile);
        if (!key) return fail(kExitUsage, key.detail());
        // Several clients may join one server: random ids keep their players apart.
        if (firstId == 0) firstId = arena::tool::randomPlayerId();
        for (std::size_t i = 0; i < bots; ++i) {
            auto token = arena::tool::devToken(*key, *server, firstId + i);
            if (!token) return fail(kExitFailed, "cannot issue a token: " + token.message());
            tokens.push_back(*token);
        }
    }

    if (serverOf.empty()) serverOf.assign(tokens.size(), *server);
    std::vector<std::unique_ptr<ArenaBot>> fleet;
    for (std::size_t b = 0; b < tokens.size(); ++b) {
        auto& token = tokens[b];
        const net::Address target = serverOf[b];
        const net::Address sendTo = viaText.empty() ? target : *via;
        engine::ClientSessionConfig config;
        config.tickRate = tickRate;
        // A spectator takes whatever the server sends: a live match, or a playback of every tick.
        config.snapshotRate = spectate ? 0 : snapshotRate;
        config.spectator = spectate;
        config.transport.token = token;
        if (std::find(token.servers.begin(), token.servers.end(), target) == token.servers.end()) {
            return fail(kExitUsage, "--server: the token is not valid for " + target.toString());
        }
        // The server checks the addresses sealed in the token; the client just sends here.
        config.transport.token.servers = {sendTo};
        config.transport.handshakeTimeoutMs = 10000;
        auto bot = ArenaBot::create(config);
        if (!bot) return fail(kExitFailed, "cannot create a client: " + bot.message());
        if (auto started = (*bot)->connect(); !started) {
            return fail(kExitFailed, "cannot connect: " + started.message());
        }
        fleet.push_back(std::move(*bot));
    }
    arena::tool::catchStopSignals();

#if TICKWIRE_ARENA_VIEWER
    std::unique_ptr<arena::view::SdlViewer> window;
    if (view) {
        auto opened = arena::view::SdlViewer::open(width, height, "tickwire arena");
        if (!opened) return fail(kExitFailed, "cannot open the viewer window: " + opened.detail());
        window = std::move(*opened);
    }
#endif
#if TICKWIRE_ARENA_VIEWER
    auto picture = arena::view::Picture::create(width, height);
    if (!picture) return fail(kExitFailed, "cannot allocate a frame of " + std::to_string(width) + " x " + std::to_string(height));
#endif

    const double started = nowSeconds();
    const double frame = 1.0 / frameRate;
    double next = started;
    std::map<std::string, std::size_t> reasons;
    std::vector<bool> ended(fleet.size(), false);
    std::size_t running = fleet.size();
    bool rateChecked = false;
    while (stopRequested == 0 && running > 0) {
        const double now = nowSeconds();
        if (seconds > 0 && now - started >= seconds) break;
        for (std::size_t i = 0; i < fleet.size(); ++i) {
            if (ended[i]) continue;
            fleet[i]->update(now);
            if (const auto& reason = fleet[i]->figures().disconnected) {
                ended[i] = true;
                --running;
                ++reasons[std::string(describe(*reason))];
                // Not a bot's fault: the server went away, so every bot goes with it.
                if (*reason == net::DisconnectReason::ServerShutdown && running == 0) {
                    std::cerr << "arena-client: the server shut down\n";
                }
            }
        }
#if TICKWIRE_ARENA_VIEWER
        if (window) {
            if (!window->pump()) break;  // closed, or Escape
            const auto model = viewOf(*fleet[0], now, tickRate, ghost != window->ghostToggled());
            picture->draw([&](cairo_t* cr) { arena::view::drawArena(cr, width, height, model); });
            window->present(*picture);
        }
#endif
        if (!rateChecked && fleet[0]->match()) {
            rateChecked = true;
            const auto& m = *fleet[0]->match();
            if (m.tickRate != tickRate || (!spectate && m.snapshotRate != snapshotRate)) {
                return fail(kExitUsage, "the server runs at " + std::to_string(m.tickRate) + " Hz with " +
                            std::to_string(m.snapshotRate) + " snapshots/s: pass --tick-rate " +
                            std::to_string(m.tickRate) + " --snapshot-rate " + std::to_string(m.snapshotRate));
            }
        }
        next += frame;
        const double wait = next - nowSeconds();
        if (wait > 0) {
            std::this_thread::sleep_for(std::chrono::duration<double>(wait));
        } else if (wait < -0.25) {
            next = nowSeconds();  // far behind (a slow machine): do not try to catch up
        }
    }
    const double elapsed = nowSeconds() - started;
    if (!screenshot.empty()) {
        const auto model = viewOf(*fleet[0], nowSeconds(), tickRate, ghost);
        const auto saved = arena::view::savePicture(
            screenshot, width, height, [&](cairo_t* cr) { arena::view::drawArena(cr, width, height, model); });
        if (!saved) return fail(kExitFailed, "cannot save the screenshot: " + saved.detail());
    }

    // The figures before disconnecting: our own goodbye is not a disconnect to report.
    std::size_t connected = 0, disconnects = 0, neverJoined = 0;
    // Why bots that played stopped, and why the others never joined: what the server
    // answered, or that it never did.
    std::map<std::string, std::size_t> endedWhy, notJoined;
    std::map<std::string, std::size_t> joinedOn;  // server -> bots that joined it
    for (std::size_t b = 0; b < fleet.size(); ++b) {
        if (fleet[b]->figures().joined) ++joinedOn[serverOf[b].toString()];
    }
    std::uint64_t hits = 0, kills = 0, deaths = 0, corrections = 0, frames = 0, stalls = 0, rttSamples = 0;
    double rttSum = 0, lossSum = 0, kbpsIn = 0, kbpsOut = 0;
    for (const auto& bot : fleet) {
        const auto f = bot->figures();
        if (f.joined) ++connected;
        if (!f.joined) {
            ++neverJoined;
            ++notJoined[f.disconnected ? std::string(describe(*f.disconnected))
                                       : "no game from the server in " + std::to_string(std::lround(elapsed)) + " s"];
        }
        if (f.joined && f.disconnected) {
            ++disconnects;
            ++endedWhy[std::string(describe(*f.disconnected))];
        }
        hits += f.hits;
        kills += f.kills;
        deaths += f.deaths;
        corrections += f.corrections;
        frames += f.frames;
        stalls += f.stalls;
        rttSum += f.rttMsSum;
        lossSum += f.lossPctSum;
        rttSamples += f.rttSamples;
        if (f.joined && elapsed > 0) {
            kbpsIn += static_cast<double>(f.udpBytesIn) * 8.0 / 1000.0 / elapsed;
            kbpsOut += static_cast<double>(f.udpBytesOut) * 8.0 / 1000.0 / elapsed;
        }
    }
    for (auto& bot : fleet) bot->disconnect(0);

    const double perBot = connected > 0 ? static_cast<double>(connected) : 1.0;
    const double stallPct = frames > 0 ? static_cast<double>(stalls) * 100.0 / static_cast<double>(frames) : 0.0;
    const double rttMean = rttSamples > 0 ? rttSum / static_cast<double>(rttSamples) : 0.0;
    const double lossMean = rttSamples > 0 ? lossSum / static_cast<double>(rttSamples) : 0.0;
    std::printf("arena-client: %zu %s for %.1f s: %zu connected, %zu disconnected, %zu never joined\n", fleet.size(),
                spectate ? "spectator" : "bots", elapsed, connected, disconnects, neverJoined);
    std::printf("  game:    %llu hits, %llu kills, %llu deaths\n", static_cast<unsigned long long>(hits),
                static_cast<unsigned long long>(kills), static_cast<unsigned long long>(deaths));
    // Bandwidth in kbit/s (1000 bits per second), as everywhere in the sample and the tools.
    std::printf("  network: rtt %.1f ms mean, loss %.1f %% in, %.1f kbit/s in and %.1f kbit/s out per bot\n", rttMean,
                lossMean, kbpsIn / perBot, kbpsOut / perBot);
    std::printf("  client:  %llu prediction corrections, interpolation stalled in %.2f %% of %llu frames\n",
                static_cast<unsigned long long>(corrections), stallPct, static_cast<unsigned long long>(frames));
    for (const auto& [reason, count] : endedWhy) std::printf("  ended:   %zu bots: %s\n", count, reason.c_str());
    for (const auto& [reason, count] : notJoined) std::printf("  never joined: %zu bots: %s\n", count, reason.c_str());
    if (json) {
        nlohmann::json j;
        j["bots"] = fleet.size();
        j["connected"] = connected;
        j["disconnects"] = disconnects;
        j["never_joined"] = neverJoined;
        j["seconds"] = elapsed;
        j["hits"] = hits;
        j["kills"] = kills;
        j["deaths"] = deaths;
        j["prediction_corrections"] = corrections;
        j["interp_frames"] = frames;
        j["interp_stalls"] = stalls;
        j["interp_stall_pct"] = stallPct;
        j["rtt_ms_mean"] = rttMean;
        j["loss_pct_in_mean"] = lossMean;
        j["kbps_in_per_bot"] = kbpsIn / perBot;
        j["kbps_out_per_bot"] = kbpsOut / perBot;
        // Counts by name become JSON objects ({} when empty).
        j["disconnect_reasons"] = reasons;
        j["never_joined_reasons"] = notJoined;
        j["joined_by_server"] = joinedOn;
        std::cout << j.dump() << std::endl;
    }
    std::fflush(stdout);
    // Bots that never joined mean the server refused or never answered: a failed run.
    return neverJoined == 0 ? 0 : 1;
}
