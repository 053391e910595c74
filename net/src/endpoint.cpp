#include "endpoint_internal.hpp"

#include "crypto_internal.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace tickwire::net::detail {

bool ensureLibraries() noexcept {
    static const bool ok = ensureSodium() && enet_initialize() == 0;
    return ok;
}

ENetAddress toEnet(const Address& a) noexcept {
    ENetAddress e{};
    e.host = htonl(a.ipv4);
    e.port = a.port;
    return e;
}

Address fromEnet(const ENetAddress& a) noexcept { return Address{ntohl(a.host), a.port}; }

std::uint64_t nowMs() noexcept {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

std::uint32_t enetFlags(Channel channel) noexcept {
    switch (channel) {
        case Channel::Reliable: return ENET_PACKET_FLAG_RELIABLE;
        case Channel::Sequenced: return 0;
        case Channel::Unreliable: return ENET_PACKET_FLAG_UNSEQUENCED;
    }
    return ENET_PACKET_FLAG_RELIABLE;
}

DisconnectReason reasonFromEnet(std::uint32_t data) noexcept {
    if (data == 0 || data > static_cast<std::uint32_t>(DisconnectReason::TokenExpired)) {
        return data == 0 ? DisconnectReason::Timeout : DisconnectReason::Unknown;
    }
    return static_cast<DisconnectReason>(data);
}

void applyTimeout(ENetPeer* peer, std::uint32_t timeoutSeconds) noexcept {
    const std::uint32_t ms = timeoutSeconds * 1000;
    enet_peer_timeout(peer, 0, ms, ms);
}

// ---------------------------------------------------------------------------------------

Connection::Connection(ClientId id, std::uint64_t tokenClientId, ENetPeer* peer, const Key& sendKey,
                       const Key& receiveKey, std::uint64_t protocolId, const ChannelLimits& limits)
    : id_(id),
      tokenClientId_(tokenClientId),
      peer_(peer),
      link_(sendKey, receiveKey, protocolId),
      limits_(limits),
      inFlightBytes_(std::make_unique<std::uint64_t>(0)),
      windowStartMs_(nowMs()) {}

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
    const std::size_t datagram = kMaxSealedDatagram - kMaxPacketNumberSize - kSealOverhead;
    // Unreliable batches stay within one datagram, so a loss costs only what it carried.
    // Reliable ones of large messages grow to several datagrams that ENet fragments
    // fully; small messages keep datagram-sized batches, which cost fewer header bytes.
    const bool large = channel == Channel::Reliable && bytes.size() >= kLargeReliableMessage;
    const std::size_t budget = large ? kMaxReliableBatch - kMaxPacketNumberSize - kSealOverhead : datagram;
    if (batch.messages > 0 && batch.encodedSizeWith(bytes.size()) > budget) sealBatch(channel);
    if (batch.plain.capacity() < datagram) batch.plain.reserve(datagram);
    if (batch.messages == 0) batch.uniformLength = bytes.size();
    else if (batch.uniformLength != bytes.size()) batch.uniformLength = 0;
    const std::size_t at = batch.plain.size();
    batch.plain.resize(at + varintSize(bytes.size()) + bytes.size());
    const std::size_t lenSize = writeVarint(batch.plain.data() + at, bytes.size());
    std::memcpy(batch.plain.data() + at + lenSize, bytes.data(), bytes.size());
    ++batch.messages;
    batch.payload += bytes.size();
    ++stats_.messagesOut;
    ++host.messagesOut;
    // A message larger than the budget travels alone (ENet fragments it).
    if (batch.encodedSize() >= budget) sealBatch(channel);
    return {};
}

void Connection::flush(HostStats& /*host*/, bool everything) {
    for (std::size_t c = 0; c < kChannelCount; ++c) {
        if (batches_[c].messages > 0) sealBatch(static_cast<Channel>(c));
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

void Connection::sealBatch(Channel channel) {
    auto& batch = batches_[static_cast<std::size_t>(channel)];
    const bool live = batch.messages > 0 && peer_ != nullptr;
    const std::size_t plainSize = batch.encodedSize();
    const std::size_t uniform = batch.uniformLength;
    const std::size_t messages = batch.messages;
    batch.messages = 0;
    batch.payload = 0;
    batch.uniformLength = 0;
    if (!live) {
        batch.plain.clear();
        return;
    }
    const std::uint64_t pn = link_.takePacketNumber(channel);
    const std::size_t pnSize = packetNumberSize(channel, pn);
    const std::size_t total = pnSize + plainSize + kSealOverhead;
    ENetPacket* packet = enet_packet_create(nullptr, total, enetFlags(channel));
    if (packet == nullptr) {
        batch.plain.clear();
        return;
    }
    std::uint8_t* out = packet->data + writePacketNumber(packet->data, pnSize, pn);
    if (uniform != 0) {
        // [length][message][message]...: copy the messages without their own lengths.
        out += writeVarint(out, uniform);
        const std::size_t stride = varintSize(uniform) + uniform;
        const std::size_t skip = varintSize(uniform);
        for (std::size_t i = 0; i < messages; ++i) {
            std::memcpy(out, batch.plain.data() + i * stride + skip, uniform);
            out += uniform;
        }
    } else {
        *out++ = 0;
        std::memcpy(out, batch.plain.data(), batch.plain.size());
    }
    batch.plain.clear();
    link_.seal(channel, pn, pnSize, std::span(packet->data, total));
    packet->freeCallback = &Connection::onPacketFreed;
    stats_.bytesOut += total;
    ++stats_.packetsOut;
    windowBytesOut_ += total;
    ++windowPacketsOut_;
    if (channel == Channel::Reliable) {
        packet->userData = nullptr;
        held_.push_back(packet);
        heldBytes_ += total;
        return;
    }
    packet->userData = inFlightBytes_.get();
    *inFlightBytes_ += total;
    if (enet_peer_send(peer_, static_cast<enet_uint8>(channel), packet) < 0) enet_packet_destroy(packet);
}

std::optional<Drop> Connection::receive(Channel channel, ENetPacket* packet, std::deque<Event>& out,
                                        std::size_t maxEvents, HostStats& host) {
    std::span<std::uint8_t> plain;
    if (auto why = link_.open(channel, std::span(packet->data, packet->dataLength), plain)) {
        countDrop(*why, host);
        return why;
    }
    stats_.bytesIn += packet->dataLength;
    ++stats_.packetsIn;
    windowBytesIn_ += packet->dataLength;
    ++windowPacketsIn_;

    const std::size_t limit =
        channel == Channel::Reliable ? limits_.maxReliableMessage : limits_.maxUnreliableMessage;
    // The batch starts with the length every message has, or 0 when each carries its own.
    std::size_t used = 0;
    const auto uniform = readVarint(plain, used, 4);
    if (!uniform) {
        countDrop(Drop::Malformed, host);
        return Drop::Malformed;
    }
    std::span<const std::uint8_t> body = plain.subspan(used);
    if (*uniform > limit) {
        countDrop(Drop::Oversize, host);
        return Drop::Oversize;
    }
    auto deliver = [&](std::span<const std::uint8_t> message) {
        if (out.size() >= maxEvents) {
            countDrop(Drop::QueueOverflow, host);
            return;
        }
        Event ev;
        ev.type = Event::Type::Message;
        ev.client = id_;
        ev.tokenClientId = tokenClientId_;
        ev.channel = channel;
        ev.data.assign(message.begin(), message.end());
        out.push_back(std::move(ev));
        ++stats_.messagesIn;
        ++host.messagesIn;
    };
    if (*uniform != 0) {
        const std::size_t length = static_cast<std::size_t>(*uniform);
        if (body.empty() || body.size() % length != 0) {
            countDrop(Drop::Malformed, host);
            return Drop::Malformed;
        }
        for (std::size_t pos = 0; pos < body.size(); pos += length) deliver(body.subspan(pos, length));
        return std::nullopt;
    }
    // Validate the whole batch before delivering any of it.
    std::size_t pos = 0;
    std::size_t count = 0;
    while (pos < body.size()) {
        const auto len = readVarint(body.subspan(pos), used, 4);
        if (!len || *len == 0 || *len > body.size() - pos - used) {
            countDrop(Drop::Malformed, host);
            return Drop::Malformed;
        }
        if (*len > limit) {
            countDrop(Drop::Oversize, host);
            return Drop::Oversize;
        }
        pos += used + *len;
        ++count;
    }
    if (count == 0) {
        countDrop(Drop::Malformed, host);
        return Drop::Malformed;
    }
    pos = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const auto len = static_cast<std::size_t>(*readVarint(body.subspan(pos), used, 4));
        pos += used;
        deliver(body.subspan(pos, len));
        pos += len;
    }
    return std::nullopt;
}

void Connection::countDrop(Drop why, HostStats& host) noexcept {
    ++stats_.dropped[static_cast<std::size_t>(why)];
    ++host.dropped[static_cast<std::size_t>(why)];
}

void Connection::tickRates(std::uint64_t now) noexcept {
    const std::uint64_t elapsed = now - windowStartMs_;
    if (elapsed < 1000) return;
    const double seconds = static_cast<double>(elapsed) / 1000.0;
    stats_.bytesInPerSecond = static_cast<double>(windowBytesIn_) / seconds;
    stats_.bytesOutPerSecond = static_cast<double>(windowBytesOut_) / seconds;
    stats_.packetsInPerSecond = static_cast<double>(windowPacketsIn_) / seconds;
    stats_.packetsOutPerSecond = static_cast<double>(windowPacketsOut_) / seconds;
    windowBytesIn_ = windowBytesOut_ = windowPacketsIn_ = windowPacketsOut_ = 0;
    windowStartMs_ = now;
}

ConnectionStats Connection::stats() const {
    ConnectionStats s = stats_;
    if (peer_ != nullptr) {
        s.rttMs = peer_->roundTripTime;
        s.rttVarianceMs = peer_->roundTripTimeVariance;
        s.lossPct = 100.0 * static_cast<double>(peer_->packetLoss) / static_cast<double>(ENET_PEER_PACKET_LOSS_SCALE);
    }
    return s;
}

// ---------------------------------------------------------------------------------------

bool Endpoint::createHost(const ENetAddress* bind, std::size_t peers, std::size_t maxPacket) {
    if (!ensureLibraries()) return false;
    host_.reset(enet_host_create(bind, peers, kChannelCount, 0, 0));
    if (!host_) return false;
    // A peer may never make this host buffer more than one maximal message.
    host_->maximumPacketSize = maxPacket;
    host_->maximumWaitingData = maxPacket * 4;
    // ENetHost has no user pointer. The compressor context is one that ENet only reads
    // together with the compress/decompress callbacks, which stay null here (so a
    // datagram claiming compression is dropped by ENet), and destroy is null too.
    host_->compressor.context = this;
    host_->intercept = &Endpoint::interceptThunk;
    return true;
}

int ENET_CALLBACK Endpoint::interceptThunk(ENetHost* host, ENetEvent* /*event*/) {
    auto* self = static_cast<Endpoint*>(host->compressor.context);
    ++self->stats_.udpPacketsIn;
    self->stats_.udpBytesIn += host->receivedDataLength;
    const bool keep = self->intercept(fromEnet(host->receivedAddress),
                                      std::span<const std::uint8_t>(host->receivedData, host->receivedDataLength));
    return keep ? 1 : 0;
}

void Endpoint::sendRaw(const Address& to, std::span<const std::uint8_t> bytes) {
    ENetAddress addr = toEnet(to);
    ENetBuffer buffer;
    buffer.data = const_cast<std::uint8_t*>(bytes.data());
    buffer.dataLength = bytes.size();
    if (enet_socket_send(host_->socket, &addr, &buffer, 1) > 0) {
        ++stats_.udpPacketsOut;
        stats_.udpBytesOut += bytes.size();
    }
}

void Endpoint::accountTraffic() noexcept {
    stats_.udpBytesOut += host_->totalSentData;
    stats_.udpPacketsOut += host_->totalSentPackets;
    host_->totalSentData = 0;
    host_->totalSentPackets = 0;
}

void Endpoint::log(LogLevel level, const std::string& line) const {
    if (log_) log_(level, line);
}

std::optional<Event> Endpoint::pollEvent() {
    if (events_.empty()) return std::nullopt;
    Event ev = std::move(events_.front());
    events_.pop_front();
    return ev;
}

void Endpoint::pushEvent(Event&& ev) { events_.push_back(std::move(ev)); }

}  // namespace tickwire::net::detail
