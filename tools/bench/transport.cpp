// tickwire-bench transport: tickwire's secure transport against raw ENet (no encryption,
// one ENet packet per message) on loopback, both ends in this process, pumped by one loop.
//
// Throughput: client -> server as fast as the queues allow, messages counted where they
// are delivered. Reliable senders back off at the same window of unacknowledged bytes
// (tickwire: QueueFull at ChannelLimits::maxQueuedBytes; raw ENet: bytes sent but not yet
// delivered), so neither side queues without bound.
//
// Wire cost: a real-time 60 Hz loop sending K messages per tick; every UDP payload byte
// that leaves either socket during the measured ticks (acks included) divided by the
// messages delivered in them. Real time because ENet's acks, pings and throttle run on
// its own clock: a faster-than-real-time loop would change what goes on the wire.
//
// Method and figures: docs/BENCHMARKS.md, "Transport".

#include "transport.hpp"
#include "bench.hpp"

#include "connection.hpp"
#include "host.hpp"

#include <tickwire/net/transport.hpp>

#include <enet/enet.h>
#include <nlohmann/json.hpp>
#include <tool_cli.hpp>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace tickwire::bench {

namespace {

using namespace tickwire::net;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kConnectTimeoutMs = 5000;
constexpr auto kTick = std::chrono::nanoseconds(1'000'000'000 / 60);
constexpr std::size_t kSmall = 64;
constexpr std::size_t kLarge = 1024;
constexpr std::array<std::size_t, 2> kSizes = {kSmall, kLarge};
constexpr std::array<unsigned, 3> kPerTick = {1, 10, 100};
constexpr std::array<Channel, 2> kChannels = {Channel::Reliable, Channel::Unreliable};

// How much one pass of the send loop may queue before both hosts are serviced again.
// Reliable senders stop earlier, at their window. Unreliable ones have no back-pressure:
// 32 KiB per pass stays well inside ENet's 256 KiB socket buffers, so what limits the
// rate is the work on both ends, not datagrams dropped by the kernel (the report shows
// delivered / sent to prove it).
constexpr std::size_t kReliableBurstBytes = 256 * 1024;
constexpr std::size_t kUnreliableBurstBytes = 32 * 1024;

// The targets docs/BENCHMARKS.md judges the transport by; printed beside the figures,
// never turned into a failure.
constexpr double kMinThroughputRatio = 0.8;
constexpr double kMaxOverheadBytes64 = 24.0;
constexpr double kMaxWireBytesK100 = 66.0;

enum class Impl { Tickwire, Enet };
constexpr std::array<Impl, 2> kImpls = {Impl::Tickwire, Impl::Enet};

const char* implKey(Impl impl) { return impl == Impl::Tickwire ? "tickwire" : "enet"; }
const char* channelKey(Channel ch) { return ch == Channel::Reliable ? "reliable" : "unreliable"; }
std::string sizeKey(std::size_t size) { return size == kLarge ? "1k" : std::to_string(size); }
std::string sizeLabel(std::size_t size) { return size == kLarge ? "1 KiB" : std::to_string(size) + " B"; }

double secondsBetween(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

void writeSequence(std::vector<std::uint8_t>& msg, std::uint32_t seq) {
    for (std::size_t i = 0; i < 4; ++i) msg[i] = static_cast<std::uint8_t>(seq >> (8 * i));
}

std::uint32_t readSequence(std::span<const std::uint8_t> msg) {
    std::uint32_t seq = 0;
    for (std::size_t i = 0; i < 4; ++i) seq |= std::uint32_t{msg[i]} << (8 * i);
    return seq;
}

std::vector<std::uint8_t> makeMessage(std::size_t size) {
    std::vector<std::uint8_t> msg(size);
    for (std::size_t i = 0; i < size; ++i) msg[i] = static_cast<std::uint8_t>(i * 151 + 7);
    return msg;
}

/// UDP payload bytes and datagrams that left each socket.
struct WireCounters {
    std::uint64_t clientBytes = 0, serverBytes = 0;
    std::uint64_t clientPackets = 0, serverPackets = 0;
};

/// A sender (client) connected to a receiver (server) on loopback. Counts and checks what
/// the receiver gets: every message starts with a 32-bit sequence number per channel.
class Pair {
public:
    virtual ~Pair() = default;

    /// Queues one message client -> server. False means back off: the window is full
    /// (or the connection failed; see error()).
    virtual bool send(Channel channel, std::span<const std::uint8_t> msg) = 0;
    /// Hands everything queued on the client to the socket now.
    virtual void flushClient() = 0;
    /// Services the client, then the server, each waiting up to timeoutMs for traffic.
    virtual void pump(std::uint32_t timeoutMs) = 0;
    [[nodiscard]] virtual WireCounters wire() const = 0;

    void expectSize(std::size_t size) { expectedSize_ = size; }
    [[nodiscard]] std::uint64_t delivered() const { return delivered_; }
    [[nodiscard]] std::uint64_t deliveredBytes(Channel ch) const { return deliveredBytes_[index(ch)]; }
    /// Reliable messages that arrived out of order, twice, or with the wrong size.
    [[nodiscard]] std::uint64_t faults() const { return faults_; }
    /// Empty while the connection is healthy.
    [[nodiscard]] const std::string& error() const { return error_; }

protected:
    static std::size_t index(Channel ch) { return static_cast<std::size_t>(ch); }

    void onDelivered(Channel channel, std::span<const std::uint8_t> msg) {
        ++delivered_;
        deliveredBytes_[index(channel)] += msg.size();
        if (msg.size() != expectedSize_ || msg.size() < 4) {
            ++faults_;
            return;
        }
        if (channel == Channel::Reliable) {
            const std::uint32_t seq = readSequence(msg);
            if (seq != nextReliable_) ++faults_;
            nextReliable_ = seq + 1;
        }
    }

    void setError(std::string why) {
        if (error_.empty()) error_ = std::move(why);
    }

private:
    std::uint64_t delivered_ = 0;
    std::array<std::uint64_t, kChannelCount> deliveredBytes_{};
    std::uint64_t faults_ = 0;
    std::uint32_t nextReliable_ = 0;
    std::size_t expectedSize_ = 0;
    std::string error_;
};

// ---------------------------------------------------------------------------------------

class TickwirePair final : public Pair {
public:
    static net::Result<std::unique_ptr<Pair>> connect(std::size_t windowBytes) {
        auto pair = std::unique_ptr<TickwirePair>(new TickwirePair());
        ChannelLimits limits;
        limits.maxQueuedBytes = windowBytes;
        limits.maxReliableMessage = std::min(limits.maxReliableMessage, windowBytes);

        ServerConfig sc;
        sc.bind = Address::loopback(0);
        sc.key = Key::generate();
        sc.maxClients = 1;
        sc.limits = limits;
        auto server = Server::create(sc);
        if (!server) {
            return fail(Error::HostCreateFailed, "tickwire server: cannot create the host on 127.0.0.1");
        }
        pair->server_ = std::move(*server);

        TokenParams tp;
        tp.playerId = 1;
        tp.servers = {pair->server_->address()};
        tp.timeoutSeconds = 10;
        tp.expiresInSeconds = 60;
        auto token = issueToken(sc.key, tp, unixNow());
        if (!token) {
            return fail(Error::InvalidArgument, "tickwire: cannot issue a connect token");
        }
        ClientConfig cc;
        cc.token = *token;
        cc.bind = Address::loopback(0);
        cc.limits = limits;
        auto client = Client::create(cc);
        if (!client) {
            return fail(Error::HostCreateFailed, "tickwire client: cannot create the host on 127.0.0.1");
        }
        pair->client_ = std::move(*client);
        if (!pair->client_->connect()) {
            return fail(Error::NotConnected, "tickwire client: connect() refused");
        }

        bool serverSaw = false;
        const auto deadline = Clock::now() + std::chrono::milliseconds(kConnectTimeoutMs);
        while (Clock::now() < deadline && !(serverSaw && pair->client_->connected())) {
            pair->client_->update(1);
            while (auto ev = pair->client_->poll()) {
                if (ev->type == Event::Type::Disconnected) {
                    return fail(Error::NotConnected, "tickwire client: disconnected during the handshake (" +
                                                         std::string(describe(ev->reason)) + ")");
                }
            }
            pair->server_->update(1);
            while (auto ev = pair->server_->poll()) {
                if (ev->type == Event::Type::Connected) serverSaw = true;
            }
        }
        if (!serverSaw || !pair->client_->connected()) {
            return fail(Error::NotConnected, "tickwire: the client did not connect to " +
                                                 pair->server_->address().toString() + " within " +
                                                 std::to_string(kConnectTimeoutMs) + " ms");
        }
        return std::unique_ptr<Pair>(std::move(pair));
    }

    bool send(Channel channel, std::span<const std::uint8_t> msg) override {
        auto sent = client_->send(channel, msg);
        if (sent) return true;
        if (sent.error() != Error::QueueFull) setError("tickwire client: send failed (connection lost?)");
        return false;
    }

    void flushClient() override { client_->flush(); }

    void pump(std::uint32_t timeoutMs) override {
        client_->update(timeoutMs);
        while (auto ev = client_->poll()) {
            if (ev->type == Event::Type::Disconnected) {
                setError("tickwire client: disconnected (" + std::string(describe(ev->reason)) + ")");
            }
        }
        server_->update(timeoutMs);
        while (auto ev = server_->poll()) {
            if (ev->type == Event::Type::Message) {
                onDelivered(ev->channel, ev->data);
            } else if (ev->type == Event::Type::Disconnected) {
                setError("tickwire server: client disconnected (" + std::string(describe(ev->reason)) + ")");
            }
        }
    }

    WireCounters wire() const override {
        const HostStats& c = client_->hostStats();
        const HostStats& s = server_->hostStats();
        return {c.udpBytesOut, s.udpBytesOut, c.udpPacketsOut, s.udpPacketsOut};
    }

private:
    TickwirePair() = default;
    std::unique_ptr<Server> server_;
    std::unique_ptr<Client> client_;
};

// ---------------------------------------------------------------------------------------

/// The baseline: plain ENet 1.3.17, the same channel count, flags and host defaults
/// (no bandwidth limits), one ENet packet per message, nothing sealed.
class EnetPair final : public Pair {
public:
    static net::Result<std::unique_ptr<Pair>> connect(std::size_t windowBytes) {
        if (!detail::ensureLibraries()) {
            return fail(Error::HostCreateFailed, "enet_initialize() failed");
        }
        auto pair = std::unique_ptr<EnetPair>(new EnetPair());
        pair->windowBytes_ = windowBytes;
        const ENetAddress bind = detail::toEnet(Address::loopback(0));
        pair->server_.reset(enet_host_create(&bind, 1, kChannelCount, 0, 0));
        pair->client_.reset(enet_host_create(&bind, 1, kChannelCount, 0, 0));
        if (!pair->server_ || !pair->client_) {
            return fail(Error::HostCreateFailed, "raw ENet: enet_host_create() failed on 127.0.0.1");
        }
        const ENetAddress to = pair->server_->address;
        pair->peer_ = enet_host_connect(pair->client_.get(), &to, kChannelCount, 0);
        if (pair->peer_ == nullptr) {
            return fail(Error::NotConnected, "raw ENet: enet_host_connect() failed");
        }
        const auto deadline = Clock::now() + std::chrono::milliseconds(kConnectTimeoutMs);
        while (Clock::now() < deadline && !(pair->clientUp_ && pair->serverUp_)) pair->pump(1);
        if (!pair->clientUp_ || !pair->serverUp_) {
            return fail(Error::NotConnected, "raw ENet: the client did not connect to " +
                                                 detail::fromEnet(to).toString() + " within " +
                                                 std::to_string(kConnectTimeoutMs) + " ms");
        }
        return std::unique_ptr<Pair>(std::move(pair));
    }

    ~EnetPair() override {
        if (peer_ != nullptr && clientUp_) enet_peer_disconnect_now(peer_, 0);
    }

    bool send(Channel channel, std::span<const std::uint8_t> msg) override {
        if (!clientUp_) {
            setError("raw ENet: not connected");
            return false;
        }
        const std::uint64_t outstanding = reliableSent_ - deliveredBytes(Channel::Reliable);
        if (channel == Channel::Reliable && outstanding + msg.size() > windowBytes_) return false;
        ENetPacket* packet = enet_packet_create(msg.data(), msg.size(), detail::enetFlags(channel));
        if (packet == nullptr) {
            setError("raw ENet: enet_packet_create() failed");
            return false;
        }
        // enet_peer_send takes ownership only when it succeeds.
        if (enet_peer_send(peer_, static_cast<enet_uint8>(channel), packet) < 0) {
            enet_packet_destroy(packet);
            setError("raw ENet: enet_peer_send() failed");
            return false;
        }
        if (channel == Channel::Reliable) reliableSent_ += msg.size();
        return true;
    }

    void flushClient() override {
        enet_host_flush(client_.get());
        account();
    }

    void pump(std::uint32_t timeoutMs) override {
        service(client_.get(), timeoutMs, false);
        service(server_.get(), timeoutMs, true);
        account();
    }

    WireCounters wire() const override { return wire_; }

private:
    EnetPair() = default;

    void service(ENetHost* host, std::uint32_t timeoutMs, bool isServer) {
        ENetEvent ev;
        int got = enet_host_service(host, &ev, timeoutMs);
        while (got > 0) {
            switch (ev.type) {
                case ENET_EVENT_TYPE_CONNECT: (isServer ? serverUp_ : clientUp_) = true; break;
                case ENET_EVENT_TYPE_RECEIVE:
                    if (isServer && ev.channelID < kChannelCount) {
                        onDelivered(static_cast<Channel>(ev.channelID),
                                    std::span<const std::uint8_t>(ev.packet->data, ev.packet->dataLength));
                    }
                    enet_packet_destroy(ev.packet);
                    break;
                case ENET_EVENT_TYPE_DISCONNECT:
                    if (!isServer) {
                        clientUp_ = false;
                        peer_ = nullptr;
                    }
                    setError(isServer ? "raw ENet server: the client disconnected" : "raw ENet client: disconnected");
                    break;
                case ENET_EVENT_TYPE_NONE: break;
            }
            got = enet_host_service(host, &ev, 0);
        }
        if (got < 0) setError("raw ENet: enet_host_service() failed");
    }

    // ENet's counters are 32-bit and meant to be reset by the user.
    void account() {
        wire_.clientBytes += client_->totalSentData;
        wire_.clientPackets += client_->totalSentPackets;
        wire_.serverBytes += server_->totalSentData;
        wire_.serverPackets += server_->totalSentPackets;
        client_->totalSentData = client_->totalSentPackets = 0;
        server_->totalSentData = server_->totalSentPackets = 0;
    }

    detail::HostPtr server_;
    detail::HostPtr client_;
    ENetPeer* peer_ = nullptr;
    bool clientUp_ = false, serverUp_ = false;
    std::size_t windowBytes_ = 0;
    std::uint64_t reliableSent_ = 0;
    WireCounters wire_;
};

/// Both ends of one case, connected; otherwise the failure names the step that failed.
net::Result<std::unique_ptr<Pair>> connectPair(Impl impl, std::size_t windowBytes) {
    return impl == Impl::Tickwire ? TickwirePair::connect(windowBytes) : EnetPair::connect(windowBytes);
}

// ---------------------------------------------------------------------------------------

struct ThroughputResult {
    bool ran = false;
    double msgsPerSecond = 0;
    std::uint64_t sent = 0;       // during the measured interval
    std::uint64_t delivered = 0;  // during the measured interval
    double seconds = 0;
    double lossPct = 0;
};

/// Sends as fast as the pair accepts for warmup + seconds; counts what the server receives
/// after the warm-up. Returns an error message instead when something broke.
std::optional<std::string> measureThroughput(Pair& pair, Channel channel, std::size_t size, double warmup,
                                             double seconds, ThroughputResult& out) {
    auto msg = makeMessage(size);
    pair.expectSize(size);
    const std::size_t burst = channel == Channel::Reliable ? kReliableBurstBytes : kUnreliableBurstBytes;
    const auto start = Clock::now();
    const auto measureFrom = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup));
    const auto end = measureFrom + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));

    std::uint32_t seq = 0;
    bool measuring = false;
    std::uint64_t delivered0 = 0, sent0 = 0;
    Clock::time_point t0 = start;
    Clock::time_point now = start;
    while ((now = Clock::now()) < end) {
        if (!measuring && now >= measureFrom) {
            measuring = true;
            t0 = now;
            delivered0 = pair.delivered();
            sent0 = seq;
        }
        for (std::size_t queued = 0; queued < burst; queued += size) {
            writeSequence(msg, seq);
            if (!pair.send(channel, msg)) break;
            ++seq;
        }
        pair.pump(0);
        if (!pair.error().empty()) return pair.error();
    }
    if (!measuring) return std::string("the measurement never started (clock?)");
    out.seconds = secondsBetween(t0, now);
    out.delivered = pair.delivered() - delivered0;
    out.sent = seq - sent0;
    out.msgsPerSecond = static_cast<double>(out.delivered) / out.seconds;
    out.lossPct = out.sent == 0 ? 0.0
                                : 100.0 * (1.0 - static_cast<double>(out.delivered) / static_cast<double>(out.sent));
    if (out.lossPct < 0) out.lossPct = 0;  // deliveries of messages sent during the warm-up
    if (pair.faults() != 0) {
        return std::to_string(pair.faults()) + " reliable message(s) arrived out of order, twice or damaged";
    }
    out.ran = true;
    return std::nullopt;
}

struct WireResult {
    bool ran = false;
    std::uint64_t sent = 0;      // during the measured ticks
    std::uint64_t messages = 0;  // delivered during the measured ticks
    WireCounters bytes;          // during the measured ticks
    double allPerMsg = 0;        // both sockets
    double oneWayPerMsg = 0;     // client socket only
};

/// Real-time 60 Hz: warm-up ticks, measured ticks, then drain ticks with nothing sent so
/// that every reliable message can be checked as delivered.
std::optional<std::string> measureWire(Pair& pair, Channel channel, std::size_t size, unsigned perTick,
                                       unsigned warmTicks, unsigned ticks, unsigned drainTicks, WireResult& out) {
    auto msg = makeMessage(size);
    pair.expectSize(size);
    std::uint32_t seq = 0;
    WireCounters before, after;
    std::uint64_t delivered0 = 0, delivered1 = 0;
    const unsigned total = warmTicks + ticks + drainTicks;
    auto next = Clock::now();
    for (unsigned t = 0; t < total; ++t) {
        if (t == warmTicks) {
            before = pair.wire();
            delivered0 = pair.delivered();
        }
        if (t == warmTicks + ticks) {
            after = pair.wire();
            delivered1 = pair.delivered();
        }
        if (t < warmTicks + ticks) {
            for (unsigned k = 0; k < perTick; ++k) {
                writeSequence(msg, seq);
                if (!pair.send(channel, msg)) {
                    return pair.error().empty() ? std::string("a send was refused at ") + std::to_string(perTick) +
                                                      " messages per tick (queue full)"
                                                : pair.error();
                }
                ++seq;
            }
            pair.flushClient();
        }
        next += kTick;
        while (Clock::now() < next) {
            pair.pump(1);
            if (!pair.error().empty()) return pair.error();
        }
    }
    if (pair.faults() != 0) {
        return std::to_string(pair.faults()) + " reliable message(s) arrived out of order, twice or damaged";
    }
    if (channel == Channel::Reliable && pair.delivered() != seq) {
        return "only " + std::to_string(pair.delivered()) + " of " + std::to_string(seq) +
               " reliable messages arrived";
    }
    out.sent = std::uint64_t{perTick} * ticks;
    out.messages = delivered1 - delivered0;
    out.bytes.clientBytes = after.clientBytes - before.clientBytes;
    out.bytes.serverBytes = after.serverBytes - before.serverBytes;
    out.bytes.clientPackets = after.clientPackets - before.clientPackets;
    out.bytes.serverPackets = after.serverPackets - before.serverPackets;
    if (out.messages == 0) return std::string("no message arrived during the measured ticks");
    const double n = static_cast<double>(out.messages);
    out.allPerMsg = static_cast<double>(out.bytes.clientBytes + out.bytes.serverBytes) / n;
    out.oneWayPerMsg = static_cast<double>(out.bytes.clientBytes) / n;
    out.ran = true;
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------

std::string format(const char* fmt, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

std::string grouped(double v) {
    auto n = static_cast<std::uint64_t>(v + 0.5);
    std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string pad(std::string s, std::size_t width, bool left = false) {
    if (s.size() >= width) return s;
    return left ? s + std::string(width - s.size(), ' ') : std::string(width - s.size(), ' ') + s;
}

bool progressWanted() { return isatty(STDERR_FILENO) == 1; }

void progress(const std::string& line) {
    if (progressWanted()) std::cerr << "\r\033[K" << line << std::flush;
}

void progressDone() {
    if (progressWanted()) std::cerr << "\r\033[K" << std::flush;
}

struct Target {
    std::string key;
    std::string text;
    std::string limitText;
    std::optional<double> value;  // empty when a case it needs was not run
    double limit = 0;
    bool atLeast = true;  // value >= limit, else value <= limit
    std::string shown;
    bool pass() const { return value && (atLeast ? *value >= limit : *value <= limit); }
};

std::string caseName(const char* kind, Channel channel, std::size_t size, std::optional<unsigned> perTick, Impl impl) {
    std::string name = std::string(kind) + "/" + channelKey(channel) + "/" + sizeKey(size) + "/";
    if (perTick) name += "k" + std::to_string(*perTick) + "/";
    return name + implKey(impl);
}

bool selected(const TransportOptions& options, const std::string& name) {
    if (options.only.empty()) return true;
    return std::any_of(options.only.begin(), options.only.end(),
                       [&](const std::string& part) { return name.find(part) != std::string::npos; });
}

nlohmann::json jsonNumber(bool ran, double v) { return ran ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

void addTransportCommand(CLI::App& app, int& exitCode) {
    auto options = std::make_shared<TransportOptions>();
    auto* cmd = app.add_subcommand(
        "transport",
        "tickwire vs raw ENet (no encryption) on loopback: reliable and unreliable throughput, "
        "and UDP bytes on the wire per message at 60 Hz");
    cmd->add_flag("--json", options->json, "also print one JSON object with every figure as the last stdout line");
    cmd->add_option("--seconds", options->seconds, "measured seconds per throughput case")
        ->check(tickwire::cli::range(0.1, 60.0))
        ->capture_default_str();
    cmd->add_option("--ticks", options->ticks, "measured 60 Hz ticks per wire-cost case")
        ->check(tickwire::cli::range(5u, 3600u))
        ->capture_default_str();
    cmd->add_option("--window", options->windowBytes,
                    "reliable sender's window: unacknowledged bytes in flight before it backs off "
                    "(tickwire: ChannelLimits::maxQueuedBytes; raw ENet: sent minus delivered)")
        ->check(tickwire::cli::range(std::size_t{64 * 1024}, std::size_t{64u << 20}))
        ->capture_default_str();
    cmd->add_option("--only", options->only,
                    "run only the cases whose name contains one of these strings, e.g. "
                    "throughput/reliable/1k/tickwire or wire/ (for profiling one case)");
    cmd->add_flag("--quick", options->quick, "short smoke run for CI (0.3 s and 12 ticks per case); same output shape");
    cmd->callback([options, &exitCode] { exitCode = runTransport(*options); });
}

int runTransport(const TransportOptions& options) {
    const MachineInfo machine = machineInfo();
    const double seconds = options.quick ? std::min(options.seconds, 0.3) : options.seconds;
    const double warmup = options.quick ? 0.1 : 0.25;
    const unsigned ticks = options.quick ? std::min(options.ticks, 12u) : options.ticks;
    const unsigned warmTicks = options.quick ? 3 : 6;
    const unsigned drainTicks = options.quick ? 3 : 6;

    auto failed = [&](const std::string& what, const std::string& why) {
        progressDone();
        std::cerr << "tickwire-bench transport: " << what << ": " << why << '\n';
        if (options.json) {
            nlohmann::json j;
            j["benchmark"] = "transport";
            j["ok"] = false;
            j["error"] = what + ": " + why;
            std::cout << j.dump() << std::endl;
        }
        return 1;
    };

    // throughput[channel][size][impl]
    ThroughputResult throughput[2][2][2];
    for (std::size_t c = 0; c < kChannels.size(); ++c) {
        for (std::size_t s = 0; s < kSizes.size(); ++s) {
            for (std::size_t i = 0; i < kImpls.size(); ++i) {
                const std::string what = caseName("throughput", kChannels[c], kSizes[s], std::nullopt, kImpls[i]);
                if (!selected(options, what)) continue;
                progress(what + " ...");
                auto pair = connectPair(kImpls[i], options.windowBytes);
                if (!pair) return failed(what, pair.detail());
                auto& out = throughput[c][s][i];
                if (auto err = measureThroughput(**pair, kChannels[c], kSizes[s], warmup, seconds, out)) {
                    return failed(what, *err);
                }
            }
        }
    }

    // wire[channel][size][k][impl]
    WireResult wire[2][2][3][2];
    for (std::size_t c = 0; c < kChannels.size(); ++c) {
        for (std::size_t s = 0; s < kSizes.size(); ++s) {
            for (std::size_t k = 0; k < kPerTick.size(); ++k) {
                for (std::size_t i = 0; i < kImpls.size(); ++i) {
                    const std::string what = caseName("wire", kChannels[c], kSizes[s], kPerTick[k], kImpls[i]);
                    if (!selected(options, what)) continue;
                    progress(what + " ...");
                    // The library's default queue limit: a game sending 100 KiB per tick
                    // sizes it for that; the throughput window is not what is measured here.
                    auto pair = connectPair(kImpls[i], ChannelLimits{}.maxQueuedBytes);
                    if (!pair) return failed(what, pair.detail());
                    if (auto err = measureWire(**pair, kChannels[c], kSizes[s], kPerTick[k], warmTicks, ticks,
                                               drainTicks, wire[c][s][k][i])) {
                        return failed(what, *err);
                    }
                }
            }
        }
    }
    progressDone();

    auto bothRan = [&](std::size_t c, std::size_t s) { return throughput[c][s][0].ran && throughput[c][s][1].ran; };
    auto ratio = [&](std::size_t c, std::size_t s) -> std::optional<double> {
        if (!bothRan(c, s) || throughput[c][s][1].msgsPerSecond <= 0) return std::nullopt;
        return throughput[c][s][0].msgsPerSecond / throughput[c][s][1].msgsPerSecond;
    };
    auto wireDiff = [&](std::size_t c, std::size_t s, std::size_t k, bool oneWay) -> std::optional<double> {
        const auto& a = wire[c][s][k][0];
        const auto& b = wire[c][s][k][1];
        if (!a.ran || !b.ran) return std::nullopt;
        return oneWay ? a.oneWayPerMsg - b.oneWayPerMsg : a.allPerMsg - b.allPerMsg;
    };
    auto show = [](std::optional<double> v, const char* fmt) { return v ? format(fmt, *v) : std::string("-"); };

    std::vector<Target> targets;
    targets.push_back({"throughput_ratio_64", "reliable throughput, 64 B: tickwire / raw ENet",
                       format(">= %.2fx", kMinThroughputRatio), ratio(0, 0), kMinThroughputRatio, true,
                       show(ratio(0, 0), "%.2fx")});
    targets.push_back({"throughput_ratio_1k", "reliable throughput, 1 KiB: tickwire / raw ENet",
                       format(">= %.2fx", kMinThroughputRatio), ratio(0, 1), kMinThroughputRatio, true,
                       show(ratio(0, 1), "%.2fx")});
    const auto overhead64 = wireDiff(0, 0, 0, false);
    targets.push_back({"overhead_bytes_64", "1 x 64 B per tick: bytes/msg above raw ENet",
                       format("<= +%.0f B", kMaxOverheadBytes64), overhead64, kMaxOverheadBytes64, false,
                       show(overhead64, "%+.2f B")});
    const auto k100 = wire[0][0][2][0].ran ? std::optional<double>(wire[0][0][2][0].allPerMsg) : std::nullopt;
    targets.push_back({"wire_bytes_per_msg_k100_64", "100 x 64 B per tick: bytes/msg in all",
                       format("<= %.0f B", kMaxWireBytesK100), k100, kMaxWireBytesK100, false,
                       show(k100, "%.2f B")});

    // ---- table ----
    std::ostringstream t;
    t << "tickwire-bench transport: loopback, both ends in one process; raw ENet " << ENET_VERSION_MAJOR << '.'
      << ENET_VERSION_MINOR << '.' << ENET_VERSION_PATCH << " without encryption as the baseline\n";
    t << "machine: " << machine.cpus << " CPU(s), " << machine.cpuModel << ", load average at start "
      << machine.loadAverage << "\n\n";

    auto anyThroughput = [&] {
        for (const auto& ch : throughput)
            for (const auto& sz : ch)
                for (const auto& r : sz)
                    if (r.ran) return true;
        return false;
    };
    auto anyWire = [&] {
        for (const auto& ch : wire)
            for (const auto& sz : ch)
                for (const auto& k : sz)
                    for (const auto& r : k)
                        if (r.ran) return true;
        return false;
    };
    if (anyThroughput()) {
        t << "Throughput, client -> server, messages delivered per second (" << format("%.1f", seconds)
          << " s per case after " << format("%.2f", warmup) << " s warm-up; reliable window "
          << options.windowBytes / 1024 << " KiB)\n";
        t << "  case                tickwire      raw ENet   ratio   target\n";
        for (std::size_t c = 0; c < kChannels.size(); ++c) {
            for (std::size_t s = 0; s < kSizes.size(); ++s) {
                const auto& a = throughput[c][s][0];
                const auto& b = throughput[c][s][1];
                if (!a.ran && !b.ran) continue;
                t << "  " << pad(std::string(channelKey(kChannels[c])) + " " + sizeLabel(kSizes[s]), 16, true)
                  << pad(a.ran ? grouped(a.msgsPerSecond) : "-", 12) << pad(b.ran ? grouped(b.msgsPerSecond) : "-", 14)
                  << pad(show(ratio(c, s), "%.2f"), 8);
                if (kChannels[c] == Channel::Reliable) {
                    t << "   >= " << format("%.2f", kMinThroughputRatio) << ' '
                      << (!ratio(c, s) ? "n/a" : *ratio(c, s) >= kMinThroughputRatio ? "PASS" : "MISS");
                } else {
                    t << "   delivered/sent: tickwire " << (a.ran ? format("%.1f%%", 100.0 - a.lossPct) : "-")
                      << ", raw ENet " << (b.ran ? format("%.1f%%", 100.0 - b.lossPct) : "-");
                }
                t << '\n';
            }
    }

    t << '\n';
    }

    if (anyWire()) {
        t << "Wire cost at 60 Hz: UDP payload bytes per delivered message (" << ticks
          << " measured ticks, real time)\n";
        t << "  all = both sockets (client data + server acks); one-way = client socket only\n";
        t << "  case                   all: tickwire  raw ENet    diff   one-way: tickwire  raw ENet    diff\n";
        for (std::size_t c = 0; c < kChannels.size(); ++c) {
            for (std::size_t s = 0; s < kSizes.size(); ++s) {
                for (std::size_t k = 0; k < kPerTick.size(); ++k) {
                    const auto& a = wire[c][s][k][0];
                    const auto& b = wire[c][s][k][1];
                    if (!a.ran && !b.ran) continue;
                    auto val = [](const WireResult& w, double v) {
                        return w.ran ? format("%.2f", v) : std::string("-");
                    };
                    t << "  "
                      << pad(std::string(channelKey(kChannels[c])) + " " + sizeLabel(kSizes[s]) + " K=" +
                                 std::to_string(kPerTick[k]),
                             22, true)
                      << pad(val(a, a.allPerMsg), 15) << pad(val(b, b.allPerMsg), 10)
                      << pad(show(wireDiff(c, s, k, false), "%+.2f"), 8) << pad(val(a, a.oneWayPerMsg), 19)
                      << pad(val(b, b.oneWayPerMsg), 10) << pad(show(wireDiff(c, s, k, true), "%+.2f"), 8);
                    // Bytes per delivered message rise when messages are lost: say so.
                    for (const auto* w : {&a, &b}) {
                        if (w->ran && w->messages < w->sent) {
                            t << "  (" << (w == &a ? "tickwire" : "raw ENet") << " delivered "
                              << format("%.1f%%",
                                        100.0 * static_cast<double>(w->messages) / static_cast<double>(w->sent))
                              << ")";
                        }
                    }
                    t << '\n';
                }
            }
    }

    t << '\n';
    }

    t << "Targets (reported only; the exit status does not depend on them)\n";
    bool allMet = true;
    for (const auto& target : targets) {
        t << "  " << pad(target.text, 48, true) << pad(target.shown, 10) << "   " << pad(target.limitText, 10, true)
          << "  " << (!target.value ? "n/a" : target.pass() ? "PASS" : "MISS") << '\n';
        allMet = allMet && target.pass();
    }
    std::cout << t.str() << std::flush;

    if (options.json) {
        nlohmann::json j;
        j["benchmark"] = "transport";
        j["ok"] = true;
        for (const auto& target : targets) j[target.key] = target.value ? nlohmann::json(*target.value) : nullptr;
        const auto r1 = ratio(1, 0), r2 = ratio(1, 1), o1 = wireDiff(0, 0, 0, true);
        j["throughput_ratio_unreliable_64"] = r1 ? nlohmann::json(*r1) : nullptr;
        j["throughput_ratio_unreliable_1k"] = r2 ? nlohmann::json(*r2) : nullptr;
        j["overhead_bytes_64_oneway"] = o1 ? nlohmann::json(*o1) : nullptr;
        for (std::size_t c = 0; c < kChannels.size(); ++c) {
            for (std::size_t s = 0; s < kSizes.size(); ++s) {
                for (std::size_t i = 0; i < kImpls.size(); ++i) {
                    const std::string suffix = std::string(implKey(kImpls[i])) + "_" + channelKey(kChannels[c]) +
                                               "_" + sizeKey(kSizes[s]);
                    const auto& tp = throughput[c][s][i];
                    j["msgs_per_s_" + suffix] = jsonNumber(tp.ran, tp.msgsPerSecond);
                    if (kChannels[c] == Channel::Unreliable) j["loss_pct_" + suffix] = jsonNumber(tp.ran, tp.lossPct);
                    for (std::size_t k = 0; k < kPerTick.size(); ++k) {
                        const std::string wsuffix = std::string(implKey(kImpls[i])) + "_" + channelKey(kChannels[c]) +
                                                    "_k" + std::to_string(kPerTick[k]) + "_" + sizeKey(kSizes[s]);
                        const auto& w = wire[c][s][k][i];
                        j["wire_bytes_per_msg_" + wsuffix] = jsonNumber(w.ran, w.allPerMsg);
                        j["oneway_bytes_per_msg_" + wsuffix] = jsonNumber(w.ran, w.oneWayPerMsg);
                        j["datagrams_per_msg_" + wsuffix] =
                            jsonNumber(w.ran, w.messages == 0 ? 0.0
                                                              : static_cast<double>(w.bytes.clientPackets +
                                                                                    w.bytes.serverPackets) /
                                                                    static_cast<double>(w.messages));
                        j["delivered_pct_" + wsuffix] =
                            jsonNumber(w.ran, w.sent == 0 ? 0.0
                                                          : 100.0 * static_cast<double>(w.messages) /
                                                                static_cast<double>(w.sent));
                    }
                }
            }
        }
        nlohmann::json targetList = nlohmann::json::array();
        for (const auto& target : targets) {
            targetList.push_back({{"key", target.key},
                                  {"value", target.value ? nlohmann::json(*target.value) : nullptr},
                                  {"limit", target.limit},
                                  {"at_least", target.atLeast},
                                  {"pass", target.pass()}});
        }
        j["targets"] = targetList;
        j["all_targets_met"] = allMet;
        j["config"] = {{"seconds", seconds},
                       {"warmup_seconds", warmup},
                       {"ticks", ticks},
                       {"tick_hz", 60},
                       {"window_bytes", options.windowBytes},
                       {"quick", options.quick},
                       {"only", options.only},
                       {"enet_version", std::to_string(ENET_VERSION_MAJOR) + "." + std::to_string(ENET_VERSION_MINOR) +
                                            "." + std::to_string(ENET_VERSION_PATCH)}};
        j["machine"] = {{"cpus", machine.cpus}, {"cpu_model", machine.cpuModel}, {"load_average", machine.loadAverage}};
        std::cout << j.dump() << std::endl;
    }
    return 0;
}

}  // namespace tickwire::bench
