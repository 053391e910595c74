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
    const std::uint32_t maxMs = timeoutSeconds * 1000;
    enet_peer_timeout(peer, 0, maxMs < 5000 ? maxMs : 5000, maxMs);
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

std::uint64_t Connection::queuedBytes() const noexcept {
    std::uint64_t waiting = *inFlightBytes_;
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
    const std::size_t entry = varintSize(bytes.size()) + bytes.size();
    const std::size_t budget = kMaxSealedDatagram - kMaxPacketNumberSize - kSealOverhead;
    if (batch.messages > 0 && batch.plain.size() + entry > budget) sealBatch(channel, host);
    if (batch.plain.capacity() < budget) batch.plain.reserve(budget);
    const std::size_t at = batch.plain.size();
    batch.plain.resize(at + entry);
    const std::size_t lenSize = writeVarint(batch.plain.data() + at, bytes.size());
    std::memcpy(batch.plain.data() + at + lenSize, bytes.data(), bytes.size());
    ++batch.messages;
    ++stats_.messagesOut;
    ++host.messagesOut;
    // A message larger than one datagram travels alone (ENet fragments it).
    if (batch.plain.size() >= budget) sealBatch(channel, host);
    return {};
}

void Connection::flush(HostStats& host) {
    for (std::size_t c = 0; c < kChannelCount; ++c) {
        if (batches_[c].messages > 0) sealBatch(static_cast<Channel>(c), host);
    }
}

void Connection::onPacketFreed(ENetPacket* packet) {
    auto* counter = static_cast<std::uint64_t*>(packet->userData);
    if (counter != nullptr) *counter -= packet->dataLength;
}

void Connection::sealBatch(Channel channel, HostStats& /*host*/) {
    auto& batch = batches_[static_cast<std::size_t>(channel)];
    const std::size_t plainSize = batch.plain.size();
    const bool live = batch.messages > 0 && peer_ != nullptr;
    batch.messages = 0;
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
    writePacketNumber(packet->data, pnSize, pn);
    std::memcpy(packet->data + pnSize, batch.plain.data(), plainSize);
    batch.plain.clear();
    link_.seal(channel, pn, pnSize, std::span(packet->data, total));
    packet->userData = inFlightBytes_.get();
    packet->freeCallback = &Connection::onPacketFreed;
    *inFlightBytes_ += total;
    // enet_peer_send takes ownership only when it succeeds.
    if (enet_peer_send(peer_, static_cast<enet_uint8>(channel), packet) < 0) {
        enet_packet_destroy(packet);
        return;
    }
    stats_.bytesOut += total;
    ++stats_.packetsOut;
    windowBytesOut_ += total;
    ++windowPacketsOut_;
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
    // Validate the whole batch before delivering any of it.
    std::size_t pos = 0;
    std::size_t count = 0;
    while (pos < plain.size()) {
        std::size_t used = 0;
        const auto len = readVarint(plain.subspan(pos), used, 4);
        if (!len || *len == 0 || *len > plain.size() - pos - used) {
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
    pos = 0;
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t used = 0;
        const auto len = static_cast<std::size_t>(*readVarint(plain.subspan(pos), used, 4));
        pos += used;
        if (out.size() >= maxEvents) {
            countDrop(Drop::QueueOverflow, host);
        } else {
            Event ev;
            ev.type = Event::Type::Message;
            ev.client = id_;
            ev.tokenClientId = tokenClientId_;
            ev.channel = channel;
            ev.data.assign(plain.begin() + static_cast<std::ptrdiff_t>(pos),
                           plain.begin() + static_cast<std::ptrdiff_t>(pos + len));
            out.push_back(std::move(ev));
            ++stats_.messagesIn;
            ++host.messagesIn;
        }
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
