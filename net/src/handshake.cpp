#include "handshake_internal.hpp"

#include "crypto_internal.hpp"

#include <cstring>

namespace tickwire::net::detail {

namespace {

constexpr std::uint8_t kMagic[3] = {'T', 'W', 'H'};

void putLe(std::uint8_t* out, std::uint64_t v, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint64_t getLe(const std::uint8_t* in, std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{in[i]} << (8 * i);
    return v;
}

void writeHeader(std::uint8_t* out, HandshakeType type) noexcept {
    std::memcpy(out, kMagic, 3);
    out[3] = static_cast<std::uint8_t>(type);
}

// Additional data for the server's sealed replies: header and protocol id.
std::array<std::uint8_t, 12> replyAd(HandshakeType type, std::uint64_t protocolId) noexcept {
    std::array<std::uint8_t, 12> ad{};
    writeHeader(ad.data(), type);
    putLe(ad.data() + 4, protocolId, 8);
    return ad;
}

std::vector<std::uint8_t> writeSealedReply(HandshakeType type, std::span<const std::uint8_t> plain,
                                           const Key& key, std::uint64_t protocolId) {
    std::vector<std::uint8_t> out(kHandshakeHeaderSize + kXNonceSize + plain.size() + kMacSize);
    writeHeader(out.data(), type);
    std::span<std::uint8_t, kXNonceSize> nonce(out.data() + kHandshakeHeaderSize, kXNonceSize);
    randomBytes(nonce);
    const auto ad = replyAd(type, protocolId);
    xSeal(std::span(out).subspan(kHandshakeHeaderSize + kXNonceSize), plain, ad, nonce, key.data());
    return out;
}

Result<void> readSealedReply(HandshakeType type, std::span<const std::uint8_t> bytes,
                             std::span<std::uint8_t> plain, const Key& key, std::uint64_t protocolId) {
    if (bytes.size() != kHandshakeHeaderSize + kXNonceSize + plain.size() + kMacSize ||
        handshakeType(bytes) != type) {
        return fail(Error::Malformed);
    }
    std::span<const std::uint8_t, kXNonceSize> nonce(bytes.data() + kHandshakeHeaderSize, kXNonceSize);
    const auto ad = replyAd(type, protocolId);
    if (!xOpen(plain, bytes.subspan(kHandshakeHeaderSize + kXNonceSize), ad, nonce, key.data())) {
        return fail(Error::DecryptFailed);
    }
    return {};
}

}  // namespace

std::optional<HandshakeType> handshakeType(std::span<const std::uint8_t> bytes) noexcept {
    if (bytes.size() < kHandshakeHeaderSize || std::memcmp(bytes.data(), kMagic, 3) != 0) {
        return std::nullopt;
    }
    const std::uint8_t t = bytes[3];
    if (t < 1 || t > 4) return std::nullopt;
    return static_cast<HandshakeType>(t);
}

std::vector<std::uint8_t> writeRequest(const ConnectToken& token) {
    std::vector<std::uint8_t> out(kRequestSize);
    std::uint8_t* p = out.data();
    writeHeader(p, HandshakeType::Request);
    p += kHandshakeHeaderSize;
    putLe(p, token.version, 4);
    p += 4;
    putLe(p, token.protocolId, 8);
    p += 8;
    putLe(p, token.expireTime, 8);
    p += 8;
    std::memcpy(p, token.nonce.data(), token.nonce.size());
    p += token.nonce.size();
    std::memcpy(p, token.sealedPrivate.data(), token.sealedPrivate.size());
    return out;
}

Result<Request> readRequest(std::span<const std::uint8_t> bytes) {
    if (bytes.size() != kRequestSize || handshakeType(bytes) != HandshakeType::Request) {
        return fail(Error::Malformed);
    }
    Request r;
    const std::uint8_t* p = bytes.data() + kHandshakeHeaderSize;
    r.version = static_cast<std::uint32_t>(getLe(p, 4));
    r.protocolId = getLe(p + 4, 8);
    r.expireTime = getLe(p + 12, 8);
    std::memcpy(r.nonce.data(), p + 20, r.nonce.size());
    std::memcpy(r.sealed.data(), p + 20 + r.nonce.size(), r.sealed.size());
    return r;
}

std::vector<std::uint8_t> writeChallenge(const Cookie& cookie, const Key& serverToClient, std::uint64_t protocolId) {
    return writeSealedReply(HandshakeType::Challenge, cookie, serverToClient, protocolId);
}

Result<Cookie> readChallenge(std::span<const std::uint8_t> bytes, const Key& serverToClient, std::uint64_t protocolId) {
    Cookie cookie{};
    if (auto ok = readSealedReply(HandshakeType::Challenge, bytes, cookie, serverToClient, protocolId); !ok) {
        return fail(ok.error());
    }
    return cookie;
}

std::vector<std::uint8_t> writeResponse(const Cookie& cookie) {
    std::vector<std::uint8_t> out(kResponseSize);
    writeHeader(out.data(), HandshakeType::Response);
    std::memcpy(out.data() + kHandshakeHeaderSize, cookie.data(), cookie.size());
    return out;
}

Result<Cookie> readResponse(std::span<const std::uint8_t> bytes) {
    if (bytes.size() != kResponseSize || handshakeType(bytes) != HandshakeType::Response) {
        return fail(Error::Malformed);
    }
    Cookie cookie{};
    std::memcpy(cookie.data(), bytes.data() + kHandshakeHeaderSize, cookie.size());
    return cookie;
}

std::vector<std::uint8_t> writeDenied(Rejection why, const Key& serverToClient, std::uint64_t protocolId) {
    const std::uint8_t reason = static_cast<std::uint8_t>(why);
    return writeSealedReply(HandshakeType::Denied, std::span(&reason, 1), serverToClient, protocolId);
}

Result<Rejection> readDenied(std::span<const std::uint8_t> bytes, const Key& serverToClient, std::uint64_t protocolId) {
    std::uint8_t reason = 0;
    if (auto ok = readSealedReply(HandshakeType::Denied, bytes, std::span(&reason, 1), serverToClient, protocolId); !ok) {
        return fail(ok.error());
    }
    if (reason >= kRejectionCount) return fail(Error::Malformed);
    return static_cast<Rejection>(reason);
}

}  // namespace tickwire::net::detail
