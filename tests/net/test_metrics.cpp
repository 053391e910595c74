// g++ 12 with -O2 and the sanitizers reports a maybe-uninitialized std::function inside
// libstdc++'s <regex> automaton, a false positive from the library's own code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <doctest/doctest.h>

#include <tickwire/net/metrics.hpp>

#include <limits>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace tickwire::net;

namespace {

/// What a scraper reads from one exposition: per sample line (name + labels as written)
/// its value; and for each family its TYPE. Fails the test on any line Prometheus' text
/// parser would refuse, on a sample before its family's TYPE, or on a family twice.
struct Parsed {
    std::map<std::string, std::string> samples;  // "name{labels}" -> value text
    std::map<std::string, std::string> types;    // family -> type
};

Parsed parse(const std::string& text) {
    static const std::regex help(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$)");
    static const std::regex type(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)$)");
    static const std::regex sample(
        R"re(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\\\|\\"|\\n)*",?)*\})? ([-+0-9.eE]+|NaN|\+Inf|-Inf)$)re");
    Parsed out;
    std::istringstream in(text);
    std::string line, family, helped;
    std::set<std::string> seen;
    REQUIRE_FALSE(text.empty());
    CHECK(text.back() == '\n');
    while (std::getline(in, line)) {
        CAPTURE(line);
        std::smatch m;
        if (std::regex_match(line, m, help)) {
            helped = m[1];
            continue;
        }
        if (std::regex_match(line, m, type)) {
            family = m[1];
            CHECK(helped == family);
            CHECK(seen.insert(family).second);
            out.types[family] = m[2];
            continue;
        }
        REQUIRE(std::regex_match(line, m, sample));
        const std::string name = m[1];
        CHECK(name.starts_with(family));
        const std::string key = name + std::string(m[2]);
        CHECK(out.samples.count(key) == 0);
        out.samples[key] = m[5];
    }
    return out;
}

HostStats distinctStats() {
    HostStats s;
    s.connected = 11;
    s.disconnected = 7;
    s.udpBytesOut = 123456789012ULL;
    s.udpBytesIn = 2000;
    s.udpPacketsOut = 3000;
    s.udpPacketsIn = 4000;
    s.messagesIn = 5000;
    s.messagesOut = 6000;
    for (std::size_t i = 0; i < kRejectionCount; ++i) s.rejected[i] = 100 + i;
    for (std::size_t i = 0; i < kDropCount; ++i) s.dropped[i] = 200 + i;
    s.handshakeDropped = 9;
    return s;
}

}  // namespace

TEST_CASE("a host's counters render as a valid exposition, every reason labelled as in PROTOCOL.md") {
    const auto parsed = parse(renderHostMetrics(distinctStats()));
    for (const auto& [family, type] : parsed.types) {
        CAPTURE(family);
        if (type == "counter") CHECK(family.ends_with("_total"));
    }
    CHECK(parsed.types.at("tickwire_udp_bytes_out_total") == "counter");
    CHECK(parsed.samples.at("tickwire_udp_bytes_out_total") == "123456789012");
    CHECK(parsed.samples.at("tickwire_udp_bytes_in_total") == "2000");
    CHECK(parsed.samples.at("tickwire_udp_datagrams_out_total") == "3000");
    CHECK(parsed.samples.at("tickwire_udp_datagrams_in_total") == "4000");
    CHECK(parsed.samples.at("tickwire_messages_in_total") == "5000");
    CHECK(parsed.samples.at("tickwire_messages_out_total") == "6000");
    CHECK(parsed.samples.at("tickwire_connections_opened_total") == "11");
    CHECK(parsed.samples.at("tickwire_connections_closed_total") == "7");
    CHECK(parsed.samples.at("tickwire_handshake_dropped_total") == "9");
    // The label values are the JSON keys of PROTOCOL.md section 9 without their prefix.
    const std::vector<std::string> rejections = {"malformed",       "expired",          "wrong_server", "wrong_key",
                                                 "token_reused",    "no_token",         "pending_limit",
                                                 "player_already_connected", "server_full",     "bad_cookie",   "address_in_use"};
    REQUIRE(rejections.size() == kRejectionCount);
    for (std::size_t i = 0; i < rejections.size(); ++i) {
        CHECK(parsed.samples.at("tickwire_rejected_total{reason=\"" + rejections[i] + "\"}") == std::to_string(100 + i));
    }
    const std::vector<std::string> drops = {"auth_failed", "replayed",       "too_old",    "malformed",
                                            "oversize",    "queue_overflow", "bad_connect"};
    REQUIRE(drops.size() == kDropCount);
    for (std::size_t i = 0; i < drops.size(); ++i) {
        CHECK(parsed.samples.at("tickwire_dropped_total{reason=\"" + drops[i] + "\"}") == std::to_string(200 + i));
    }
    // Without connections, no connection figures are invented.
    CHECK(parsed.types.count("tickwire_connections") == 0);
    CHECK(parsed.types.count("tickwire_connection_rtt_seconds") == 0);
}

TEST_CASE("connection summaries give RTT in seconds and loss as a ratio over the live connections") {
    std::vector<ConnectionStats> connections(4);
    const std::uint32_t rtts[] = {40, 10, 30, 20};
    for (std::size_t i = 0; i < connections.size(); ++i) {
        connections[i].rttMs = rtts[i];
        connections[i].lossPct = static_cast<double>(i) * 10.0;
    }
    const auto parsed = parse(renderHostMetrics(HostStats{}, std::span<const ConnectionStats>(connections), "game"));
    CHECK(parsed.samples.at("game_connections") == "4");
    CHECK(parsed.types.at("game_connection_rtt_seconds") == "summary");
    CHECK(std::stod(parsed.samples.at("game_connection_rtt_seconds{quantile=\"0.5\"}")) == doctest::Approx(0.020));
    CHECK(std::stod(parsed.samples.at("game_connection_rtt_seconds{quantile=\"0.99\"}")) == doctest::Approx(0.040));
    CHECK(std::stod(parsed.samples.at("game_connection_rtt_seconds_sum")) == doctest::Approx(0.100));
    CHECK(parsed.samples.at("game_connection_rtt_seconds_count") == "4");
    CHECK(std::stod(parsed.samples.at("game_connection_loss_ratio{quantile=\"0.9\"}")) == doctest::Approx(0.3));
    CHECK(parsed.samples.at("game_udp_bytes_out_total") == "0");

    // No connections: the quantiles are NaN and the count is 0, never a made-up 0 ms.
    const auto empty = parse(renderHostMetrics(HostStats{}, std::span<const ConnectionStats>()));
    CHECK(empty.samples.at("tickwire_connections") == "0");
    CHECK(empty.samples.at("tickwire_connection_rtt_seconds{quantile=\"0.5\"}") == "NaN");
    CHECK(empty.samples.at("tickwire_connection_rtt_seconds_count") == "0");
}

TEST_CASE("label values and help text are escaped; common labels go on every sample") {
    MetricsWriter out(std::vector<MetricLabel>{{"server", "eu \"west\"\\1\nb"}});
    out.gauge("game_players", "Players\nin the \\ match", 3);
    out.counter("game_kills_total", "Kills", 5, {{"weapon", "rail"}});
    const std::string& text = out.text();
    CHECK(text.find("# HELP game_players Players\\nin the \\\\ match\n") != std::string::npos);
    CHECK(text.find("game_players{server=\"eu \\\"west\\\"\\\\1\\nb\"} 3\n") != std::string::npos);
    CHECK(text.find("game_kills_total{server=\"eu \\\"west\\\"\\\\1\\nb\",weapon=\"rail\"} 5\n") != std::string::npos);
    CHECK(out.errors() == 0);
    parse(text);
}

TEST_CASE("a histogram has cumulative buckets, +Inf equal to the count, a sum and a count") {
    MetricsWriter out;
    const double bounds[] = {0.001, 0.004, 0.016};
    const std::uint64_t counts[] = {5, 9, 10};
    out.histogram("game_tick_seconds", "Tick duration", bounds, counts, 12, 0.5);
    const auto parsed = parse(out.text());
    CHECK(parsed.types.at("game_tick_seconds") == "histogram");
    CHECK(parsed.samples.at("game_tick_seconds_bucket{le=\"0.001\"}") == "5");
    CHECK(parsed.samples.at("game_tick_seconds_bucket{le=\"0.016\"}") == "10");
    CHECK(parsed.samples.at("game_tick_seconds_bucket{le=\"+Inf\"}") == "12");
    CHECK(parsed.samples.at("game_tick_seconds_count") == "12");
    CHECK(parsed.samples.at("game_tick_seconds_sum") == "0.5");
}

TEST_CASE("names Prometheus would refuse are left out and counted, never written") {
    MetricsWriter out(std::vector<MetricLabel>{{"__reserved", "x"}});
    CHECK(out.errors() == 1);
    out.counter("game_kills", "a counter without _total", 1);
    out.gauge("9lives", "starts with a digit", 1);
    out.gauge("game-players", "has a dash", 1);
    out.gauge("game_ok", "fine", 1, {{"bad-label", "x"}});
    CHECK(out.errors() == 5);
    CHECK(out.text().find("game_kills") == std::string::npos);
    CHECK(out.text().find("9lives") == std::string::npos);
    CHECK(out.text().find("bad-label") == std::string::npos);
    CHECK(formatMetricValue(std::numeric_limits<double>::infinity()) == "+Inf");
    CHECK(formatMetricValue(-std::numeric_limits<double>::infinity()) == "-Inf");
    CHECK(formatMetricValue(0.25) == "0.25");
    CHECK(formatMetricValue(-3) == "-3");
}
