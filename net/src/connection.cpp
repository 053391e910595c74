#include "connection.hpp"

#include <tickwire/net/detail/wire.hpp>

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

std::size_t Batch::encodedSize() const noexcept {
    return uniformLength != 0 ? varintSize(uniformLength) + payload : 1 + plain.size();
}

std::size_t Batch::encodedSizeWith(std::size_t length) const noexcept {
    if (messages == 0 || length == uniformLength) return varintSize(length) + payload + length;
    return 1 + plain.size() + varintSize(length) + length;
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
    if (batch.messages == 0) batch.uniformLength = bytes.size();
    else if (batch.uniformLength != bytes.size()) batch.uniformLength = 0;
    Writer plain = Writer::appendingTo(batch.plain);
    plain.putVarint(bytes.size());
    plain.put(bytes);
    ++batch.messages;
    batch.payload += bytes.size();
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
    const std::size_t uniform = batch.uniformLength;
    const std::size_t messages = batch.messages;
    batch.messages = 0;
    batch.payload = 0;
    batch.uniformLength = 0;
    if (!live) {
        batch.plain.clear();
        return;
    }
    ENetPacket* packet = enet_packet_create(nullptr, size, enetFlags(channel));
    if (packet == nullptr) {
        batch.plain.clear();
        return;
    }
    Writer out(std::span(packet->data, size));
    const std::span<const std::uint8_t> plain(batch.plain);
    if (uniform != 0) {
        // [length][message][message]...: copy the messages without their own lengths.
        out.putVarint(uniform);
        const std::size_t skip = varintSize(uniform);
        const std::size_t stride = skip + uniform;
        for (std::size_t i = 0; i < messages; ++i) out.put(plain.subspan(i * stride + skip, uniform));
    } else {
        out.put(std::uint8_t{0});
        out.put(plain);
    }
    batch.plain.clear();
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
    auto refuse = [&](Drop why) {
        countDrop(why, host);
        return Received::Dropped;
    };
    // The batch starts with the length every message has, or 0 when each carries its own.
    Reader in(batch);
    std::uint64_t uniform = 0;
    if (in.getVarint(uniform) != VarintStatus::Ok) return refuse(Drop::Malformed);
    const std::span<const std::uint8_t> body = in.rest();
    if (uniform > limit) return refuse(Drop::Oversize);

    // Validate the whole batch, and find what it would cost, before delivering any of it.
    std::size_t count = 0;
    if (uniform != 0) {
        if (body.empty() || body.size() % uniform != 0) return refuse(Drop::Malformed);
        count = body.size() / uniform;
    } else {
        for (Reader messages(body); messages.remaining() > 0; ++count) {
            std::uint64_t length = 0;
            if (messages.getVarint(length) != VarintStatus::Ok || length == 0 || length > messages.remaining()) {
                return refuse(Drop::Malformed);
            }
            if (length > limit) return refuse(Drop::Oversize);
            (void)messages.skip(length);
        }
        if (count == 0) return refuse(Drop::Malformed);
    }
    if (pendingEvents_ + count > limits_.maxReceiveEvents || pendingBytes_ + body.size() > limits_.maxReceiveBytes) {
        countDrop(Drop::QueueOverflow, host, count);
        return channel == Channel::Reliable ? Received::ReliableOverflow : Received::Dropped;
    }

    auto deliver = [&](std::span<const std::uint8_t> message) {
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
    };
    pendingEvents_ += count;
    if (uniform != 0) {
        for (std::size_t pos = 0; pos < body.size(); pos += uniform) deliver(body.subspan(pos, uniform));
        return Received::Delivered;
    }
    // Every length was checked above.
    for (Reader messages(body); messages.remaining() > 0;) {
        std::uint64_t length = 0;
        std::span<const std::uint8_t> message;
        (void)messages.getVarint(length);
        (void)messages.view(length, message);
        deliver(message);
    }
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
