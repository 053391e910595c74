#include "sealed_datagram.hpp"

#include <tickwire/net/detail/wire.hpp>

#include "crypto_internal.hpp"

#include <enet/enet.h>

#include <cstring>

namespace tickwire::net::detail {

namespace {

// Nonce: the 64-bit datagram number, little-endian, then four zero bytes. Each direction
// of each connection has its own key, so a nonce never repeats under one key.
std::array<std::uint8_t, kNonceSize> makeNonce(std::uint64_t n) noexcept {
    std::array<std::uint8_t, kNonceSize> nonce{};
    Writer(nonce).put(n);
    return nonce;
}

// The layout of a sealed datagram: [ENet header | number (3) | tag[0] | commands | tag[1..7)].
// The additional data is everything before tag[0].
struct Parts {
    std::span<std::uint8_t> ad;
    std::uint8_t* tagFirst;
    std::span<std::uint8_t> body;
    std::uint8_t* tagRest;
};

Parts split(std::span<std::uint8_t> datagram, std::size_t headerSize) noexcept {
    Parts p;
    p.ad = datagram.first(headerSize - 1);
    p.tagFirst = datagram.data() + headerSize - 1;
    p.body = datagram.subspan(headerSize, datagram.size() - headerSize - kTagSize);
    p.tagRest = datagram.data() + datagram.size() - kTagSize;
    return p;
}

}  // namespace

std::optional<DatagramHeader> readDatagramHeader(std::span<const std::uint8_t> datagram) noexcept {
    if (datagram.size() < 2) return std::nullopt;
    const auto field = static_cast<std::uint16_t>((datagram[0] << 8) | datagram[1]);  // big-endian, as ENet writes it
    if (field & ENET_PROTOCOL_HEADER_FLAG_COMPRESSED) return std::nullopt;
    DatagramHeader header;
    header.size = ((field & ENET_PROTOCOL_HEADER_FLAG_SENT_TIME) ? 4 : 2) + kSlotSize;
    header.peerId = static_cast<std::uint16_t>(field & ~(ENET_PROTOCOL_HEADER_FLAG_MASK | ENET_PROTOCOL_HEADER_SESSION_MASK));
    if (datagram.size() < header.size + kTagSize) return std::nullopt;
    return header;
}

std::optional<Drop> openDatagram(SealedLink& link, std::span<std::uint8_t> datagram, DatagramHeader& header) noexcept {
    const auto parsed = readDatagramHeader(datagram);
    if (!parsed) return Drop::AuthFailed;
    if (auto why = link.open(datagram, parsed->size)) return why;
    header = *parsed;
    return std::nullopt;
}

std::optional<std::uint32_t> connectIdOfConnect(std::span<const std::uint8_t> plaintext) noexcept {
    if (plaintext.size() < sizeof(ENetProtocolConnect)) return std::nullopt;
    if ((plaintext[0] & ENET_PROTOCOL_COMMAND_MASK) != ENET_PROTOCOL_COMMAND_CONNECT) return std::nullopt;
    ENetProtocolConnect connect;
    std::memcpy(&connect, plaintext.data(), sizeof connect);
    // A CONNECT whose sender claims no peer of its own would leave the server's replies
    // without the connect id that says which keys seal them.
    const enet_uint16 outgoingPeer = connect.outgoingPeerID;
    if (ENET_NET_TO_HOST_16(outgoingPeer) >= kNoPeer) return std::nullopt;
    const enet_uint32 connectId = connect.connectID;
    return connectId;
}

std::optional<Drop> ReplayWindow::check(std::uint64_t n) const noexcept {
    if (!largest_ || n > *largest_) return std::nullopt;
    if (n == *largest_) return Drop::Replayed;
    if (*largest_ - n >= kSize) return Drop::TooOld;
    const std::uint64_t slot = n % kSize;
    if (bits_[slot / 64] & (std::uint64_t{1} << (slot % 64))) return Drop::Replayed;
    return std::nullopt;
}

void ReplayWindow::accept(std::uint64_t n) noexcept {
    auto setBit = [this](std::uint64_t v) { bits_[(v % kSize) / 64] |= std::uint64_t{1} << (v % 64); };
    auto clearBit = [this](std::uint64_t v) { bits_[(v % kSize) / 64] &= ~(std::uint64_t{1} << (v % 64)); };
    if (largest_ && n > *largest_) {
        if (n - *largest_ >= kSize) {
            bits_.fill(0);
        } else {
            for (std::uint64_t v = *largest_ + 1; v < n; ++v) clearBit(v);
        }
    }
    if (!largest_ || n > *largest_) largest_ = n;
    setBit(n);
}

std::uint64_t reconstructDatagramNumber(std::optional<std::uint64_t> largest, std::uint32_t low) noexcept {
    constexpr std::uint64_t kWindow = std::uint64_t{1} << (8 * kNumberBytes);
    constexpr std::uint64_t kHalf = kWindow / 2;
    const std::uint64_t expected = largest ? *largest + 1 : 0;
    const std::uint64_t candidate = (expected & ~(kWindow - 1)) | (low & (kWindow - 1));
    if (candidate + kHalf <= expected && candidate <= UINT64_MAX - kWindow) return candidate + kWindow;
    if (candidate > expected + kHalf && candidate >= kWindow) return candidate - kWindow;
    return candidate;
}

SealedLink::SealedLink(const SessionKeys& keys) noexcept
    : sendKey_(keys.send), receiveKey_(keys.receive), connectId_(keys.connectId) {}

void SealedLink::seal(std::span<std::uint8_t> datagram, std::size_t headerSize) noexcept {
    const std::uint64_t n = nextSend_++;
    Writer(datagram.subspan(headerSize - kSlotSize, kNumberBytes)).put(n, kNumberBytes);
    const Parts p = split(datagram, headerSize);
    std::array<std::uint8_t, kShortTagSize> tag{};
    sealShort(p.body, p.ad, makeNonce(n), sendKey_.data(), tag);
    *p.tagFirst = tag[0];
    std::memcpy(p.tagRest, tag.data() + 1, kTagSize);
}

std::optional<Drop> SealedLink::open(std::span<std::uint8_t> datagram, std::size_t headerSize) noexcept {
    if (headerSize < kSlotSize || datagram.size() < headerSize + kTagSize) return Drop::AuthFailed;
    std::uint32_t low = 0;
    (void)Reader(datagram.subspan(headerSize - kSlotSize, kNumberBytes)).get(low, kNumberBytes);
    const std::uint64_t n = reconstructDatagramNumber(window_.largest(), low);
    if (auto why = window_.check(n)) return why;
    const Parts p = split(datagram, headerSize);
    std::array<std::uint8_t, kShortTagSize> tag{};
    tag[0] = *p.tagFirst;
    std::memcpy(tag.data() + 1, p.tagRest, kTagSize);
    if (!openShort(p.body, p.ad, makeNonce(n), receiveKey_.data(), tag)) return Drop::AuthFailed;
    window_.accept(n);
    ++accepted_;
    return std::nullopt;
}

}  // namespace tickwire::net::detail
