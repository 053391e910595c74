#include "sealed_channel_internal.hpp"

#include "crypto_internal.hpp"

namespace tickwire::net::detail {

namespace {

void writeLe64(std::uint8_t* out, std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Nonce: channel byte, three zero bytes, the full 64-bit packet number. Each direction
// has its own key, so nonces never repeat under one key.
std::array<std::uint8_t, kNonceSize> makeNonce(Channel channel, std::uint64_t pn) noexcept {
    std::array<std::uint8_t, kNonceSize> nonce{};
    nonce[0] = static_cast<std::uint8_t>(channel);
    writeLe64(nonce.data() + 4, pn);
    return nonce;
}

// Additional data: protocol id and channel, so a packet moved to another channel or
// another game fails to open.
std::array<std::uint8_t, 9> makeAd(std::uint64_t protocolId, Channel channel) noexcept {
    std::array<std::uint8_t, 9> ad{};
    writeLe64(ad.data(), protocolId);
    ad[8] = static_cast<std::uint8_t>(channel);
    return ad;
}

}  // namespace

std::size_t packetNumberSize(Channel channel, std::uint64_t pn) noexcept {
    if (channel == Channel::Reliable) return 1;
    return (pn % 16 == 0) ? 4 : 2;
}

std::size_t writePacketNumber(std::uint8_t* out, std::size_t size, std::uint64_t pn) noexcept {
    switch (size) {
        case 1: out[0] = static_cast<std::uint8_t>(pn & 0x7F); return 1;
        case 2:
            out[0] = static_cast<std::uint8_t>(0x80 | ((pn >> 8) & 0x3F));
            out[1] = static_cast<std::uint8_t>(pn);
            return 2;
        default:
            out[0] = static_cast<std::uint8_t>(0xC0 | ((pn >> 24) & 0x3F));
            out[1] = static_cast<std::uint8_t>(pn >> 16);
            out[2] = static_cast<std::uint8_t>(pn >> 8);
            out[3] = static_cast<std::uint8_t>(pn);
            return 4;
    }
}

std::optional<TruncatedPacketNumber> readPacketNumber(std::span<const std::uint8_t> bytes) noexcept {
    if (bytes.empty()) return std::nullopt;
    const std::uint8_t first = bytes[0];
    if ((first & 0x80) == 0) return TruncatedPacketNumber{first, 7, 1};
    if ((first & 0xC0) == 0x80) {
        if (bytes.size() < 2) return std::nullopt;
        return TruncatedPacketNumber{(std::uint64_t{first & 0x3Fu} << 8) | bytes[1], 14, 2};
    }
    if (bytes.size() < 4) return std::nullopt;
    const std::uint64_t v = (std::uint64_t{first & 0x3Fu} << 24) | (std::uint64_t{bytes[1]} << 16) |
                            (std::uint64_t{bytes[2]} << 8) | bytes[3];
    return TruncatedPacketNumber{v, 30, 4};
}

std::uint64_t reconstructPacketNumber(std::optional<std::uint64_t> largestReceived,
                                      std::uint64_t truncated, unsigned bits) noexcept {
    const std::uint64_t expected = largestReceived ? *largestReceived + 1 : 0;
    const std::uint64_t window = std::uint64_t{1} << bits;
    const std::uint64_t half = window / 2;
    const std::uint64_t mask = window - 1;
    const std::uint64_t candidate = (expected & ~mask) | truncated;
    if (candidate + half <= expected && candidate <= UINT64_MAX - window) return candidate + window;
    if (candidate > expected + half && candidate >= window) return candidate - window;
    return candidate;
}

std::optional<Drop> ReplayWindow::check(std::uint64_t pn, bool sequenced) const noexcept {
    if (!largest_) return std::nullopt;
    if (pn > *largest_) return std::nullopt;
    if (pn == *largest_) return Drop::Replayed;
    if (sequenced) return Drop::TooOld;
    if (*largest_ - pn >= kSize) return Drop::TooOld;
    const std::uint64_t slot = pn % kSize;
    if (bits_[slot / 64] & (std::uint64_t{1} << (slot % 64))) return Drop::Replayed;
    return std::nullopt;
}

void ReplayWindow::accept(std::uint64_t pn) noexcept {
    auto setBit = [this](std::uint64_t n) { bits_[(n % kSize) / 64] |= std::uint64_t{1} << (n % 64); };
    auto clearBit = [this](std::uint64_t n) { bits_[(n % kSize) / 64] &= ~(std::uint64_t{1} << (n % 64)); };
    if (!largest_) {
        largest_ = pn;
        setBit(pn);
        return;
    }
    if (pn > *largest_) {
        const std::uint64_t advance = pn - *largest_;
        if (advance >= kSize) {
            bits_.fill(0);
        } else {
            for (std::uint64_t n = *largest_ + 1; n < pn; ++n) clearBit(n);
        }
        largest_ = pn;
    }
    setBit(pn);
}

SecureLink::SecureLink(const Key& sendKey, const Key& receiveKey, std::uint64_t protocolId) noexcept
    : sendKey_(sendKey), receiveKey_(receiveKey), protocolId_(protocolId) {}

std::uint64_t SecureLink::takePacketNumber(Channel channel) noexcept {
    return nextSend_[static_cast<std::size_t>(channel)]++;
}

void SecureLink::seal(Channel channel, std::uint64_t pn, std::size_t pnSize,
                      std::span<std::uint8_t> packet) const noexcept {
    const auto nonce = makeNonce(channel, pn);
    const auto ad = makeAd(protocolId_, channel);
    detail::seal(packet.subspan(pnSize), ad, nonce, sendKey_.data());
}

std::optional<Drop> SecureLink::open(Channel channel, std::span<std::uint8_t> packet,
                                     std::span<std::uint8_t>& plaintext) noexcept {
    const auto truncated = readPacketNumber(packet);
    if (!truncated || packet.size() < truncated->size + kSealOverhead) return Drop::Malformed;
    auto& window = windows_[static_cast<std::size_t>(channel)];
    const std::uint64_t pn = reconstructPacketNumber(window.largest(), truncated->value, truncated->bits);
    if (auto why = window.check(pn, channel == Channel::Sequenced)) return why;
    const auto nonce = makeNonce(channel, pn);
    const auto ad = makeAd(protocolId_, channel);
    auto sealed = packet.subspan(truncated->size);
    if (!detail::open(sealed, ad, nonce, receiveKey_.data())) return Drop::AuthFailed;
    window.accept(pn);
    plaintext = sealed.first(sealed.size() - kSealOverhead);
    return std::nullopt;
}

std::size_t varintSize(std::uint64_t value) noexcept {
    std::size_t n = 1;
    while (value >= 0x80) {
        value >>= 7;
        ++n;
    }
    return n;
}

std::size_t writeVarint(std::uint8_t* out, std::uint64_t value) noexcept {
    std::size_t n = 0;
    while (value >= 0x80) {
        out[n++] = static_cast<std::uint8_t>(value | 0x80);
        value >>= 7;
    }
    out[n++] = static_cast<std::uint8_t>(value);
    return n;
}

std::optional<std::uint64_t> readVarint(std::span<const std::uint8_t> bytes, std::size_t& used,
                                        std::size_t maxBytes) noexcept {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < bytes.size() && i < maxBytes; ++i) {
        value |= std::uint64_t{bytes[i] & 0x7Fu} << (7 * i);
        if ((bytes[i] & 0x80) == 0) {
            used = i + 1;
            return value;
        }
    }
    return std::nullopt;
}

}  // namespace tickwire::net::detail
