// tickwire-replay capture: records a live server's match as a spectator sees it.

#include "replay_tool.hpp"

#include "arena_replay.hpp"
#include "arena_tool.hpp"

#include <tickwire/net/address.hpp>
#include <tickwire/net/key.hpp>
#include <tickwire/net/token.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace tickwire::replay_tool {

using arena::tool::nowSeconds;
using arena::tool::stopRequested;

int runCapture(const CaptureOptions& o) {
    auto server = net::Address::parse(o.server);
    if (!server) {
        return say(kExitUnusable, "--server " + inQuotes(o.server) + ": expected HOST:PORT (" +
                                      server.message() + ")");
    }
    if (o.keyFile.empty() == o.tokenFile.empty()) {
        return say(kExitUnusable, "give --token TOKENFILE, or --key KEYFILE to mint a spectator token (development)");
    }
    net::ConnectToken token;
    if (!o.tokenFile.empty()) {
        auto loaded = cli::loadToken(o.tokenFile);
        if (!loaded) return say(kExitUnusable, loaded.detail());
        token = *loaded;
        if (std::find(token.servers.begin(), token.servers.end(), *server) == token.servers.end()) {
            return say(kExitUnusable, "the token is not valid for " + server->toString());
        }
    } else {
        const auto key = cli::loadKey(o.keyFile);
        if (!key) return say(kExitUnusable, key.detail());
        // A random id, so that a capture never takes the place of a player with the same id.
        auto issued = arena::tool::devToken(*key, *server, arena::tool::randomPlayerId());
        if (!issued) return say(kExitUnusable, "cannot issue a token: " + issued.message());
        token = *issued;
    }
    token.servers = {*server};

    engine::ClientSessionConfig config;
    config.tickRate = o.tickRate;
    config.snapshotRate = 0;  // whatever the server sends: a live match, or a playback of every tick
    config.transport.token = token;
    config.transport.handshakeTimeoutMs = 10000;
    Progress progress("capture");
    auto log = [&](const std::string& line) {
        progress.clear();
        say(kExitDamaged, line);
    };
    auto made = arena::Capture::create(config, o.out, arena::kReplayGame, arena::captureHooks(), log);
    if (!made) return say(kExitUnusable, made.detail().empty() ? made.message() : made.detail());
    auto& capture = **made;
    if (auto ok = capture.connect(); !ok) return say(kExitDamaged, "cannot connect: " + ok.message());
    arena::tool::catchStopSignals();
    std::cerr << "tickwire-replay: capturing " << server->toString() << " into " << o.out << '\n';

    const double started = nowSeconds();
    std::string ended = "stopped";
    while (stopRequested == 0) {
        const double now = nowSeconds();
        if (o.seconds > 0 && now - started >= o.seconds) {
            ended = "--seconds reached";
            break;
        }
        if (capture.update(now) == engine::CaptureState::Ended) {
            if (capture.problem()) {
                ended = *capture.problem() + ": pass --tick-rate";
            } else if (const auto reason = capture.disconnected()) {
                ended = (capture.figures().frames > 0 ? "the server went away (" : "could not join the server (") +
                        std::string(describe(*reason)) + ")";
            } else {
                ended = "the recording failed";
            }
            break;
        }
        const auto f = capture.figures();
        char text[160];
        std::snprintf(text, sizeof text, "%llu ticks, %.1f kB, %.1f s", static_cast<unsigned long long>(f.frames),
                      static_cast<double>(f.bytes) / 1000.0, now - started);
        progress.show(text);
        // Up to 1 ms for traffic: snapshots that arrive between two updates would leave only
        // the newest to record.
        capture.session().transport().update(1);
    }
    capture.close();
    progress.clear();
    const auto f = capture.figures();
    std::cerr << "tickwire-replay: " << ended << "; captured " << f.frames << " ticks";
    if (f.firstTick) std::cerr << " (" << *f.firstTick << ".." << *f.lastTick << ")";
    std::cerr << " and " << count(f.events, "event") << ", " << f.bytes << " bytes, into " << o.out << '\n';
    if (capture.problem()) return kExitUnusable;
    if (f.frames == 0) return say(kExitDamaged, "nothing was recorded");
    return f.writeErrors > 0 ? kExitDamaged : kExitOk;
}

}  // namespace tickwire::replay_tool
