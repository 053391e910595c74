#pragma once
// Handshake datagrams, sent raw on the ENet host's own socket before ENet sees anything,
// and the session keys they lead to (docs/PROTOCOL.md, sections 2 and 3). Every
// datagram starts with the 3-byte magic "TWH" and a type byte.

#include "sealed_datagram.hpp"

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
inline constexpr std::size_t kAttemptNonceSize = 16;
inline constexpr std::size_t kCookieMacSize = 16;
/// The token's fields as a REQUEST carries them: version, protocol id, expiry, nonce,
/// sealed private part.
inline constexpr std::size_t kTokenFieldsSize = 4 + 8 + 8 + kTokenNonceSize + kTokenPrivateSealedSize;
/// header, token fields, client nonce.
inline constexpr std::size_t kRequestSize = kHandshakeHeaderSize + kTokenFieldsSize + kAttemptNonceSize;
/// server nonce, cookie time, cookie MAC.
inline constexpr std::size_t kCookieSize = kAttemptNonceSize + 8 + kCookieMacSize;
/// header, XChaCha20 nonce, sealed cookie.
inline constexpr std::size_t kChallengeSize = kHandshakeHeaderSize + 24 + kCookieSize + 16;
/// header, token fields, client nonce, cookie.
inline constexpr std::size_t kResponseSize = kRequestSize + kCookieSize;
/// header, XChaCha20 nonce, sealed reason byte.
inline constexpr std::size_t kDeniedSize = kHandshakeHeaderSize + 24 + 1 + 16;

using AttemptNonce = std::array<std::uint8_t, kAttemptNonceSize>;
using TokenTag = std::array<std::uint8_t, 16>;

/// The handshake type when bytes carry the magic, else nothing (an ENet datagram).
std::optional<HandshakeType> handshakeType(std::span<const std::uint8_t> bytes) noexcept;

/// What a REQUEST carries: the token's public fields the server needs, the sealed part,
/// and the nonce the client drew for this connection attempt.
struct Request {
    std::uint32_t version = 0;
    std::uint64_t protocolId = 0;
    std::uint64_t expireTime = 0;
    std::array<std::uint8_t, kTokenNonceSize> tokenNonce{};
    std::array<std::uint8_t, kTokenPrivateSealedSize> sealed{};
    AttemptNonce clientNonce{};

    /// The sealed private part's tag: identifies the token without opening it.
    [[nodiscard]] TokenTag tokenTag() const noexcept;
};

/// The server's side of the attempt, handed to the client in the CHALLENGE and echoed in
/// the RESPONSE: its nonce and a MAC, under a secret only the server holds, that binds the
/// nonce to the client's address, token and nonce and to the time it was made. The server
/// keeps no state until a RESPONSE brings a cookie back.
struct Cookie {
    AttemptNonce serverNonce{};
    std::uint64_t timeMs = 0;  // the server's monotonic clock when it made the cookie
    std::array<std::uint8_t, kCookieMacSize> mac{};
};

struct Response {
    Request request;
    Cookie cookie;
};

std::vector<std::uint8_t> writeRequest(const ConnectToken& token, const AttemptNonce& clientNonce);
/// Errors: Malformed (wrong size or type).
Result<Request> readRequest(std::span<const std::uint8_t> bytes);

/// The cookie sealed under the token's server-to-client key, bound to the client's nonce.
std::vector<std::uint8_t> writeChallenge(const Cookie& cookie, const Key& serverToClient, std::uint64_t protocolId,
                                         const AttemptNonce& clientNonce);
/// Errors: Malformed, DecryptFailed (another key, or an answer to another attempt).
Result<Cookie> readChallenge(std::span<const std::uint8_t> bytes, const Key& serverToClient,
                             std::uint64_t protocolId, const AttemptNonce& clientNonce);

std::vector<std::uint8_t> writeResponse(const ConnectToken& token, const AttemptNonce& clientNonce,
                                        const Cookie& cookie);
/// Errors: Malformed.
Result<Response> readResponse(std::span<const std::uint8_t> bytes);

/// The reason sealed under the token's server-to-client key, bound to the client's nonce.
std::vector<std::uint8_t> writeDenied(Rejection why, const Key& serverToClient, std::uint64_t protocolId,
                                      const AttemptNonce& clientNonce);
/// Errors: Malformed, DecryptFailed (another key, or an answer to another attempt).
Result<Rejection> readDenied(std::span<const std::uint8_t> bytes, const Key& serverToClient,
                             std::uint64_t protocolId, const AttemptNonce& clientNonce);

/// The server's cookie MAC (docs/PROTOCOL.md, "Cookie").
std::array<std::uint8_t, kCookieMacSize> cookieMac(const Key& secret, const Address& client, const TokenTag& tag,
                                                   const AttemptNonce& clientNonce, const AttemptNonce& serverNonce,
                                                   std::uint64_t timeMs) noexcept;

/// The keys and connection id of one connection attempt, from the token's two keys and
/// both sides' nonces (docs/PROTOCOL.md, "Session keys"). `forServer` picks which key
/// seals and which opens.
SessionKeys deriveSessionKeys(const Key& clientToServer, const Key& serverToClient, std::uint64_t protocolId,
                              const AttemptNonce& clientNonce, const AttemptNonce& serverNonce, bool forServer);

}  // namespace tickwire::net::detail
