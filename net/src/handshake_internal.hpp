#pragma once
// Handshake datagrams, sent raw on the ENet host's own socket before ENet sees anything
// (docs/PROTOCOL.md, "Handshake"). Every datagram starts with the 3-byte magic "TWH"
// and a type byte.

#include <tickwire/net/key.hpp>
#include <tickwire/net/token.hpp>
#include <tickwire/net/transport.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tickwire::net::detail {

enum class HandshakeType : std::uint8_t { Request = 1, Challenge = 2, Response = 3, Denied = 4 };

inline constexpr std::size_t kHandshakeHeaderSize = 4;
inline constexpr std::size_t kCookieSize = 16;
/// magic+type, version, protocol id, expiry, nonce, sealed private part.
inline constexpr std::size_t kRequestSize =
    kHandshakeHeaderSize + 4 + 8 + 8 + kTokenNonceSize + kTokenPrivateSealedSize;
/// magic+type, nonce, sealed cookie.
inline constexpr std::size_t kChallengeSize = kHandshakeHeaderSize + 24 + kCookieSize + 16;
/// magic+type, cookie.
inline constexpr std::size_t kResponseSize = kHandshakeHeaderSize + kCookieSize;
/// magic+type, nonce, sealed reason byte.
inline constexpr std::size_t kDeniedSize = kHandshakeHeaderSize + 24 + 1 + 16;

using Cookie = std::array<std::uint8_t, kCookieSize>;

/// The handshake type when bytes carry the magic, else nothing (an ENet datagram).
std::optional<HandshakeType> handshakeType(std::span<const std::uint8_t> bytes) noexcept;

/// What a Request carries: the token's public fields the server needs, and the sealed part.
struct Request {
    std::uint32_t version = 0;
    std::uint64_t protocolId = 0;
    std::uint64_t expireTime = 0;
    std::array<std::uint8_t, kTokenNonceSize> nonce{};
    std::array<std::uint8_t, kTokenPrivateSealedSize> sealed{};
};

std::vector<std::uint8_t> writeRequest(const ConnectToken& token);
/// Errors: Malformed (wrong size or type).
Result<Request> readRequest(std::span<const std::uint8_t> bytes);

/// Challenge: the cookie sealed under the server-to-client key with a random nonce.
std::vector<std::uint8_t> writeChallenge(const Cookie& cookie, const Key& serverToClient, std::uint64_t protocolId);
/// Errors: Malformed, DecryptFailed.
Result<Cookie> readChallenge(std::span<const std::uint8_t> bytes, const Key& serverToClient, std::uint64_t protocolId);

std::vector<std::uint8_t> writeResponse(const Cookie& cookie);
/// Errors: Malformed.
Result<Cookie> readResponse(std::span<const std::uint8_t> bytes);

std::vector<std::uint8_t> writeDenied(Rejection why, const Key& serverToClient, std::uint64_t protocolId);
/// Errors: Malformed, DecryptFailed.
Result<Rejection> readDenied(std::span<const std::uint8_t> bytes, const Key& serverToClient, std::uint64_t protocolId);

}  // namespace tickwire::net::detail
