#pragma once
/// \file arena_bot.hpp
/// A headless arena player: a ClientSession<ArenaGame> whose input comes from
/// ArenaGame::botInput applied to what this client sees (its own predicted player and the
/// others as interpolated), plus the figures arena-client reports. The same bot runs in
/// arena-client, in the arena integration test and in `tickwire-bench arena`.
///
///     auto made = arena::ArenaBot::create(config);   // config.transport.token = a token
///     if (!made) return fail(made.message());
///     auto& bot = **made;
///     if (auto ok = bot.connect(); !ok) return fail(ok.message());   // Expired: a new token
///     while (playing) bot.update(nowSeconds);        // once per frame
///     const arena::BotFigures f = bot.figures();

#include "arena_events.hpp"
#include "arena_game.hpp"

#include <tickwire/engine/client_session.hpp>

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
    [[nodiscard]] static tickwire::engine::Result<std::unique_ptr<ArenaBot>> create(tickwire::engine::ClientSessionConfig config);

    /// Starts connecting. Errors: those of ClientSession::connect (Expired: the token ran out).
    [[nodiscard]] tickwire::net::Result<void> connect();

    /// One frame at `nowSeconds` (monotonic): network, prediction, input, figures.
    void update(double nowSeconds);

    /// The figures so far.
    [[nodiscard]] BotFigures figures() const;

    /// The match as the server last described it (none before the first MatchEvent).
    [[nodiscard]] const std::optional<MatchEvent>& match() const noexcept { return match_; }

    /// The session (read its predicted and interpolated worlds to draw them).
    [[nodiscard]] Session& session() noexcept { return *session_; }
    [[nodiscard]] const Session& session() const noexcept { return *session_; }

    /// Closes the connection, telling the server (waits up to `waitMs` for it to hear).
    void disconnect(std::uint32_t waitMs = 200);

private:
    ArenaBot(std::unique_ptr<Session> session, bool spectator);

    Input decide(std::uint32_t tick);

    std::unique_ptr<Session> session_;
    bool spectator_ = false;
    ArenaGame::World seen_;
    BotFigures figures_;
    std::optional<MatchEvent> match_;
    double joinedAt_ = 0;
    double nextRttSample_ = 0;
};

}  // namespace arena
