#pragma once
// One live connection (docs/PROTOCOL.md, 4.3): messages batched per channel
// between flushes, batches handed to ENet, received batches split back into messages
// within the connection's own receive budget, and its statistics. Its SealedLink
// protects every datagram of the connection.

#include "batch.hpp"
#include "sealed_datagram.hpp"

#include <tickwire/net/transport.hpp>

#include <enet/enet.h>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <vector>

namespace tickwire::net::detail {

/// Reliable bytes handed to ENet and not yet acknowledged, at most. ENet walks its whole
/// outgoing list for every datagram once its window is full, so the rest waits here.
inline constexpr std::size_t kEnetReliableBudget = 128 * 1024;

/// What became of one received batch.
enum class Received {
    Delivered,       ///< every message is queued as an event
    Dropped,         ///< refused whole and counted (malformed, oversize, or over budget on an unreliable channel)
    ReliableOverflow ///< reliable messages beyond the receive budget: counted; the connection must end
};

/// Caps ENet's retransmission timeout of every reliable command `peer` has in flight at
/// `ceilingMs` (see the .cpp for why), never below 500 ms.
void capRetransmission(ENetPeer* peer, std::uint64_t ceilingMs) noexcept;

/// The cap while ENet's CONNECT / VERIFY_CONNECT are in flight, well inside the handshake.
inline constexpr std::uint64_t kConnectingRetransmitMs = 1000;

class Connection {
public:
    Connection(ConnectionId id, std::uint64_t playerId, ENetPeer* peer, std::unique_ptr<SealedLink> link,
               const ChannelLimits& limits, std::uint64_t nowMs);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    ConnectionId id() const noexcept { return id_; }
    std::uint64_t playerId() const noexcept { return playerId_; }
    ENetPeer* peer() const noexcept { return peer_; }
    void detachPeer() noexcept { peer_ = nullptr; }
    SealedLink& link() noexcept { return *link_; }

    /// Silence after which the other side is considered gone (the token's timeout).
    std::uint64_t timeoutMs() const noexcept { return timeoutMs_; }
    void setTimeoutMs(std::uint64_t ms) noexcept { timeoutMs_ = ms; }
    /// An authentic datagram arrived.
    void heard(std::uint64_t nowMs) noexcept { lastHeardMs_ = nowMs; }
    bool silentSince(std::uint64_t nowMs) const noexcept { return nowMs > lastHeardMs_ + timeoutMs_; }

    /// Queues one message; may hand a full batch to ENet first.
    Result<void> queue(Channel channel, std::span<const std::uint8_t> bytes, HostStats& host);
    /// Hands every non-empty batch to ENet, as far as its budget allows (all of it when
    /// `everything`, e.g. before a graceful disconnect).
    void flush(bool everything = false);

    /// Splits one received ENet packet into Message events appended to `out`.
    Received receive(Channel channel, std::span<const std::uint8_t> batch, std::deque<Event>& out, HostStats& host);
    /// An event of this connection left the queue (poll()).
    void released(const Event& ev) noexcept;

    /// Counts a drop here and in the host totals.
    void countDrop(Drop why, HostStats& host, std::uint64_t n = 1) noexcept;

    ConnectionStats stats() const;
    /// Rolls the per-second rates once a second has passed.
    void tickRates(std::uint64_t nowMs) noexcept;
    /// Caps ENet's retransmission timeout of every reliable command in flight (see .cpp).
    void capRetransmission() noexcept;

    /// Bytes handed to ENet and not yet freed by it, plus what waits in batches.
    std::uint64_t queuedBytes() const noexcept;

private:
    void closeBatch(Channel channel);
    void handToEnet(bool everything);
    static void onPacketFreed(ENetPacket* packet);

    ConnectionId id_;
    std::uint64_t playerId_;
    ENetPeer* peer_;
    std::unique_ptr<SealedLink> link_;
    ChannelLimits limits_;
    std::array<Batch, kChannelCount> batches_;
    // Owned here, pointed to by in-flight ENet packets; ENet frees every packet of a peer
    // when the peer is reset, which always happens before the Connection is destroyed.
    std::unique_ptr<std::uint64_t> inFlightBytes_;
    std::uint64_t timeoutMs_ = 10000;
    std::uint64_t lastHeardMs_;
    std::deque<ENetPacket*> held_;  // reliable packets waiting for ENet's budget
    std::uint64_t heldBytes_ = 0;
    std::size_t pendingEvents_ = 0;  // this connection's events waiting in poll()
    std::size_t pendingBytes_ = 0;
    ConnectionStats stats_;
    std::uint64_t windowStartMs_;
    std::uint64_t windowBytesIn_ = 0, windowBytesOut_ = 0, windowPacketsIn_ = 0, windowPacketsOut_ = 0;
    std::uint64_t windowNumbers_ = 0, windowAccepted_ = 0;  // the link's counts when the window began
};

/// ENet packet flags of a channel.
std::uint32_t enetFlags(Channel channel) noexcept;

}  // namespace tickwire::net::detail
