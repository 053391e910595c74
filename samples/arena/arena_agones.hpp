#pragma once
/// \file arena_agones.hpp
/// arena-server's side of Agones: the SDK sidecar's REST interface (POST /ready, /health,
/// /shutdown, /alpha/player/connect and /disconnect; GET /gameserver), spoken with
/// cpp-httplib on one worker thread so that a slow or absent sidecar never holds up a tick.
///
/// The worker sends only what the game loop asked for: health() is called by the loop on
/// its own period, so a loop that is stuck stops reporting health and Agones restarts the
/// server. A sidecar that does not answer is logged and retried with backoff (Ready and
/// player tracking until they are delivered; Health is simply asked for again by the loop)
/// and never ends the match. Log lines are handed to the loop (takeLog()), which prints them.


#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Client;
}  // namespace httplib

namespace arena {

/// The Agones SDK as arena-server uses it: calls queued by the game loop, sent by a worker.
class AgonesSdk {
public:
    /// Talks to the sidecar at 127.0.0.1:port (AGONES_SDK_HTTP_PORT, 9358 by default).
    explicit AgonesSdk(std::uint16_t port) : port_(port), worker_([this] { run(); }) {}
    ~AgonesSdk();
    AgonesSdk(const AgonesSdk&) = delete;
    AgonesSdk& operator=(const AgonesSdk&) = delete;

    /// The server listens: POST /ready until the sidecar takes it, then watch for allocation.
    void ready() { queue({"/ready", "{}", true}); }
    /// One POST /health, if the previous one has left (never a backlog after a stall).
    void health();
    /// Player tracking (Agones' alpha PlayerTracking feature), in the order they happened.
    void playerConnected(std::uint64_t playerId) { queue({"/alpha/player/connect", playerBody(playerId), true}); }
    void playerDisconnected(std::uint64_t playerId) { queue({"/alpha/player/disconnect", playerBody(playerId), true}); }
    /// POST /shutdown after everything queued before it; waits up to `waitMs` for the sidecar
    /// to take it. Returns whether it did.
    bool shutdown(std::uint32_t waitMs);
    /// The sidecar said this game server is Allocated: a match may start.
    [[nodiscard]] bool allocated() const noexcept { return allocated_.load(); }
    /// Log lines from the worker since the last call.
    [[nodiscard]] std::vector<std::string> takeLog();

private:
    struct Call {
        std::string path;
        std::string body;
        bool retry = true;
    };

    static std::string playerBody(std::uint64_t id);

    void queue(Call call);
    void note(const std::string& line);

    std::unique_ptr<httplib::Client> client() const;

    /// One POST; an error text, or nothing when the sidecar answered 200.
    std::optional<std::string> post(const std::string& path, const std::string& body) const;

    void failed(const std::string& what, const std::string& why, double retryIn);
    void succeeded(const std::string& what);

    void run();

    const std::uint16_t port_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::deque<Call> calls_;
    bool healthPending_ = false;
    bool shutdownSent_ = false;
    bool stopping_ = false;
    bool watching_ = false;  // worker only
    std::atomic<bool> allocated_{false};
    std::vector<std::string> log_;
    std::uint64_t failures_ = 0;  // worker only
    std::chrono::steady_clock::time_point lastFailureLog_{};
    std::thread worker_;  // last: starts once everything above exists
};

}  // namespace arena
