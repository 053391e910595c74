#pragma once
/// \file arena_bot.hpp
/// A headless arena player: a ClientSession<ArenaGame> whose input comes from
/// ArenaGame::botInput applied to what this client sees (its own predicted player and the
/// others as interpolated), plus the figures arena-client reports. The same bot runs in
/// arena-client, in the arena integration test and in `tickwire-bench arena`.
///
///     auto bot = *arena::ArenaBot::create(config);   // config.transport.token = a token
///     (void)bot->connect();
///     while (playing) bot->update(nowSeconds);      // once per frame
///     const arena::BotFigures f = bot->figures();

#include "arena_events.hpp"
#include "arena_game.hpp"

#include <tickwire/engine/client_session.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>

namespace arena {

/// What one bot measured. Counts from the game (hits, kills, deaths) are the bot's own
/// player's as the server last reported them.
struct BotFigures {
    bool joined = false;                 ///< received a snapshot that gave it a player (a spectator: any snapshot)
    std::optional<tickwire::net::DisconnectReason> disconnected;  ///< set once the connection ended
    std::uint64_t hits = 0;
    std::uint64_t kills = 0;
    std::uint64_t deaths = 0;
    std::uint64_t badEvents = 0;         ///< game events from the server that did not decode
    std::uint64_t corrections = 0;       ///< prediction corrections
    std::uint64_t frames = 0;            ///< interpolated frames
    std::uint64_t stalls = 0;            ///< frames with no snapshot to interpolate towards
    double rttMsSum = 0;                 ///< sum of rttSamples RTT readings, ms
    std::uint64_t rttSamples = 0;
    double lossPctSum = 0;               ///< sum of rttSamples readings of the loss on the way in, percent
    std::uint64_t udpBytesIn = 0;        ///< every UDP byte received (handshake, ENet, payload)
    std::uint64_t udpBytesOut = 0;
    double connectedSeconds = 0;         ///< from joining to the last update (or disconnect)
};

/// One bot. Owns its session; not thread-safe (one thread drives it).
class ArenaBot {
public:
    using Session = tickwire::engine::ClientSession<ArenaGame>;

    /// Errors: those of ClientSession::create.
    /// With `config.spectator` it only watches: it owns no player and sends no input.
    [[nodiscard]] static tickwire::engine::Result<std::unique_ptr<ArenaBot>> create(tickwire::engine::ClientSessionConfig config) {
        const bool spectator = config.spectator;
        auto session = Session::create(std::move(config));
        if (!session) return tickwire::engine::fail(session.failure());
        return std::unique_ptr<ArenaBot>(new ArenaBot(std::move(*session), spectator));
    }

    /// Starts connecting. Errors: those of ClientSession::connect (Expired: the token ran out).
    [[nodiscard]] tickwire::net::Result<void> connect() { return session_->connect(); }

    /// One frame at `nowSeconds` (monotonic): network, prediction, input, figures.
    void update(double nowSeconds) {
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

    /// The figures so far.
    [[nodiscard]] BotFigures figures() const {
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

    /// The match as the server last described it (none before the first MatchEvent).
    [[nodiscard]] const std::optional<MatchEvent>& match() const noexcept { return match_; }

    /// The session (read its predicted and interpolated worlds to draw them).
    [[nodiscard]] Session& session() noexcept { return *session_; }
    [[nodiscard]] const Session& session() const noexcept { return *session_; }

    /// Closes the connection, telling the server (waits up to `waitMs` for it to hear).
    void disconnect(std::uint32_t waitMs = 200) {
        if (!figures_.disconnected) session_->transport().disconnect(tickwire::net::DisconnectReason::Requested, waitMs);
    }

private:
    ArenaBot(std::unique_ptr<Session> session, bool spectator) : session_(std::move(session)), spectator_(spectator) {}

    Input decide(std::uint32_t tick) {
        const auto self = session_->controlled();
        if (!self) return {};
        const auto* mine = session_->predicted().find(*self);
        if (!mine) return {};
        seen_.set(*self, *mine);
        return ArenaGame::botInput(seen_, *self, tick);
    }

    std::unique_ptr<Session> session_;
    bool spectator_ = false;
    ArenaGame::World seen_;
    BotFigures figures_;
    std::optional<MatchEvent> match_;
    double joinedAt_ = 0;
    double nextRttSample_ = 0;
};

}  // namespace arena
