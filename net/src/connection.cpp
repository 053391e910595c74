#include "connection.hpp"

#include <algorithm>

namespace tickwire::net::detail {

std::uint32_t enetFlags(Channel channel) noexcept {
    switch (channel) {
        case Channel::Reliable: return ENET_PACKET_FLAG_RELIABLE;
        case Channel::Sequenced: return 0;
        case Channel::Unreliable: return ENET_PACKET_FLAG_UNSEQUENCED;
    }
    return ENET_PACKET_FLAG_RELIABLE;
}

Connection::Connection(ConnectionId id, std::uint64_t playerId, ENetPeer* peer, std::unique_ptr<SealedLink> link,
                       const ChannelLimits& limits, std::uint64_t nowMs)
    : id_(id),
      playerId_(playerId),
      peer_(peer),
      link_(std::move(link)),
      limits_(limits),
      inFlightBytes_(std::make_unique<std::uint64_t>(0)),
      lastHeardMs_(nowMs),
      windowStartMs_(nowMs) {}

Connection::~Connection() {
    for (ENetPacket* packet : held_) enet_packet_destroy(packet);
}

std::uint64_t Connection::queuedBytes() const noexcept {
    std::uint64_t waiting = *inFlightBytes_ + heldBytes_;
    for (const auto& b : batches_) waiting += b.plain.size();
    return waiting;
}

Result<void> Connection::queue(Channel channel, std::span<const std::uint8_t> bytes, HostStats& host) {
    if (bytes.empty()) return fail(Error::InvalidArgument);
    const std::size_t limit =
        channel == Channel::Reliable ? limits_.maxReliableMessage : limits_.maxUnreliableMessage;
    if (bytes.size() > limit) return fail(Error::MessageTooLarge);
    if (queuedBytes() + bytes.size() > limits_.maxQueuedBytes) return fail(Error::QueueFull);

    auto& batch = batches_[static_cast<std::size_t>(channel)];
    // Unreliable batches stay within one datagram, so a loss costs only what it carried.
    // Reliable ones of large messages grow to several datagrams that ENet fragments
    // fully; small messages keep datagram-sized batches, which cost fewer header bytes.
    const bool large = channel == Channel::Reliable && bytes.size() >= kLargeReliableMessage;
    const std::size_t budget = large ? kMaxReliableBatch : kMaxBatchInOneDatagram;
    if (batch.messages > 0 && batch.encodedSizeWith(bytes.size()) > budget) closeBatch(channel);
    if (batch.plain.capacity() < kMaxBatchInOneDatagram) batch.plain.reserve(kMaxBatchInOneDatagram);
    batch.add(bytes);
    ++stats_.messagesOut;
    ++host.messagesOut;
    // A message larger than the budget travels alone (ENet fragments it).
    if (batch.encodedSize() >= budget) closeBatch(channel);
    return {};
}

void Connection::flush(bool everything) {
    for (std::size_t c = 0; c < kChannelCount; ++c) {
        if (batches_[c].messages > 0) closeBatch(static_cast<Channel>(c));
    }
    handToEnet(everything);
}

void Connection::onPacketFreed(ENetPacket* packet) {
    auto* counter = static_cast<std::uint64_t*>(packet->userData);
    if (counter != nullptr) *counter -= packet->dataLength;
}

void Connection::handToEnet(bool everything) {
    while (!held_.empty() && peer_ != nullptr && (everything || *inFlightBytes_ < kEnetReliableBudget)) {
        ENetPacket* packet = held_.front();
        held_.pop_front();
        heldBytes_ -= packet->dataLength;
        packet->userData = inFlightBytes_.get();
        *inFlightBytes_ += packet->dataLength;
        // enet_peer_send takes ownership only when it succeeds.
        if (enet_peer_send(peer_, static_cast<enet_uint8>(Channel::Reliable), packet) < 0) {
            enet_packet_destroy(packet);
        }
    }
}

void Connection::closeBatch(Channel channel) {
    auto& batch = batches_[static_cast<std::size_t>(channel)];
    const bool live = batch.messages > 0 && peer_ != nullptr;
    const std::size_t size = batch.encodedSize();
    ENetPacket* packet = live ? enet_packet_create(nullptr, size, enetFlags(channel)) : nullptr;
    if (packet != nullptr) batch.writeTo(std::span(packet->data, size));
    batch.clear();
    if (packet == nullptr) return;
    packet->freeCallback = &Connection::onPacketFreed;
    stats_.bytesOut += size;
    ++stats_.packetsOut;
    windowBytesOut_ += size;
    ++windowPacketsOut_;
    if (channel == Channel::Reliable) {
        packet->userData = nullptr;
        held_.push_back(packet);
        heldBytes_ += size;
        return;
    }
    packet->userData = inFlightBytes_.get();
    *inFlightBytes_ += size;
    if (enet_peer_send(peer_, static_cast<enet_uint8>(channel), packet) < 0) enet_packet_destroy(packet);
}

Received Connection::receive(Channel channel, std::span<const std::uint8_t> batch, std::deque<Event>& out,
                             HostStats& host) {
    stats_.bytesIn += batch.size();
    ++stats_.packetsIn;
    windowBytesIn_ += batch.size();
    ++windowPacketsIn_;

    const std::size_t limit =
        channel == Channel::Reliable ? limits_.maxReliableMessage : limits_.maxUnreliableMessage;
    ReceivedBatch received;
    if (const auto refused = readBatch(batch, limit, received)) {
        countDrop(*refused, host);
        return Received::Dropped;
    }
    const std::size_t count = received.count;
    if (pendingEvents_ + count > limits_.maxReceiveEvents ||
        pendingBytes_ + received.body.size() > limits_.maxReceiveBytes) {
        countDrop(Drop::QueueOverflow, host, count);
        return channel == Channel::Reliable ? Received::ReliableOverflow : Received::Dropped;
    }

    pendingEvents_ += count;
    forEachMessage(received, [&](std::span<const std::uint8_t> message) {
        Event ev;
        ev.type = Event::Type::Message;
        ev.client = id_;
        ev.playerId = playerId_;
        ev.channel = channel;
        ev.data.assign(message.begin(), message.end());
        pendingBytes_ += message.size();
        out.push_back(std::move(ev));
        ++stats_.messagesIn;
        ++host.messagesIn;
    });
    return Received::Delivered;
}

void Connection::released(const Event& ev) noexcept {
    if (ev.type != Event::Type::Message) return;
    --pendingEvents_;
    pendingBytes_ -= ev.data.size();
}

void Connection::countDrop(Drop why, HostStats& host, std::uint64_t n) noexcept {
    stats_.dropped[static_cast<std::size_t>(why)] += n;
    host.dropped[static_cast<std::size_t>(why)] += n;
}

void Connection::tickRates(std::uint64_t now) noexcept {
    if (now < windowStartMs_ + 1000) return;
    const double seconds = static_cast<double>(now - windowStartMs_) / 1000.0;
    stats_.bytesInPerSecond = static_cast<double>(windowBytesIn_) / seconds;
    stats_.bytesOutPerSecond = static_cast<double>(windowBytesOut_) / seconds;
    stats_.packetsInPerSecond = static_cast<double>(windowPacketsIn_) / seconds;
    stats_.packetsOutPerSecond = static_cast<double>(windowPacketsOut_) / seconds;
    // Loss in: numbers the other side used in this window against datagrams that arrived.
    const std::uint64_t numbers = link_->numbersSeen() - windowNumbers_;
    const std::uint64_t arrived = link_->accepted() - windowAccepted_;
    if (numbers > 0) {
        stats_.lossPct = 100.0 * static_cast<double>(numbers - std::min(arrived, numbers)) / static_cast<double>(numbers);
    }
    windowNumbers_ = link_->numbersSeen();
    windowAccepted_ = link_->accepted();
    windowBytesIn_ = windowBytesOut_ = windowPacketsIn_ = windowPacketsOut_ = 0;
    windowStartMs_ = now;
}

// ENet doubles a reliable command's retransmission timeout each time it is lost, without
// bound, and drops the peer once one command's timeout alone outlasts the connection's
// timeout, even while every other command is being acknowledged: at 10 % loss each way a
// command lost eight times in a row (one in about 600,000) ended the connection. Capped
// (at least twice what ENet would wait at first, so a slow link is not flooded), a command
// is retried until the whole connection falls silent, which is the only thing that should
// end it. The same holds for the CONNECT and VERIFY_CONNECT of a connection being made: by
// 0.5, 1, 2, 4 s an unlucky one outlived the handshake that allowed it.
void capRetransmission(ENetPeer* peer, std::uint64_t ceilingMs) noexcept {
    if (peer == nullptr) return;
    const auto first = static_cast<std::uint64_t>(peer->roundTripTime) + 4u * peer->roundTripTimeVariance;
    const auto cap = static_cast<enet_uint32>(std::clamp<std::uint64_t>(2 * first, 500, std::max<std::uint64_t>(500, ceilingMs)));
    ENetList& sent = peer->sentReliableCommands;
    for (ENetListIterator it = enet_list_begin(&sent); it != enet_list_end(&sent); it = enet_list_next(it)) {
        auto* command = reinterpret_cast<ENetOutgoingCommand*>(it);
        if (command->roundTripTimeout > cap) command->roundTripTimeout = cap;
    }
    if (!enet_list_empty(&sent)) {
        // ENet times the peer by its oldest command: bring that forward too. (ENet's clock
        // wraps; differences below 86,400,000 ms are forward.)
        const auto* front = reinterpret_cast<const ENetOutgoingCommand*>(enet_list_begin(&sent));
        const enet_uint32 due = front->sentTime + front->roundTripTimeout;
        if (peer->nextTimeout - due < 86400000u && peer->nextTimeout != due) peer->nextTimeout = due;
    }
}

void Connection::capRetransmission() noexcept { detail::capRetransmission(peer_, timeoutMs_ / 4); }

ConnectionStats Connection::stats() const {
    ConnectionStats s = stats_;
    s.datagramsIn = link_->accepted();
    s.datagramsLost = link_->numbersSeen() - std::min(link_->accepted(), link_->numbersSeen());
    if (peer_ != nullptr) {
        s.rttMs = peer_->roundTripTime;
        s.rttVarianceMs = peer_->roundTripTimeVariance;
    }
    return s;
}

}  // namespace tickwire::net::detail
