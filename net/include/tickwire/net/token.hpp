#pragma once
/// \file token.hpp
/// Connect tokens: how a backend (matchmaker, or `tickwire-token issue`) that holds the
/// server key lets one client into one of a fleet of servers. Byte layout: docs/PROTOCOL.md.

#include <tickwire/net/address.hpp>
#include <tickwire/net/key.hpp>
#include <tickwire/net/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace tickwire::net {

/// Wire version of the token format this build writes and reads.
inline constexpr std::uint32_t kTokenVersion = 1;
/// Default protocol id: games should pick their own 64-bit value so that tokens and
/// packets of one game are never accepted by another.
inline constexpr std::uint64_t kDefaultProtocolId = 0x7469636B77697265ull;  // "tickwire"
/// At most this many server addresses in one token.
inline constexpr std::size_t kMaxTokenServers = 8;
/// At most this many bytes of opaque user data in one token.
inline constexpr std::size_t kMaxTokenUserData = 256;
/// Size of the sealed private part on the wire (fixed: padded, plus the 16-byte MAC).
inline constexpr std::size_t kTokenPrivateSealedSize = 400;
/// Size of the XChaCha20-Poly1305 nonce that seals the private part.
inline constexpr std::size_t kTokenNonceSize = 24;

/// What the issuer decides for one token.
struct TokenParams {
    std::uint64_t protocolId = kDefaultProtocolId;
    std::uint64_t playerId = 0;             ///< the game's id for this player; any value
    std::vector<Address> servers;           ///< 1..kMaxTokenServers, tried in order
    std::uint32_t expiresInSeconds = 30;    ///< 1..86400 after issue time
    std::uint32_t timeoutSeconds = 10;      ///< 1..3600: silence after which a side drops the other
    std::vector<std::uint8_t> userData;     ///< 0..kMaxTokenUserData bytes, opaque to tickwire

    /// Checks every range above. Errors: InvalidArgument.
    [[nodiscard]] Result<void> validate() const;
};

/// The private part, readable only by holders of the server key.
struct TokenPrivate {
    std::uint64_t playerId = 0;
    std::uint32_t timeoutSeconds = 0;
    Key clientToServerKey;
    Key serverToClientKey;
    std::vector<Address> servers;
    std::vector<std::uint8_t> userData;
};

/// A connect token as the client holds it. The public fields are readable by the client;
/// `sealedPrivate` is opaque to it and is presented to the server as is.
struct ConnectToken {
    std::uint32_t version = kTokenVersion;
    std::uint64_t protocolId = kDefaultProtocolId;
    std::uint64_t createTime = 0;   ///< seconds since the Unix epoch
    std::uint64_t expireTime = 0;   ///< seconds since the Unix epoch
    std::uint32_t timeoutSeconds = 0;
    std::vector<Address> servers;
    Key clientToServerKey;
    Key serverToClientKey;
    std::array<std::uint8_t, kTokenNonceSize> nonce{};
    std::array<std::uint8_t, kTokenPrivateSealedSize> sealedPrivate{};

    /// The token file / matchmaker response bytes (layout in docs/PROTOCOL.md).
    [[nodiscard]] std::vector<std::uint8_t> serialize() const;
    /// Reads bytes written by serialize(). Every count is bounded before use.
    /// Errors: Truncated, Malformed, UnsupportedVersion.
    [[nodiscard]] static Result<ConnectToken> parse(std::span<const std::uint8_t> bytes);

    /// Reads a token file. Errors: IoError, plus those of parse().
    [[nodiscard]] static Result<ConnectToken> load(const std::string& path);
    /// Writes serialize() to path with file mode 0600. Errors: IoError.
    [[nodiscard]] Result<void> save(const std::string& path) const;
};

/// Issues a token for params, sealed under serverKey, stamped with nowUnixSeconds.
/// Fresh random session keys and nonce each call. Errors: InvalidArgument (see validate()).
[[nodiscard]] Result<ConnectToken> issueToken(const Key& serverKey, const TokenParams& params,
                                              std::uint64_t nowUnixSeconds);

/// Current time in seconds since the Unix epoch (system clock).
[[nodiscard]] std::uint64_t unixNow() noexcept;

/// Opens the sealed private part. The additional data binds version, protocol id and
/// expiry, so none of them can be altered. Does not check expiry or server address:
/// the server does, to count each rejection apart.
/// Errors: DecryptFailed (tampered or another key), Malformed (decrypted but invalid).
[[nodiscard]] Result<TokenPrivate> openToken(const Key& serverKey, std::uint32_t version,
                                             std::uint64_t protocolId, std::uint64_t expireTime,
                                             std::span<const std::uint8_t, kTokenNonceSize> nonce,
                                             std::span<const std::uint8_t, kTokenPrivateSealedSize> sealed);

}  // namespace tickwire::net
