#include "arena_bot.hpp"

namespace arena {

tickwire::engine::Result<std::unique_ptr<ArenaBot>> ArenaBot::create(tickwire::engine::ClientSessionConfig config) {
    const bool spectator = config.spectator;
    auto session = Session::create(std::move(config));
    if (!session) return tickwire::engine::fail(session.failure());
    return std::unique_ptr<ArenaBot>(new ArenaBot(std::move(*session), spectator));
}

tickwire::net::Result<void> ArenaBot::connect() { return session_->connect(); }

void ArenaBot::update(double nowSeconds) {
    if (figures_.disconnected) return;
    // The others as this client draws them; its own player is taken from the
    // prediction each tick (it moves between the ticks of one update).
    seen_ = session_->interpolated();
    session_->update(nowSeconds, [this](std::uint32_t tick) { return decide(tick); });
    if (auto reason = session_->disconnected()) {
        figures_.disconnected = reason;
        return;
    }
    while (auto bytes = session_->pollEvent()) {
        if (auto m = decodeMatchEvent(*bytes)) {
            match_ = *m;
        } else {
            ++figures_.badEvents;
        }
    }
    const auto* world = session_->authoritative();
    const auto self = session_->controlled();
    if (!world || (!self && !spectator_)) return;
    if (!figures_.joined) {
        figures_.joined = true;
        joinedAt_ = nowSeconds;
    }
    figures_.connectedSeconds = nowSeconds - joinedAt_;
    if (const Player* me = self ? ArenaGame::player(*world, *self) : nullptr) {
        figures_.hits = me->hits.get();
        figures_.kills = me->score.get();
        figures_.deaths = me->deaths.get();
    }
    // One RTT and loss reading per second (each covers the last second): a mean over
    // time, not over frames.
    if (nowSeconds >= nextRttSample_) {
        nextRttSample_ = nowSeconds + 1.0;
        if (auto s = session_->transport().stats()) {
            figures_.rttMsSum += s->rttMs;
            figures_.lossPctSum += s->lossPct;
            ++figures_.rttSamples;
        }
    }
}

BotFigures ArenaBot::figures() const {
    BotFigures f = figures_;
    const auto s = session_->stats();
    f.corrections = s.corrections;
    f.frames = s.renderedFrames;
    f.stalls = s.stalls;
    const auto& host = session_->transport().hostStats();
    f.udpBytesIn = host.udpBytesIn;
    f.udpBytesOut = host.udpBytesOut;
    return f;
}

void ArenaBot::disconnect(std::uint32_t waitMs) {
    if (!figures_.disconnected) session_->transport().disconnect(tickwire::net::DisconnectReason::Requested, waitMs);
}

ArenaBot::ArenaBot(std::unique_ptr<Session> session, bool spectator)
    : session_(std::move(session)), spectator_(spectator) {}

Input ArenaBot::decide(std::uint32_t tick) {
    const auto self = session_->controlled();
    if (!self) return {};
    const auto* mine = session_->predicted().find(*self);
    if (!mine) return {};
    seen_.set(*self, *mine);
    return ArenaGame::botInput(seen_, *self, tick);
}

}  // namespace arena
