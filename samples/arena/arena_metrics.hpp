#pragma once
/// \file arena_metrics.hpp
/// arena-server's `/metrics`: the game loop publishes a copy of its figures a few times a
/// second (publish(), under a mutex); cpp-httplib's own thread answers scrapes from the
/// latest copy and never touches the server, the session or the game.

#include <tickwire/net/metrics.hpp>
#include <tickwire/net/transport.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}  // namespace httplib

namespace arena {

/// Everything one scrape shows, copied out of the game loop.
struct ServerFigures {
    tickwire::net::HostStats host;
    std::vector<tickwire::net::ConnectionStats> connections;
    std::size_t players = 0;
    std::size_t maxPlayers = 0;
    std::size_t spectators = 0;
    std::uint64_t ticks = 0;
    std::uint64_t snapshotsSent = 0;
    std::uint64_t snapshotBytes = 0;
    std::uint64_t playersRefused = 0;
    /// Tick durations: observations <= each of kTickBounds (not yet cumulative), all of
    /// them, and their sum in seconds.
    static constexpr std::array<double, 10> kTickBounds = {0.00025, 0.0005, 0.001, 0.002, 0.004,
                                                           0.008,   0.016,  0.033, 0.066, 0.25};
    std::array<std::uint64_t, kTickBounds.size()> tickBuckets{};
    std::uint64_t tickCount = 0;
    double tickSecondsSum = 0;

    /// `ticks` ticks that took `seconds` each (an update() shares its time between its
    /// ticks).
    void observeTicks(std::uint32_t ticks, double seconds);
};

/// Each client's snapshot totals when the figures were last collected: a client's own
/// totals start at 0 when it joins, so the server's grow by what each sent since.
struct SnapshotTotalsSeen {
    std::map<tickwire::net::ConnectionId, std::uint64_t> bytes, sent;
};

/// Copies what a scrape shows out of a ServerSession into `figures` (the tick durations
/// are observed as they happen, not here).
template <class Session>
void collectFigures(Session& session, std::size_t players, std::size_t spectators, SnapshotTotalsSeen& seen,
                    ServerFigures& figures) {
    figures.host = session.transport().hostStats();
    figures.connections.clear();
    SnapshotTotalsSeen now;
    for (const tickwire::net::ConnectionId client : session.transport().clients()) {
        if (auto s = session.transport().stats(client)) figures.connections.push_back(*s);
        if (auto s = session.stats(client)) {
            figures.snapshotBytes += s->snapshotBytes - seen.bytes[client];
            figures.snapshotsSent += s->snapshotsSent - seen.sent[client];
            now.bytes[client] = s->snapshotBytes;
            now.sent[client] = s->snapshotsSent;
        }
    }
    seen = std::move(now);
    figures.players = players;
    figures.spectators = spectators;
    figures.ticks = session.tick();
    figures.playersRefused = session.sessionStats().full;
}

/// The exposition of one copy of the figures.
std::string renderMetrics(const ServerFigures& f);

/// The HTTP endpoint. start() binds (port 0: one the system picks) and serves on
/// cpp-httplib's thread until the object is destroyed.
class MetricsEndpoint {
public:
    /// Listens on host:port. SocketError when it cannot bind.
    static tickwire::net::Result<std::unique_ptr<MetricsEndpoint>> start(const std::string& host, std::uint16_t port);
    ~MetricsEndpoint();
    MetricsEndpoint(const MetricsEndpoint&) = delete;
    MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    /// Called by the game loop: the figures the next scrapes show.
    void publish(const ServerFigures& figures);

private:
    MetricsEndpoint();
    std::unique_ptr<httplib::Server> http_;
    std::thread thread_;
    std::mutex mutex_;
    ServerFigures figures_;
    std::uint16_t port_ = 0;
};

}  // namespace arena
