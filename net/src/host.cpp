#include "host.hpp"

#include "crypto_internal.hpp"

#include <arpa/inet.h>

#include <cstddef>
#include <cstring>
#include <type_traits>

namespace tickwire::net::detail {

namespace {

// ENet checks the checksum of a received datagram right after the intercept passed it to
// ENet, on the same thread. The intercept has already authenticated the whole datagram,
// so ENet's check only has to see the slot value the datagram arrived with; ENet
// overwrites the slot with the peer's connect id before calling back, so the intercept
// leaves the value here for the callback to return.
struct OpenedDatagram {
    const void* data = nullptr;
    enet_uint32 slot = 0;
};
thread_local OpenedDatagram tlOpened;

static_assert(std::is_standard_layout_v<ENetHost>);

}  // namespace

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

DisconnectReason reasonFromEnet(std::uint32_t data) noexcept {
    if (data == 0) return DisconnectReason::Timeout;
    if (data > static_cast<std::uint32_t>(kLastDisconnectReason)) return DisconnectReason::Unknown;
    return static_cast<DisconnectReason>(data);
}

void applyTimeout(ENetPeer* peer, std::uint32_t timeoutSeconds) noexcept {
    const std::uint32_t ms = timeoutSeconds * 1000;
    enet_peer_timeout(peer, 0, ms, ms);
}

bool Host::createHost(const ENetAddress* bind, std::size_t peers, std::size_t maxPacket) {
    if (!ensureLibraries()) return false;
    host_.reset(enet_host_create(bind, peers, kChannelCount, 0, 0));
    if (!host_) return false;
    host_->mtu = kEnetMtu;
    // A peer may never make this host buffer more than one maximal message.
    host_->maximumPacketSize = maxPacket;
    host_->maximumWaitingData = maxPacket * 4;
    // ENetHost has no user pointer. The compressor context is one that ENet only reads
    // together with the compress/decompress callbacks, which stay null here (so a
    // datagram claiming compression is dropped), and destroy is null too.
    host_->compressor.context = this;
    host_->intercept = &Host::interceptThunk;
    host_->checksum = &Host::checksumThunk;
    return true;
}

int ENET_CALLBACK Host::interceptThunk(ENetHost* host, ENetEvent* /*event*/) {
    auto* self = static_cast<Host*>(host->compressor.context);
    ++self->stats_.udpPacketsIn;
    self->stats_.udpBytesIn += host->receivedDataLength;
    tlOpened = {};
    DatagramHeader header;
    const auto pass = self->intercept(fromEnet(host->receivedAddress),
                                      std::span<std::uint8_t>(host->receivedData, host->receivedDataLength), header);
    if (!pass) return 1;
    host->receivedDataLength = *pass;
    std::memcpy(&tlOpened.slot, host->receivedData + header.size - kSlotSize, sizeof tlOpened.slot);
    tlOpened.data = host->receivedData;
    return 0;
}

enet_uint32 ENET_CALLBACK Host::checksumThunk(const ENetBuffer* buffers, std::size_t bufferCount) {
    if (bufferCount == 1 && buffers[0].data != nullptr && buffers[0].data == tlOpened.data) {
        const enet_uint32 slot = tlOpened.slot;  // receiving: see OpenedDatagram
        tlOpened = {};
        return slot;
    }
    // Sending: ENet passes its own host->buffers array, so the host is the struct around it.
    auto* host = reinterpret_cast<ENetHost*>(reinterpret_cast<std::byte*>(const_cast<ENetBuffer*>(buffers)) -
                                             offsetof(ENetHost, buffers));
    return static_cast<Host*>(host->compressor.context)->sealOutgoing(*host);
}

enet_uint32 Host::sealOutgoing(ENetHost& host) {
    // ENet has written its header into buffers[0] and, last in it, the slot pre-filled
    // with the peer's connect id (0 while the peer has none).
    ENetBuffer* buffers = host.buffers;
    const std::size_t headerSize = buffers[0].dataLength;
    const auto* header = static_cast<const std::uint8_t*>(buffers[0].data);
    enet_uint32 connectId = 0;
    std::memcpy(&connectId, header + headerSize - kSlotSize, sizeof connectId);
    std::size_t total = 0;
    for (std::size_t i = 0; i < host.bufferCount; ++i) total += buffers[i].dataLength;
    SealedLink* link = sendLink(connectId);
    if (link == nullptr || total + kTagSize > scratch_.size()) {
        // Nothing may leave unsealed: the datagram goes out empty and the receiver drops it.
        if (!warnedUnsealable_) {
            warnedUnsealable_ = true;
            log(LogLevel::Warn, "a datagram for a peer without keys was not sent");
        }
        buffers[0].dataLength = 0;
        host.bufferCount = 1;
        return 0;
    }
    std::size_t at = 0;
    for (std::size_t i = 0; i < host.bufferCount; ++i) {
        std::memcpy(scratch_.data() + at, buffers[i].data, buffers[i].dataLength);
        at += buffers[i].dataLength;
    }
    const std::span<std::uint8_t> datagram(scratch_.data(), total + kTagSize);
    link->seal(datagram, headerSize);
    buffers[0].data = scratch_.data();
    buffers[0].dataLength = datagram.size();
    host.bufferCount = 1;
    enet_uint32 slot = 0;
    std::memcpy(&slot, scratch_.data() + headerSize - kSlotSize, sizeof slot);
    return slot;
}

void Host::sendRaw(const Address& to, std::span<const std::uint8_t> bytes) {
    ENetAddress addr = toEnet(to);
    ENetBuffer buffer;
    buffer.data = const_cast<std::uint8_t*>(bytes.data());
    buffer.dataLength = bytes.size();
    if (enet_socket_send(host_->socket, &addr, &buffer, 1) > 0) {
        ++stats_.udpPacketsOut;
        stats_.udpBytesOut += bytes.size();
    }
}

void Host::accountTraffic() noexcept {
    stats_.udpBytesOut += host_->totalSentData;
    stats_.udpPacketsOut += host_->totalSentPackets;
    host_->totalSentData = 0;
    host_->totalSentPackets = 0;
}

void Host::log(LogLevel level, const std::string& line) const {
    if (log_) log_(level, line);
}

}  // namespace tickwire::net::detail
