#include <tickwire/net/metrics.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tickwire::net {

namespace {

bool isNameStart(char c, bool colonAllowed) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colonAllowed && c == ':');
}

bool validName(std::string_view name, bool colonAllowed) {
    if (name.empty() || !isNameStart(name[0], colonAllowed)) return false;
    return std::all_of(name.begin(), name.end(), [&](char c) { return isNameStart(c, colonAllowed) || (c >= '0' && c <= '9'); });
}

bool validMetricName(std::string_view name) { return validName(name, true); }

bool validLabelName(std::string_view name) { return validName(name, false) && !name.starts_with("__"); }

std::string escapeHelp(std::string_view help) {
    std::string out;
    out.reserve(help.size());
    for (char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

double nearestRank(const std::vector<double>& sorted, double q) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

std::string escapeLabelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string formatMetricValue(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char text[40];
    // Counters are integers up to 2^53 exactly; printing them without an exponent keeps
    // them readable in a browser and exact for Prometheus.
    if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
        std::snprintf(text, sizeof text, "%.0f", value);
    } else {
        std::snprintf(text, sizeof text, "%.17g", value);
    }
    return text;
}

MetricsWriter::MetricsWriter(std::vector<MetricLabel> commonLabels) {
    for (auto& label : commonLabels) {
        if (validLabelName(label.name)) {
            common_.push_back(std::move(label));
        } else {
            ++errors_;
        }
    }
}

void MetricsWriter::family(std::string_view name, std::string_view type, std::string_view help) {
    family_.assign(name);
    const bool knownType =
        type == "counter" || type == "gauge" || type == "summary" || type == "histogram" || type == "untyped";
    familyOk_ = validMetricName(name) && knownType && (type != "counter" || name.ends_with("_total"));
    if (!familyOk_) {
        ++errors_;
        return;
    }
    text_ += "# HELP ";
    text_ += name;
    text_ += ' ';
    text_ += escapeHelp(help);
    text_ += "\n# TYPE ";
    text_ += name;
    text_ += ' ';
    text_ += type;
    text_ += '\n';
}

void MetricsWriter::line(std::string_view name, double value, std::span<const MetricLabel> labels,
                         const MetricLabel* extra) {
    if (!familyOk_) return;  // the family was refused and counted
    // A family's samples are the family's name, or (summaries, histograms) it with a suffix.
    if (!name.starts_with(family_) || !validMetricName(name)) {
        ++errors_;
        return;
    }
    for (const auto& l : labels) {
        if (!validLabelName(l.name)) {
            ++errors_;
            return;
        }
    }
    text_ += name;
    const std::size_t count = common_.size() + labels.size() + (extra ? 1 : 0);
    if (count > 0) {
        text_ += '{';
        bool first = true;
        auto add = [&](const MetricLabel& l) {
            if (!first) text_ += ',';
            first = false;
            text_ += l.name;
            text_ += "=\"";
            text_ += escapeLabelValue(l.value);
            text_ += '"';
        };
        for (const auto& l : common_) add(l);
        for (const auto& l : labels) add(l);
        if (extra) add(*extra);
        text_ += '}';
    }
    text_ += ' ';
    text_ += formatMetricValue(value);
    text_ += '\n';
}

void MetricsWriter::sample(std::string_view name, double value, std::initializer_list<MetricLabel> labels) {
    line(name, value, std::span<const MetricLabel>(labels.begin(), labels.size()));
}

void MetricsWriter::counter(std::string_view name, std::string_view help, double value,
                            std::initializer_list<MetricLabel> labels) {
    family(name, "counter", help);
    sample(name, value, labels);
}

void MetricsWriter::gauge(std::string_view name, std::string_view help, double value,
                          std::initializer_list<MetricLabel> labels) {
    family(name, "gauge", help);
    sample(name, value, labels);
}

void MetricsWriter::histogram(std::string_view name, std::string_view help, std::span<const double> upperBounds,
                              std::span<const std::uint64_t> cumulativeCounts, std::uint64_t count, double sum) {
    family(name, "histogram", help);
    if (!familyOk_) return;
    if (upperBounds.size() != cumulativeCounts.size() || !std::is_sorted(upperBounds.begin(), upperBounds.end())) {
        ++errors_;
        return;
    }
    const std::string bucket = std::string(name) + "_bucket";
    for (std::size_t i = 0; i < upperBounds.size(); ++i) {
        const MetricLabel le{"le", formatMetricValue(upperBounds[i])};
        line(bucket, static_cast<double>(cumulativeCounts[i]), {}, &le);
    }
    const MetricLabel inf{"le", "+Inf"};
    line(bucket, static_cast<double>(count), {}, &inf);
    line(std::string(name) + "_sum", sum, {});
    line(std::string(name) + "_count", static_cast<double>(count), {});
}

void MetricsWriter::summary(std::string_view name, std::string_view help, std::vector<double> values) {
    family(name, "summary", help);
    if (!familyOk_) return;
    std::sort(values.begin(), values.end());
    double total = 0;
    for (double v : values) total += v;
    struct Quantile {
        const char* text;
        double q;
    };
    for (const Quantile& q : {Quantile{"0.5", 0.5}, Quantile{"0.9", 0.9}, Quantile{"0.99", 0.99}}) {
        const MetricLabel quantile{"quantile", q.text};
        line(name, values.empty() ? std::nan("") : nearestRank(values, q.q), {}, &quantile);
    }
    line(std::string(name) + "_sum", total, {});
    line(std::string(name) + "_count", static_cast<double>(values.size()), {});
}

void writeHostMetrics(MetricsWriter& out, const HostStats& host, std::optional<std::span<const ConnectionStats>> connections,
                      std::string_view prefix) {
    const std::string p(prefix);
    auto d = [](std::uint64_t v) { return static_cast<double>(v); };
    out.counter(p + "_udp_bytes_out_total", "UDP payload bytes sent, handshake and ENet", d(host.udpBytesOut));
    out.counter(p + "_udp_bytes_in_total", "UDP payload bytes received, handshake and ENet", d(host.udpBytesIn));
    out.counter(p + "_udp_datagrams_out_total", "UDP datagrams sent, handshake and ENet", d(host.udpPacketsOut));
    out.counter(p + "_udp_datagrams_in_total", "UDP datagrams received, handshake and ENet", d(host.udpPacketsIn));
    out.counter(p + "_messages_in_total", "Application messages delivered", d(host.messagesIn));
    out.counter(p + "_messages_out_total", "Application messages queued to send", d(host.messagesOut));
    out.counter(p + "_connections_opened_total", "Connections accepted (server) or made (client)", d(host.connected));
    out.counter(p + "_connections_closed_total", "Connections that ended", d(host.disconnected));

    const std::string rejected = p + "_rejected_total";
    out.family(rejected, "counter",
               "Handshake datagrams and datagrams from unknown addresses refused, by reason (docs/PROTOCOL.md section 3)");
    for (std::size_t i = 0; i < kRejectionCount; ++i) {
        out.sample(rejected, d(host.rejected[i]), {{"reason", std::string(describe(static_cast<Rejection>(i)))}});
    }
    const std::string dropped = p + "_dropped_total";
    out.family(dropped, "counter",
               "Datagrams, batches or messages from allowed or connected addresses dropped, by reason "
               "(docs/PROTOCOL.md section 4)");
    for (std::size_t i = 0; i < kDropCount; ++i) {
        out.sample(dropped, d(host.dropped[i]), {{"reason", std::string(describe(static_cast<Drop>(i)))}});
    }
    out.counter(p + "_handshake_dropped_total", "Client: handshake replies that did not verify for its attempt",
                d(host.handshakeDropped));

    if (connections) {
        out.gauge(p + "_connections", "Live connections", static_cast<double>(connections->size()));
        std::vector<double> rtt, loss;
        rtt.reserve(connections->size());
        loss.reserve(connections->size());
        for (const auto& c : *connections) {
            rtt.push_back(c.rttMs / 1000.0);
            loss.push_back(c.lossPct / 100.0);
        }
        out.summary(p + "_connection_rtt_seconds", "Smoothed round-trip time of the live connections", std::move(rtt));
        out.summary(p + "_connection_loss_ratio", "Incoming datagram loss over the last second of the live connections, 0..1",
                    std::move(loss));
    }
}

std::string renderHostMetrics(const HostStats& host, std::optional<std::span<const ConnectionStats>> connections,
                              std::string_view prefix) {
    MetricsWriter out;
    writeHostMetrics(out, host, connections, prefix);
    return out.text();
}

}  // namespace tickwire::net
