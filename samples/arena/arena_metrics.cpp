#include "arena_metrics.hpp"

#include <httplib.h>

namespace arena {

void ServerFigures::observeTicks(std::uint32_t ticks, double seconds) {
    for (std::size_t i = 0; i < kTickBounds.size(); ++i) {
        if (seconds <= kTickBounds[i]) {
            tickBuckets[i] += ticks;
            break;
        }
    }
    tickCount += ticks;
    tickSecondsSum += seconds * ticks;
}

std::string renderMetrics(const ServerFigures& f) {
    tickwire::net::MetricsWriter out;
    auto d = [](auto v) { return static_cast<double>(v); };
    out.gauge("arena_players", "Players in the arena", d(f.players));
    out.gauge("arena_max_players", "Players the arena admits (--max-players)", d(f.maxPlayers));
    out.gauge("arena_spectators", "Spectator connections (viewers, replay capture)", d(f.spectators));
    out.counter("arena_ticks_total", "Ticks simulated", d(f.ticks));
    out.counter("arena_players_refused_total", "Players turned away because the arena was full", d(f.playersRefused));
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

tickwire::net::Result<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::start(const std::string& host, std::uint16_t port) {
    std::unique_ptr<MetricsEndpoint> m(new MetricsEndpoint);
    m->http_->Get("/metrics", [raw = m.get()](const httplib::Request&, httplib::Response& res) {
        ServerFigures copy;
        {
            std::lock_guard lock(raw->mutex_);
            copy = raw->figures_;
        }
        res.set_content(renderMetrics(copy), std::string(tickwire::net::kMetricsContentType).c_str());
    });
    m->http_->Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("arena-server: metrics at /metrics\n", "text/plain");
    });
    const int bound = port == 0 ? m->http_->bind_to_any_port(host) : (m->http_->bind_to_port(host, port) ? port : -1);
    if (bound <= 0) {
        return tickwire::fail(tickwire::net::Error::SocketError,
                              "cannot listen for metrics on " + host + ":" + std::to_string(port));
    }
    m->port_ = static_cast<std::uint16_t>(bound);
    m->thread_ = std::thread([raw = m.get()] { raw->http_->listen_after_bind(); });
    return m;
}

MetricsEndpoint::MetricsEndpoint() : http_(std::make_unique<httplib::Server>()) {}

MetricsEndpoint::~MetricsEndpoint() {
    http_->stop();
    if (thread_.joinable()) thread_.join();
}

void MetricsEndpoint::publish(const ServerFigures& figures) {
    std::lock_guard lock(mutex_);
    figures_ = figures;
}

}  // namespace arena
