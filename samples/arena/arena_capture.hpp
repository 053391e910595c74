#pragma once
/// \file arena_capture.hpp
/// Recording an arena match from the outside: a spectator ClientSession<ArenaGame> whose
/// every new authoritative snapshot, and every game event it receives, go into a replay
/// file. `tickwire-replay capture` runs it against a live server; the replay tests run it
/// against servers in the same process.
///
///     engine::ClientSessionConfig config;            // token, tick rate (spectator is set here)
///     auto capture = *arena::ArenaCapture::create(config, "match.twr", log);
///     (void)capture->connect();
///     while (capture->update(nowSeconds) == arena::CaptureState::Running) wait();
///     capture->close();

#include "arena_events.hpp"
#include "arena_recorder.hpp"

#include <tickwire/engine/client_session.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace arena {

/// Where a capture stands after an update().
enum class CaptureState {
    Connecting,  ///< no snapshot yet
    Running,     ///< recording
    Ended,       ///< the connection ended (ArenaCapture::disconnected() says why), the
                 ///< server runs at another tick rate (ArenaCapture::problem() says so), or
                 ///< the file could not be written (the recorder's log said why)
};

/// Most events held back while no snapshot has arrived yet; more are dropped and counted.
inline constexpr std::size_t kMaxPendingEvents = 1024;

/// A spectator that records what it is sent. Not thread-safe.
class ArenaCapture {
public:
    /// The spectator's session.
    using Session = tickwire::engine::ClientSession<ArenaGame>;

    /// A spectator session from `config` (its `spectator` is set to true) and a recording
    /// into `path` at config.tickRate. Errors: those of ClientSession::create and of
    /// ArenaRecorder::create, with a detail saying which.
    [[nodiscard]] static tickwire::engine::Result<std::unique_ptr<ArenaCapture>> create(
        tickwire::engine::ClientSessionConfig config, const std::string& path, ArenaRecorder::Log log = {},
        tickwire::engine::ReplayWriterConfig writer = {}) {
        config.spectator = true;
        const std::uint32_t tickRate = config.tickRate;
        auto session = Session::create(std::move(config));
        if (!session) return tickwire::engine::fail(session.error(), "cannot create a client: " + session.message());
        auto recorder = ArenaRecorder::create(path, tickRate, std::move(log), writer);
        if (!recorder) return tickwire::engine::fail(recorder.failure());
        return std::unique_ptr<ArenaCapture>(new ArenaCapture(std::move(*session), std::move(*recorder), tickRate));
    }

    /// Starts connecting. Errors: those of ClientSession::connect (Expired: the token ran out).
    [[nodiscard]] tickwire::net::Result<void> connect() { return session_->connect(); }

    /// Services the session at `nowSeconds` (monotonic), then records its newest snapshot
    /// when it is later than the last one recorded, then the events received, at the tick
    /// of that newest snapshot (events that arrive before the first snapshot wait for it).
    /// Call it often: snapshots that arrive together are recorded as the newest only.
    CaptureState update(double nowSeconds) {
        if (state_ == CaptureState::Ended) return state_;
        session_->update(nowSeconds, [](std::uint32_t) { return Input{}; });
        if (const auto* world = session_->authoritative()) {
            if (!recorder_->figures().lastTick || world->tick > *recorder_->figures().lastTick) {
                recorder_->addFrame(*world);
                state_ = CaptureState::Running;
            }
        }
        while (auto bytes = session_->pollEvent()) {
            if (auto match = decodeMatchEvent(*bytes); match && match->tickRate != tickRate_ && !problem_) {
                problem_ = "the server runs at " + std::to_string(match->tickRate) + " ticks per second, not " +
                           std::to_string(tickRate_);
            }
            if (pending_.size() < kMaxPendingEvents) {
                pending_.push_back(std::move(*bytes));
            } else {
                ++droppedEvents_;
            }
        }
        if (const auto tick = recorder_->figures().lastTick) {
            for (const auto& bytes : pending_) recorder_->addEvent(*tick, bytes);
            pending_.clear();
        }
        if (session_->disconnected() || problem_ || recorder_->failed()) state_ = CaptureState::Ended;
        return state_;
    }

    /// Why the connection ended (none while it lasts).
    [[nodiscard]] std::optional<tickwire::net::DisconnectReason> disconnected() const noexcept {
        return session_->disconnected();
    }
    /// Set when the capture ended because the server's tick rate differs from the one
    /// configured (its MatchEvent says so): what differs, in one sentence.
    [[nodiscard]] const std::optional<std::string>& problem() const noexcept { return problem_; }
    /// What was recorded so far.
    [[nodiscard]] RecordFigures figures() const { return recorder_->figures(); }
    /// Events dropped because more than kMaxPendingEvents came before the first snapshot.
    [[nodiscard]] std::uint64_t droppedEvents() const noexcept { return droppedEvents_; }
    /// The spectator's session.
    [[nodiscard]] Session& session() noexcept { return *session_; }

    /// Finishes the file (the chunk being filled, then the index), then leaves the server
    /// (waiting up to `waitMs` for it to hear). Idempotent.
    void close(std::uint32_t waitMs = 200) {
        recorder_->close();
        if (!session_->disconnected() && session_->connected()) {
            session_->transport().disconnect(tickwire::net::DisconnectReason::Requested, waitMs);
        }
    }

private:
    ArenaCapture(std::unique_ptr<Session> session, std::unique_ptr<ArenaRecorder> recorder, std::uint32_t tickRate)
        : session_(std::move(session)), recorder_(std::move(recorder)), tickRate_(tickRate) {}

    std::unique_ptr<Session> session_;
    std::unique_ptr<ArenaRecorder> recorder_;
    std::uint32_t tickRate_;
    CaptureState state_ = CaptureState::Connecting;
    std::vector<std::vector<std::uint8_t>> pending_;
    std::optional<std::string> problem_;
    std::uint64_t droppedEvents_ = 0;
};

}  // namespace arena
