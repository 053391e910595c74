#pragma once
// What the server and client share: the ENet host and its raw-socket intercept, one
// Connection per peer (batching, sealing, opening, stats), the event queue and counters.

#include "sealed_channel_internal.hpp"

#include <tickwire/net/transport.hpp>

#include <enet/enet.h>

#include <chrono>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace tickwire::net::detail {

/// enet_initialize() once per process (and sodium_init()). False when either fails.
bool ensureLibraries() noexcept;

ENetAddress toEnet(const Address& a) noexcept;
Address fromEnet(const ENetAddress& a) noexcept;

/// Milliseconds on a monotonic clock.
std::uint64_t nowMs() noexcept;

struct HostDeleter {
    void operator()(ENetHost* host) const noexcept { enet_host_destroy(host); }
};
using HostPtr = std::unique_ptr<ENetHost, HostDeleter>;

/// Messages queued for one channel of one connection, waiting for the next flush.
struct Batch {
    std::vector<std::uint8_t> plain;  // [varint length][message] ...
    std::size_t messages = 0;
    std::size_t payload = 0;          // message bytes, lengths not counted
    std::size_t uniformLength = 0;    // the length every message has, 0 when they differ

    /// Plaintext size once sealed: a uniform batch writes its length once.
    std::size_t encodedSize() const noexcept {
        return uniformLength != 0 ? varintSize(uniformLength) + payload : 1 + plain.size();
    }
    /// encodedSize() with one more message of `length` bytes.
    std::size_t encodedSizeWith(std::size_t length) const noexcept {
        if (messages == 0 || length == uniformLength) return varintSize(length) + payload + length;
        return 1 + plain.size() + varintSize(length) + length;
    }
};

/// Reliable messages of at least this size are batched up to kMaxReliableBatch, which
/// ENet sends as full fragments: fewer datagrams than one message per datagram.
inline constexpr std::size_t kLargeReliableMessage = 512;
inline constexpr std::size_t kMaxReliableBatch = 16 * kMaxSealedDatagram;
/// Sealed reliable bytes handed to ENet and not yet acknowledged, at most. ENet walks its
/// whole outgoing list for every datagram once its window is full, so the rest waits here.
inline constexpr std::size_t kEnetReliableBudget = 128 * 1024;

/// One live connection's security and queues.
class Connection {
public:
    Connection(ClientId id, std::uint64_t tokenClientId, ENetPeer* peer, const Key& sendKey,
               const Key& receiveKey, std::uint64_t protocolId, const ChannelLimits& limits);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    ClientId id() const noexcept { return id_; }
    std::uint64_t tokenClientId() const noexcept { return tokenClientId_; }
    ENetPeer* peer() const noexcept { return peer_; }
    /// Silence after which the other side is considered gone (the token's timeout).
    std::uint64_t timeoutMs() const noexcept { return timeoutMs_; }
    void setTimeoutMs(std::uint64_t ms) noexcept { timeoutMs_ = ms; }
    void detachPeer() noexcept { peer_ = nullptr; }

    /// Queues one message; may seal and hand a full batch to ENet first.
    Result<void> queue(Channel channel, std::span<const std::uint8_t> bytes, HostStats& host);
    /// Seals every non-empty batch and hands ENet what its budget allows (all of it when
    /// `everything`, e.g. before a graceful disconnect).
    void flush(HostStats& host, bool everything = false);

    /// Opens one received ENet packet and appends a Message event per message to `out`.
    /// Returns the drop reason when the whole packet is refused.
    std::optional<Drop> receive(Channel channel, ENetPacket* packet, std::deque<Event>& out,
                                std::size_t maxEvents, HostStats& host);

    /// Counts a drop here and in the host totals.
    void countDrop(Drop why, HostStats& host) noexcept;

    ConnectionStats stats() const;
    /// Rolls the per-second rates once a second has passed.
    void tickRates(std::uint64_t nowMs) noexcept;

    /// Bytes handed to ENet and not yet freed by it, plus what waits in batches.
    std::uint64_t queuedBytes() const noexcept;

private:
    void sealBatch(Channel channel);
    void handToEnet(bool everything);
    static void onPacketFreed(ENetPacket* packet);

    ClientId id_;
    std::uint64_t tokenClientId_;
    ENetPeer* peer_;
    SecureLink link_;
    ChannelLimits limits_;
    std::array<Batch, kChannelCount> batches_;
    // Owned here, pointed to by in-flight ENet packets; ENet frees every packet of a peer
    // when the peer is reset, which always happens before the Connection is destroyed.
    std::unique_ptr<std::uint64_t> inFlightBytes_;
    std::uint64_t timeoutMs_ = 10000;
    std::deque<ENetPacket*> held_;  // sealed reliable packets waiting for ENet's budget
    std::uint64_t heldBytes_ = 0;
    ConnectionStats stats_;
    std::uint64_t windowStartMs_;
    std::uint64_t windowBytesIn_ = 0, windowBytesOut_ = 0, windowPacketsIn_ = 0, windowPacketsOut_ = 0;
};

/// The server's and client's shared plumbing around one ENet host.
class Endpoint {
public:
    explicit Endpoint(LogSink log) : log_(std::move(log)) {}
    virtual ~Endpoint() = default;

    /// Creates the host and installs the intercept. False when ENet refuses.
    bool createHost(const ENetAddress* bind, std::size_t peers, std::size_t maxPacket);
    void log(LogLevel level, const std::string& line) const;

    /// Sends a handshake datagram on the host's own socket and counts it.
    void sendRaw(const Address& to, std::span<const std::uint8_t> bytes);
    /// Folds ENet's 32-bit traffic totals into the 64-bit host stats.
    void accountTraffic() noexcept;

    std::optional<Event> pollEvent();
    void pushEvent(Event&& ev);

    HostPtr host_;
    HostStats stats_;
    std::deque<Event> events_;
    std::size_t maxEvents_ = 65536;

protected:
    /// A raw datagram arrived: return true to keep it from ENet.
    virtual bool intercept(const Address& from, std::span<const std::uint8_t> bytes) = 0;

private:
    static int ENET_CALLBACK interceptThunk(ENetHost* host, ENetEvent* event);
    LogSink log_;
};

/// ENet packet flags of a channel.
std::uint32_t enetFlags(Channel channel) noexcept;
/// Disconnect reason from ENet's event data (0, sent by nobody, means a timeout).
DisconnectReason reasonFromEnet(std::uint32_t data) noexcept;
/// enet_peer_timeout values for a token's timeout: ENet drops a peer only when reliable
/// data went unacknowledged for the whole timeout, so heavy loss alone never does.
void applyTimeout(ENetPeer* peer, std::uint32_t timeoutSeconds) noexcept;

}  // namespace tickwire::net::detail
