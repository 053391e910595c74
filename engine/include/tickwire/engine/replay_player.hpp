#pragma once
/// \file replay_player.hpp
/// Serving a recorded match of game G to spectators as if it were live: a ServerSession over
/// PlaybackGame<G> (G's entities and inputs, no rules) whose world is set to the recorded
/// frame of each tick before that tick is sent, and which sends the recorded events at
/// their ticks. A playback tool runs it; tests capture it (replay_capture.hpp).
///
/// Played ticks are the session's own: tick numbers restart at the session's and keep
/// increasing across looped passes, as a spectator's clock needs. Each recorded tick R is
/// sent as tick R + offset (recordedTick() maps back); the game's hooks (PlayHooks) move
/// the ticks its events name to the same timeline.
///
///     auto reader = ReplayReader<MyGame::Codec>::open(path, "my-game");
///     if (!reader) return fail(reader.message());
///     auto made = ReplayPlayer<MyGame>::create(std::move(*reader), transportConfig, {.speed = 2.0});
///     if (!made) return fail(made.message());
///     auto& player = **made;
///     while (player.update(nowSeconds) != PlayState::Finished) wait();
///     player.shutdown();

#include <tickwire/engine/game.hpp>
#include <tickwire/engine/replay.hpp>
#include <tickwire/engine/server_session.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace tickwire::engine {

/// Game G as a replay server runs it: G's entities and inputs, and no rules, since every
/// tick's world comes from the recording. Only spectators are served.
template <Game G>
struct PlaybackGame {
    /// G's entity types.
    using Codec = typename G::Codec;
    /// G's world.
    using World = typename Codec::SnapshotType;
    /// G's input, so that G's clients speak to it unchanged.
    using Input = typename G::Input;

    /// The entity id given to players; ReplayPlayer turns every player away before one is
    /// spawned, so that it never reaches the recorded world.
    static constexpr EntityId kNoEntity = 0xFFFFFFFFu;

    /// A player (not a spectator) joined: it gets no entity in the recorded world.
    static EntityId spawn(World&, std::uint64_t) { return kNoEntity; }
    /// Nothing to remove: the world is the recording's.
    static void despawn(World&, EntityId) {}
    /// Nothing to simulate: the world is the recording's.
    static void simulate(World&, std::span<const PlayerInput<Input>>, const SimulationContext&) {}
};

/// What a game tells a player about its own events. Every hook may be empty: every event is
/// then sent unchanged, once, at its tick.
struct PlayHooks {
    /// True for an event that states something lasting (which match is on, its rules, the
    /// clock): the latest one recorded before the tick being played stays in effect, and is
    /// sent again to a spectator that joins late and to everyone at the start of each pass.
    std::function<bool(std::span<const std::uint8_t> event)> lasting{};
    /// The event as this playback's spectators need it: the ticks it names moved by
    /// `offset` (session tick - recorded tick, modulo 2^32), and `snapshotRate` the
    /// snapshots per second they are actually sent. None: send the recorded bytes unchanged.
    std::function<std::optional<std::vector<std::uint8_t>>(std::span<const std::uint8_t> event, std::uint32_t offset,
                                                           std::uint32_t snapshotRate)>
        retime{};
};

/// How to play a recording. Checked by ReplayPlayer::create.
struct PlayOptions {
    double speed = 1.0;                  ///< playback speed: ticks go out at tickRate × speed, 0.1..16
    std::optional<std::uint32_t> from{}; ///< start at the first recorded tick at or after this one
    bool loop = false;                   ///< start over at the end, for ever
    std::uint32_t maxCatchUpTicks = 8;   ///< most ticks one update() plays after a stall, 1..1000
    PlayHooks hooks{};                   ///< what the game's events mean (default: opaque bytes)
};

/// Where a playback stands after an update().
enum class PlayState {
    Waiting,   ///< no spectator has joined yet: playback starts with the first
    Playing,   ///< sending ticks
    Finished,  ///< the last frame was sent (never with PlayOptions::loop)
    Failed,    ///< a chunk of the recording did not decode: problem() says which
};

/// What a playback has done so far.
struct PlayFigures {
    std::size_t spectators = 0;        ///< watching now
    std::size_t spectatorsPeak = 0;    ///< most watching at once
    std::uint64_t refused = 0;         ///< players turned away (this server has only spectators)
    std::uint64_t ticksPlayed = 0;     ///< session ticks sent
    std::uint64_t framesPlayed = 0;    ///< recorded frames sent
    std::uint64_t eventsSent = 0;      ///< recorded events sent (once each, whatever the audience)
    std::uint64_t passes = 0;          ///< passes over the recording started
};

/// Plays one recording of game G to spectators. Not thread-safe.
template <Game G>
class ReplayPlayer {
public:
    /// The recording.
    using Reader = ReplayReader<typename G::Codec>;
    /// The server underneath.
    using Session = ServerSession<PlaybackGame<G>>;

    /// A server on `transport` (bind address, key, maxClients...) playing `reader`'s
    /// recording at its tick rate, every tick sent to every spectator. Errors:
    /// InvalidArgument (speed out of range, a recording without frames, `from` after its
    /// last frame), Malformed/Truncated/IoError (a chunk before `from` does not decode),
    /// and those of ServerSession::create; the detail is a sentence.
    [[nodiscard]] static Result<std::unique_ptr<ReplayPlayer>> create(std::unique_ptr<Reader> reader,
                                                                      net::ServerConfig transport,
                                                                      PlayOptions options) {
        auto bad = [](Error e, std::string text) -> Result<std::unique_ptr<ReplayPlayer>> {
            return fail(e, std::move(text));
        };
        if (!(options.speed >= 0.1 && options.speed <= 16.0)) return bad(Error::InvalidArgument, "the speed must be 0.1..16");
        if (options.maxCatchUpTicks < 1 || options.maxCatchUpTicks > 1000) {
            return bad(Error::InvalidArgument, "maxCatchUpTicks must be 1..1000");
        }
        const auto& chunks = reader->chunks();
        const auto firstWithFrames = std::find_if(chunks.begin(), chunks.end(), [](const auto& c) { return c.frames > 0; });
        if (firstWithFrames == chunks.end()) return bad(Error::InvalidArgument, "the recording holds no frames");
        std::uint32_t lastTick = 0;
        for (const auto& c : chunks) {
            if (c.frames > 0) lastTick = c.lastTick;
        }
        const std::uint32_t from = options.from.value_or(firstWithFrames->firstTick);
        if (from > lastTick) {
            return bad(Error::InvalidArgument, "the recording ends at tick " + std::to_string(lastTick) +
                                                   ", before --from " + std::to_string(from));
        }
        ServerSessionConfig config;
        config.transport = std::move(transport);
        config.tickRate = reader->info().tickRate;
        // Every tick to every spectator: what they capture is then the recording itself.
        config.snapshotRate = config.tickRate;
        config.snapshotHistory = std::clamp<std::uint32_t>(config.tickRate, 2, 1024);
        config.bytesPerSecondPerClient = 16u << 20;
        config.lagCompensationEnabled = false;
        config.maxPlayers = 0;  // nothing here to play with: the world is the recording's
        if (auto ok = config.validate(); !ok) return bad(ok.error(), "invalid server configuration: " + ok.detail());
        auto session = Session::create(config);
        if (!session) return bad(session.error(), "cannot serve on " + config.transport.bind.toString() + ": " + session.message());
        std::unique_ptr<ReplayPlayer> player(new ReplayPlayer(std::move(reader), std::move(*session), std::move(options)));
        player->from_ = from;
        player->startChunk_ = *player->reader_->chunkFor(from);
        // The match a spectator joins at `from` began before it: the last lasting event of
        // the chunks before is what a live server would have told it.
        for (std::size_t i = 0; i < player->startChunk_; ++i) {
            auto chunk = player->reader_->readChunk(i);
            if (!chunk) return bad(chunk.error(), chunkProblem(i, chunks[i], chunk.message()));
            for (const auto& e : chunk->events) player->keepIfLasting(player->lastingBefore_, e.data);
        }
        return player;
    }

    /// Services the network (spectators join, players are turned away), then sends the
    /// ticks due at `nowSeconds` (a monotonic clock), each with its recorded frame and
    /// events. Playback starts when the first spectator joins.
    PlayState update(double nowSeconds) {
        if (state_ == PlayState::Finished || state_ == PlayState::Failed) {
            session_->service();
            while (session_->poll()) {
            }
            return state_;
        }
        // Ticks are played below, one step() each.
        session_->service();
        while (auto ev = session_->poll()) onEvent(*ev, nowSeconds);
        if (state_ != PlayState::Playing) return state_;
        std::uint32_t played = 0;
        while (state_ == PlayState::Playing && nowSeconds >= due_ && played < options_.maxCatchUpTicks) {
            playTick();
            due_ += period_;
            ++played;
        }
        // Far behind (a stalled process): carry on from now rather than rush to catch up.
        if (nowSeconds - due_ > 0.25) due_ = nowSeconds;
        if (played > 0) session_->transport().flush();
        return state_;
    }

    /// When the next tick is due, on update()'s clock (a little ahead while waiting for a
    /// spectator, so that joins are handled promptly).
    [[nodiscard]] double nextDue(double nowSeconds) const noexcept {
        return state_ == PlayState::Playing ? due_ : nowSeconds + 0.005;
    }

    /// The recorded tick sent as session tick `sessionTick` in the current pass (none for
    /// ticks before it).
    [[nodiscard]] std::optional<std::uint32_t> recordedTick(std::uint32_t sessionTick) const noexcept {
        if (!started_ || sessionTick < passStart_) return std::nullopt;
        return sessionTick - offset_;
    }
    /// The recorded tick the next session tick plays (the pass's first tick before playback).
    [[nodiscard]] std::uint32_t nextRecordedTick() const noexcept {
        return started_ ? session_->tick() - offset_ : from_;
    }

    /// What the playback has done.
    [[nodiscard]] PlayFigures figures() const {
        PlayFigures f = figures_;
        f.spectators = spectators_.size();
        f.refused = session_->sessionStats().full;
        return f;
    }
    /// Why the playback failed (empty otherwise).
    [[nodiscard]] const std::string& problem() const noexcept { return problem_; }
    /// The recording.
    [[nodiscard]] const Reader& reader() const noexcept { return *reader_; }
    /// The server.
    [[nodiscard]] Session& session() noexcept { return *session_; }

    /// Tells every spectator the server is going away and waits up to `waitMs` for them
    /// to hear.
    void shutdown(std::uint32_t waitMs = 1000) {
        session_->transport().shutdown(net::DisconnectReason::ServerShutdown, waitMs);
        while (session_->poll()) {
        }
    }

private:
    using Bytes = std::vector<std::uint8_t>;

    ReplayPlayer(std::unique_ptr<Reader> reader, std::unique_ptr<Session> session, PlayOptions options)
        : reader_(std::move(reader)),
          session_(std::move(session)),
          options_(std::move(options)),
          period_(1.0 / (static_cast<double>(reader_->info().tickRate) * options_.speed)) {}

    void onEvent(const typename Session::Event& ev, double nowSeconds) {
        using Type = typename Session::Event::Type;
        if (ev.type == Type::Joined) {
            spectators_.push_back(ev.client);
            figures_.spectatorsPeak = std::max(figures_.spectatorsPeak, spectators_.size());
            if (!started_) {
                started_ = true;
                due_ = nowSeconds;
                state_ = PlayState::Playing;
                beginPass();  // tells every spectator, this one included, what is in effect
            } else if (lasting_) {
                (void)session_->sendEvent(ev.client, onTimeline(*lasting_));
            }
        } else if (ev.type == Type::Left) {
            std::erase_if(spectators_, [&](const net::ConnectionId& c) { return c.value == ev.client.value; });
        }
    }

    /// Keeps `event` in `slot` when the game says it is lasting.
    void keepIfLasting(std::optional<Bytes>& slot, std::span<const std::uint8_t> event) const {
        if (options_.hooks.lasting && options_.hooks.lasting(event)) slot = Bytes(event.begin(), event.end());
    }

    /// A recorded event as this server's spectators need it: the ticks it names on their
    /// timeline, and the snapshot rate they are actually sent.
    [[nodiscard]] Bytes onTimeline(std::span<const std::uint8_t> event) const {
        if (options_.hooks.retime) {
            if (auto moved = options_.hooks.retime(event, offset_, reader_->info().tickRate)) return std::move(*moved);
        }
        return {event.begin(), event.end()};
    }

    [[nodiscard]] bool loadChunk(std::size_t i) {
        auto chunk = reader_->readChunk(i);
        if (!chunk) {
            problem_ = chunkProblem(i, reader_->chunks()[i], chunk.message());
            state_ = PlayState::Failed;
            return false;
        }
        chunk_ = std::move(*chunk);
        std::stable_sort(chunk_.events.begin(), chunk_.events.end(),
                         [](const auto& a, const auto& b) { return a.tick < b.tick; });
        chunkIndex_ = i;
        frame_ = 0;
        event_ = 0;
        return true;
    }

    void beginPass() {
        ++figures_.passes;
        lasting_ = lastingBefore_;
        if (!loadChunk(startChunk_)) return;
        // What comes before `from` is not played; its lasting events still say what is in
        // effect at `from`. The pass starts at the first frame from there.
        for (;;) {
            while (frame_ < chunk_.frames.size() && chunk_.frames[frame_].tick < from_) ++frame_;
            while (event_ < chunk_.events.size() && chunk_.events[event_].tick < from_) {
                keepIfLasting(lasting_, chunk_.events[event_].data);
                ++event_;
            }
            if (frame_ < chunk_.frames.size()) break;
            // create() saw a frame at or after `from`, so a later chunk holds it.
            if (chunkIndex_ + 1 >= reader_->chunks().size()) {
                problem_ = "no frame at or after tick " + std::to_string(from_);
                state_ = PlayState::Failed;
                return;
            }
            if (!loadChunk(chunkIndex_ + 1)) return;
        }
        passStart_ = session_->tick();
        offset_ = passStart_ - chunk_.frames[frame_].tick;
        if (lasting_) sendToSpectators(onTimeline(*lasting_));
    }

    void playTick() {
        const std::uint32_t tick = session_->tick() - offset_;
        while (frame_ < chunk_.frames.size() && chunk_.frames[frame_].tick <= tick) {
            session_->world().entities = chunk_.frames[frame_].entities;
            ++frame_;
            ++figures_.framesPlayed;
        }
        session_->step();
        ++figures_.ticksPlayed;
        sendEvents(tick);
        // The next chunk once this one is played out; events recorded after the last frame
        // go out with it rather than after ticks of nothing.
        while (frame_ == chunk_.frames.size()) {
            if (chunkIndex_ + 1 >= reader_->chunks().size()) {
                sendEvents(UINT32_MAX);
                endPass();
                return;
            }
            sendEvents(UINT32_MAX);
            if (!loadChunk(chunkIndex_ + 1)) return;
        }
    }

    void sendEvents(std::uint32_t upTo) {
        while (event_ < chunk_.events.size() && chunk_.events[event_].tick <= upTo) {
            const auto& data = chunk_.events[event_].data;
            keepIfLasting(lasting_, data);
            sendToSpectators(onTimeline(data));
            ++figures_.eventsSent;
            ++event_;
        }
    }

    void sendToSpectators(std::span<const std::uint8_t> bytes) {
        for (const auto& client : spectators_) (void)session_->sendEvent(client, bytes);
    }

    void endPass() {
        if (options_.loop) {
            beginPass();
        } else {
            state_ = PlayState::Finished;
        }
    }

    std::unique_ptr<Reader> reader_;
    std::unique_ptr<Session> session_;
    PlayOptions options_;
    double period_;
    std::uint32_t from_ = 0;
    std::size_t startChunk_ = 0;
    std::optional<Bytes> lastingBefore_;  // the lasting event in effect at from_
    std::optional<Bytes> lasting_;        // the lasting event in effect now, as recorded
    ReplayChunk<typename G::Codec::SnapshotType> chunk_;
    std::size_t chunkIndex_ = 0;
    std::size_t frame_ = 0;
    std::size_t event_ = 0;
    std::uint32_t offset_ = 0;   // session tick - recorded tick, this pass
    std::uint32_t passStart_ = 0;
    bool started_ = false;
    double due_ = 0;
    PlayState state_ = PlayState::Waiting;
    std::vector<net::ConnectionId> spectators_;
    PlayFigures figures_;
    std::string problem_;
};

}  // namespace tickwire::engine
