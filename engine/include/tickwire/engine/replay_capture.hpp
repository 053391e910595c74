#pragma once
/// \file replay_capture.hpp
/// Recording a match from the outside: a spectator ClientSession<G> whose every new
/// authoritative snapshot, and every game event it receives, go into a replay file
/// (replay_recorder.hpp). A capture tool runs it against a live server; tests run it
/// against servers in the same process.
///
///     ClientSessionConfig config;                   // token, tick rate (spectator is set here)
///     auto made = ReplayCapture<MyGame>::create(config, "match.twr", "my-game", hooks, log);
///     if (!made) return fail(made.message());
///     auto& capture = **made;
///     if (auto ok = capture.connect(); !ok) return fail(ok.message());
///     while (capture.update(nowSeconds) != CaptureState::Ended) wait();
///     capture.close();

#include <tickwire/engine/client_session.hpp>
#include <tickwire/engine/replay_recorder.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace tickwire::engine {

/// Where a capture stands after an update().
enum class CaptureState {
    Connecting,  ///< no snapshot yet
    Running,     ///< recording
    Ended,       ///< the connection ended (ReplayCapture::disconnected() says why), an event
                 ///< said the capture cannot go on (ReplayCapture::problem() says why), or
                 ///< the file could not be written (the recorder's log said why)
};

/// Most events held back while no snapshot has arrived yet; more are dropped and counted.
inline constexpr std::size_t kCaptureMaxPendingEvents = 1024;

/// What a game tells a capture about its own events. Every hook may be empty: every event
/// is then recorded as plain bytes and none ends the capture.
struct CaptureHooks {
    /// Called with each event received (the game's bytes) and the capture's tick rate
    /// (ClientSessionConfig::tickRate), until one answer is not empty: a sentence saying
    /// why what the server sends cannot be recorded as configured (it runs at another tick
    /// rate...). The event is still recorded, then the capture ends.
    std::function<std::optional<std::string>(std::span<const std::uint8_t> event, std::uint32_t tickRate)> ends{};
};

/// A spectator of game G that records what it is sent. Not thread-safe.
template <Game G>
class ReplayCapture {
public:
    /// The spectator's session.
    using Session = ClientSession<G>;
    /// The recorder underneath.
    using Recorder = ReplayRecorder<typename G::Codec>;

    /// A spectator session from `config` (its `spectator` is set to true) and a recording
    /// into `path` for game id `game` at config.tickRate. `log` hears the recorder's one
    /// failure. Errors: those of ClientSession::create and of ReplayRecorder::create, with
    /// a detail saying which.
    [[nodiscard]] static Result<std::unique_ptr<ReplayCapture>> create(ClientSessionConfig config,
                                                                       const std::string& path, std::string game,
                                                                       CaptureHooks hooks = {},
                                                                       typename Recorder::Log log = {},
                                                                       ReplayWriterConfig writer = {}) {
        config.spectator = true;
        const std::uint32_t tickRate = config.tickRate;
        auto session = Session::create(std::move(config));
        if (!session) return fail(session.error(), "cannot create a client: " + session.message());
        auto recorder = Recorder::create(path, {.game = std::move(game), .tickRate = tickRate}, std::move(log), writer);
        if (!recorder) return fail(recorder.failure());
        return std::unique_ptr<ReplayCapture>(
            new ReplayCapture(std::move(*session), std::move(*recorder), tickRate, std::move(hooks)));
    }

    /// Starts connecting. Errors: those of ClientSession::connect (Expired: the token ran out).
    [[nodiscard]] net::Result<void> connect() { return session_->connect(); }

    /// Services the session at `nowSeconds` (monotonic), then records its newest snapshot
    /// when it is later than the last one recorded, then the events received, at the tick
    /// of that newest snapshot (events that arrive before the first snapshot wait for it).
    /// Call it often: snapshots that arrive together are recorded as the newest only.
    CaptureState update(double nowSeconds) {
        if (state_ == CaptureState::Ended) return state_;
        session_->update(nowSeconds, [](std::uint32_t) { return typename G::Input{}; });
        if (const auto* world = session_->authoritative()) {
            if (!recorder_->figures().lastTick || world->tick > *recorder_->figures().lastTick) {
                recorder_->addFrame(*world);
                state_ = CaptureState::Running;
            }
        }
        while (auto bytes = session_->pollEvent()) {
            if (!problem_ && hooks_.ends) problem_ = hooks_.ends(*bytes, tickRate_);
            if (pending_.size() < kCaptureMaxPendingEvents) {
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
    [[nodiscard]] std::optional<net::DisconnectReason> disconnected() const noexcept { return session_->disconnected(); }
    /// Set when the capture ended because an event said it cannot go on (CaptureHooks::ends):
    /// that hook's sentence.
    [[nodiscard]] const std::optional<std::string>& problem() const noexcept { return problem_; }
    /// What was recorded so far.
    [[nodiscard]] RecordFigures figures() const { return recorder_->figures(); }
    /// Events dropped because more than kCaptureMaxPendingEvents came before the first snapshot.
    [[nodiscard]] std::uint64_t droppedEvents() const noexcept { return droppedEvents_; }
    /// The spectator's session.
    [[nodiscard]] Session& session() noexcept { return *session_; }

    /// Finishes the file (the chunk being filled, then the index), then leaves the server
    /// (waiting up to `waitMs` for it to hear). Idempotent.
    void close(std::uint32_t waitMs = 200) {
        recorder_->close();
        if (!session_->disconnected() && session_->connected()) {
            session_->transport().disconnect(net::DisconnectReason::Requested, waitMs);
        }
    }

private:
    ReplayCapture(std::unique_ptr<Session> session, std::unique_ptr<Recorder> recorder, std::uint32_t tickRate,
                  CaptureHooks hooks)
        : session_(std::move(session)), recorder_(std::move(recorder)), tickRate_(tickRate), hooks_(std::move(hooks)) {}

    std::unique_ptr<Session> session_;
    std::unique_ptr<Recorder> recorder_;
    std::uint32_t tickRate_;
    CaptureHooks hooks_;
    CaptureState state_ = CaptureState::Connecting;
    std::vector<std::vector<std::uint8_t>> pending_;
    std::optional<std::string> problem_;
    std::uint64_t droppedEvents_ = 0;
};

}  // namespace tickwire::engine
