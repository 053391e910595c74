// tickwire-replay play: serves a replay to spectators as if it were live.

#include "replay_tool.hpp"

#include "arena_replay.hpp"
#include "arena_tool.hpp"

#include <tickwire/net/address.hpp>
#include <tickwire/net/key.hpp>
#include <tickwire/net/log.hpp>

#include <algorithm>
#include <iostream>
#include <optional>

namespace tickwire::replay_tool {

using arena::tool::nowSeconds;
using arena::tool::stopRequested;

int runPlay(const PlayCliOptions& o) {
    auto reader = openReplay(o.file);
    if (!reader) return kExitUnusable;
    const auto key = cli::loadKey(o.keyFile);
    if (!key) return say(kExitUnusable, key.detail());
    const auto& v = reader->verification();
    if (v.badChunk) std::cerr << "tickwire-replay: " << v.problem << "; playing the ticks before it\n";
    const std::uint32_t tickRate = reader->info().tickRate;

    net::ServerConfig transport;
    transport.key = *key;
    transport.bind = net::Address{0, o.port};
    // Room beyond the spectators for players who join and are turned away.
    transport.maxClients = o.spectators + 4;
    transport.publicAddresses.push_back(net::Address::loopback(o.port));
    Progress progress("play");
    transport.log = [&](net::LogLevel level, std::string_view line) {
        if (level == net::LogLevel::Debug) return;
        progress.clear();
        std::cerr << "[" << describe(level) << "] " << line << '\n';
    };
    auto made = arena::Playback::create(std::move(reader), transport,
                                        {.speed = o.speed, .from = o.from, .loop = o.loop, .hooks = arena::playHooks()});
    if (!made) return say(made.error() == engine::Error::InvalidArgument ? kExitUnusable : kExitDamaged, made.detail());
    auto& player = **made;
    arena::tool::catchStopSignals();
    std::cerr << "tickwire-replay: playing " << o.file << " at " << tickRate << " ticks per second x " << o.speed
              << " on " << player.session().transport().address().toString()
              << "; playback starts when the first spectator joins\n";

    int code = kExitOk;
    std::optional<double> finishedAt;
    while (stopRequested == 0) {
        const double now = nowSeconds();
        const auto state = player.update(now);
        if (state == engine::PlayState::Failed) {
            progress.clear();
            code = say(kExitDamaged, player.problem());
            break;
        }
        // The last ticks and events leave on the next updates: linger a little for them.
        if (state == engine::PlayState::Finished) {
            if (!finishedAt) finishedAt = now;
            if (now - *finishedAt > 0.5) break;
        }
        if (state == engine::PlayState::Playing) {
            const auto f = player.figures();
            progress.show("tick " + std::to_string(player.nextRecordedTick()) + ", " + std::to_string(f.spectators) +
                          " spectators, pass " + std::to_string(f.passes));
        }
        const double due = std::min(player.nextDue(now), now + 0.05);
        while (stopRequested == 0 && nowSeconds() + 0.0005 < due) player.session().transport().update(1);
    }
    progress.clear();
    player.shutdown();
    const auto f = player.figures();
    std::cerr << "tickwire-replay: played " << count(f.ticksPlayed, "tick") << " (" << count(f.framesPlayed, "recorded frame")
              << ", " << count(f.eventsSent, "event") << ") in " << count(f.passes, "pass", "passes") << " to up to "
              << count(f.spectatorsPeak, "spectator") << "; turned away " << count(f.refused, "player") << '\n';
    return code;
}

}  // namespace tickwire::replay_tool
