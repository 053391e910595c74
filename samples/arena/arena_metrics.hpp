#pragma once
/// \file arena_metrics.hpp
/// arena-server's `/metrics`: the game loop publishes a copy of its figures a few times a
/// second (publish(), under a mutex); cpp-httplib's own thread answers scrapes from the
/// latest copy and never touches the server, the session or the game.

#include <tickwire/net/metrics.hpp>
#include <tickwire/net/transport.hpp>

#include <httplib.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

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
    std::uint64_t playersKicked = 0;
    /// Tick durations: observations <= each of kTickBounds (not yet cumulative), all of
    /// them, and their sum in seconds.
    static constexpr std::array<double, 10> kTickBounds = {0.00025, 0.0005, 0.001, 0.002, 0.004,
                                                           0.008,   0.016,  0.033, 0.066, 0.25};
    std::array<std::uint64_t, kTickBounds.size()> tickBuckets{};
    std::uint64_t tickCount = 0;
    double tickSecondsSum = 0;

    /// `ticks` ticks that took `seconds` each (an update() shares its time between its
    /// ticks).
    void observeTicks(std::uint32_t ticks, double seconds) {
        for (std::size_t i = 0; i < kTickBounds.size(); ++i) {
            if (seconds <= kTickBounds[i]) {
                tickBuckets[i] += ticks;
                break;
            }
        }
        tickCount += ticks;
        tickSecondsSum += seconds * ticks;
    }
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
    figures.playersKicked = session.sessionStats().full;
}

/// The exposition of one copy of the figures.
inline std::string renderMetrics(const ServerFigures& f) {
    tickwire::net::MetricsWriter out;
    auto d = [](auto v) { return static_cast<double>(v); };
    out.gauge("arena_players", "Players in the arena", d(f.players));
    out.gauge("arena_max_players", "Players the arena admits (--max-players)", d(f.maxPlayers));
    out.gauge("arena_spectators", "Spectator connections (viewers, replay capture)", d(f.spectators));
    out.counter("arena_ticks_total", "Ticks simulated", d(f.ticks));
    out.counter("arena_players_kicked_total", "Players turned away because the arena was full", d(f.playersKicked));
    out.counter("arena_snapshots_sent_total", "Snapshots sent to clients", d(f.snapshotsSent));
    out.counter("arena_snapshot_bytes_total", "Snapshot message bytes sent, with their parts' headers", d(f.snapshotBytes));
    std::array<std::uint64_t, ServerFigures::kTickBounds.size()> cumulative{};
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < cumulative.size(); ++i) cumulative[i] = running += f.tickBuckets[i];
    out.histogram("arena_tick_duration_seconds", "Time to simulate one tick and send its snapshots",
                  ServerFigures::kTickBounds, cumulative, f.tickCount, f.tickSecondsSum);
    tickwire::net::writeHostMetrics(out, f.host, std::span<const tickwire::net::ConnectionStats>(f.connections));
    return out.text();
}

/// The HTTP endpoint. start() binds (port 0: one the system picks) and serves on
/// cpp-httplib's thread until the object is destroyed.
class MetricsEndpoint {
public:
    /// Listens on host:port. SocketError when it cannot bind.
    static tickwire::net::Result<std::unique_ptr<MetricsEndpoint>> start(const std::string& host, std::uint16_t port) {
        std::unique_ptr<MetricsEndpoint> m(new MetricsEndpoint);
        m->http_.Get("/metrics", [raw = m.get()](const httplib::Request&, httplib::Response& res) {
            ServerFigures copy;
            {
                std::lock_guard lock(raw->mutex_);
                copy = raw->figures_;
            }
            res.set_content(renderMetrics(copy), std::string(tickwire::net::kMetricsContentType).c_str());
        });
        m->http_.Get("/", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("arena-server: metrics at /metrics\n", "text/plain");
        });
        const int bound = port == 0 ? m->http_.bind_to_any_port(host) : (m->http_.bind_to_port(host, port) ? port : -1);
        if (bound <= 0) {
            return tickwire::fail(tickwire::net::Error::SocketError,
                                  "cannot listen for metrics on " + host + ":" + std::to_string(port));
        }
        m->port_ = static_cast<std::uint16_t>(bound);
        m->thread_ = std::thread([raw = m.get()] { raw->http_.listen_after_bind(); });
        return m;
    }
    ~MetricsEndpoint() {
        http_.stop();
        if (thread_.joinable()) thread_.join();
    }
    MetricsEndpoint(const MetricsEndpoint&) = delete;
    MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    /// Called by the game loop: the figures the next scrapes show.
    void publish(const ServerFigures& figures) {
        std::lock_guard lock(mutex_);
        figures_ = figures;
    }

private:
    MetricsEndpoint() = default;
    httplib::Server http_;
    std::thread thread_;
    std::mutex mutex_;
    ServerFigures figures_;
    std::uint16_t port_ = 0;
};

}  // namespace arena
