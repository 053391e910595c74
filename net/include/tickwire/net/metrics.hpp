#pragma once
/// \file metrics.hpp
/// A host's counters in the Prometheus text exposition format (version 0.0.4), so that a
/// game's own server can serve them on `/metrics` with whatever HTTP server it uses:
///
///     net::MetricsWriter out;
///     net::writeHostMetrics(out, server.hostStats(), connectionStats);
///     out.gauge("mygame_players", "Players in the match", players);
///     serve(out.text());   // Content-Type: text/plain; version=0.0.4
///
/// Counter names end in `_total`; rejection and drop counters carry a `reason` label named
/// as in docs/PROTOCOL.md section 9 (`tickwire_rejected_total{reason="wrong_key"}` is the
/// JSON key `rejected_wrong_key`). Nothing here touches a host: it renders figures the
/// caller copied, so the text can be made on any thread from a copy the game loop published.

#include <tickwire/net/transport.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tickwire::net {

/// One label of a sample. Names follow Prometheus' rules ([a-zA-Z_][a-zA-Z0-9_]*, not
/// starting with "__"); values are any text and are escaped on output.
struct MetricLabel {
    std::string name;
    std::string value;
};

/// Builds one exposition: each family's `# HELP` and `# TYPE` lines, then its samples.
/// Families must be written whole, one after the other (as the format requires). A name
/// or label name that breaks Prometheus' rules, or a counter not named `..._total`, is a
/// programming error: the writer skips the family or sample and counts it in errors(),
/// so a scrape never carries a line Prometheus would refuse.
class MetricsWriter {
public:
    /// `commonLabels` are put on every sample (e.g. {{"server", "eu-1"}}).
    explicit MetricsWriter(std::vector<MetricLabel> commonLabels = {});

    /// A counter (monotonic since the process started); `name` must end in `_total`.
    void counter(std::string_view name, std::string_view help, double value, std::initializer_list<MetricLabel> labels = {});
    /// A gauge: a value that goes up and down.
    void gauge(std::string_view name, std::string_view help, double value, std::initializer_list<MetricLabel> labels = {});

    /// Starts a family whose samples follow with sample(): for labelled series (one
    /// counter per reason). `type` is "counter", "gauge", "summary", "histogram" or "untyped".
    void family(std::string_view name, std::string_view type, std::string_view help);
    /// One sample line `name{labels} value` of the family being written.
    void sample(std::string_view name, double value, std::initializer_list<MetricLabel> labels = {});

    /// A histogram: `upperBounds` ascending (without +Inf), `cumulativeCounts` the number
    /// of observations <= each bound (same size), `count` all observations (the +Inf
    /// bucket), `sum` their total. Writes name_bucket{le=...}, name_sum, name_count.
    void histogram(std::string_view name, std::string_view help, std::span<const double> upperBounds,
                   std::span<const std::uint64_t> cumulativeCounts, std::uint64_t count, double sum);

    /// A summary over `values` (not kept: quantiles 0.5, 0.9, 0.99 by nearest rank, then
    /// name_sum and name_count). No values: the quantiles are NaN, as Prometheus expects.
    void summary(std::string_view name, std::string_view help, std::vector<double> values);

    /// The text so far.
    [[nodiscard]] const std::string& text() const noexcept { return text_; }
    /// Families and samples refused for a bad name (0 in a correct program).
    [[nodiscard]] std::size_t errors() const noexcept { return errors_; }

private:
    void line(std::string_view name, double value, std::span<const MetricLabel> labels,
              const MetricLabel* extra = nullptr);
    std::vector<MetricLabel> common_;
    std::string text_;
    std::string family_;  // the family being written
    bool familyOk_ = false;
    std::size_t errors_ = 0;
};

/// Escapes a label value for the exposition: backslash, double quote and newline.
[[nodiscard]] std::string escapeLabelValue(std::string_view value);
/// A sample value: integers exactly, others with 17 significant digits, "+Inf", "-Inf", "NaN".
[[nodiscard]] std::string formatMetricValue(double value);

/// Every counter of `host` (docs/PROTOCOL.md section 9) under `prefix` (default
/// "tickwire"): `_udp_bytes_out_total`, `_udp_datagrams_in_total`, `_messages_in_total`,
/// `_connections_opened_total`, `_connections_closed_total`, `_rejected_total{reason}` for
/// every Rejection, `_dropped_total{reason}` for every Drop, `_handshake_dropped_total`.
/// With `connections` (each live connection's stats), also `_connections` (a gauge) and
/// summaries over the connections of `_connection_rtt_seconds` and
/// `_connection_loss_ratio` (0..1 over the last second).
void writeHostMetrics(MetricsWriter& out, const HostStats& host,
                      std::optional<std::span<const ConnectionStats>> connections = std::nullopt,
                      std::string_view prefix = "tickwire");

/// writeHostMetrics() into a fresh writer: the whole exposition as text.
[[nodiscard]] std::string renderHostMetrics(const HostStats& host,
                                            std::optional<std::span<const ConnectionStats>> connections = std::nullopt,
                                            std::string_view prefix = "tickwire");

/// The Content-Type to serve the text with.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace tickwire::net
