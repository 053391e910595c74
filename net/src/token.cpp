#include <tickwire/net/detail/wire.hpp>
#include <tickwire/net/token.hpp>

#include "crypto_internal.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <concepts>
#include <limits>

// Byte layout of everything here: docs/PROTOCOL.md, section "Connect token".

namespace tickwire::net {

namespace {

constexpr std::array<std::uint8_t, 4> kMagic{'T', 'W', 'T', 'K'};
constexpr std::uint32_t kMaxExpiresInSeconds = 86400;
constexpr std::uint32_t kMaxTimeoutSeconds = 3600;
// A token is at most 573 bytes; anything much larger is not a token file.
constexpr std::size_t kMaxTokenFileSize = 4096;

constexpr std::size_t kServerWireSize = 4 + 2;
constexpr std::size_t kTokenFixedSize = 4 + 4 + 8 + 8 + 8 + 4 + 1 + Key::kSize + Key::kSize +
                                        kTokenNonceSize + kTokenPrivateSealedSize;
constexpr std::size_t kPrivatePlainSize = kTokenPrivateSealedSize - detail::kMacSize;
constexpr std::size_t kAdSize = 4 + 4 + 8 + 8;

// The largest private part must fit the fixed plaintext, padding included.
static_assert(8 + 4 + Key::kSize + Key::kSize + 1 + kMaxTokenServers * kServerWireSize + 2 +
                  kMaxTokenUserData <=
              kPrivatePlainSize);
static_assert(kTokenNonceSize == detail::kXNonceSize);

using detail::Reader;
using detail::Writer;

void putServers(Writer& out, const std::vector<Address>& servers) noexcept {
    out.put(static_cast<std::uint8_t>(servers.size()));
    for (const Address& server : servers) {
        out.put(server.ipv4);
        out.put(server.port);
    }
}

// The count is checked by the caller; here only the bytes' presence.
[[nodiscard]] bool getServers(Reader& in, std::uint8_t count, std::vector<Address>& servers) {
    servers.resize(count);
    for (Address& server : servers) {
        if (!in.get(server.ipv4) || !in.get(server.port)) return false;
    }
    return true;
}

[[nodiscard]] bool getKey(Reader& in, Key& key) noexcept {
    std::array<std::uint8_t, Key::kSize> bytes{};
    const bool ok = in.get(bytes);
    if (ok) key = *Key::fromBytes(bytes);
    detail::wipe(bytes);
    return ok;
}

[[nodiscard]] constexpr bool validServerCount(std::size_t count) noexcept {
    return count >= 1 && count <= kMaxTokenServers;
}

[[nodiscard]] constexpr bool validTimeout(std::uint32_t seconds) noexcept {
    return seconds >= 1 && seconds <= kMaxTimeoutSeconds;
}

// Binds the public fields the server trusts without reading the private part.
std::array<std::uint8_t, kAdSize> additionalData(std::uint32_t version, std::uint64_t protocolId,
                                                 std::uint64_t expireTime) noexcept {
    std::array<std::uint8_t, kAdSize> ad{};
    Writer out(ad);
    out.put(kMagic);
    out.put(version);
    out.put(protocolId);
    out.put(expireTime);
    return ad;
}

void encodePrivate(const TokenPrivate& priv, std::span<std::uint8_t, kPrivatePlainSize> plain) noexcept {
    std::fill(plain.begin(), plain.end(), std::uint8_t{0});
    Writer out(plain);
    out.put(priv.playerId);
    out.put(priv.timeoutSeconds);
    out.put(priv.clientToServerKey.bytes());
    out.put(priv.serverToClientKey.bytes());
    putServers(out, priv.servers);
    out.put(static_cast<std::uint16_t>(priv.userData.size()));
    out.put(priv.userData);
}

// The MAC verified, so the issuer held the server key; the bounds still hold in case the
// issuer is another implementation with a bug.
Result<TokenPrivate> decodePrivate(std::span<const std::uint8_t, kPrivatePlainSize> plain) {
    Reader in(plain);
    TokenPrivate priv;
    std::uint8_t serverCount = 0;
    std::uint16_t userDataSize = 0;
    if (!in.get(priv.playerId) || !in.get(priv.timeoutSeconds) ||
        !getKey(in, priv.clientToServerKey) || !getKey(in, priv.serverToClientKey) ||
        !in.get(serverCount)) {
        return fail(Error::Malformed);
    }
    if (!validTimeout(priv.timeoutSeconds) || priv.clientToServerKey.isZero() ||
        priv.serverToClientKey.isZero() || !validServerCount(serverCount)) {
        return fail(Error::Malformed);
    }
    if (!getServers(in, serverCount, priv.servers) || !in.get(userDataSize) ||
        userDataSize > kMaxTokenUserData) {
        return fail(Error::Malformed);
    }
    priv.userData.resize(userDataSize);
    if (!in.get(priv.userData)) return fail(Error::Malformed);
    const auto padding = in.rest();
    if (!std::all_of(padding.begin(), padding.end(), [](std::uint8_t b) { return b == 0; })) {
        return fail(Error::Malformed);
    }
    return priv;
}

}  // namespace

Result<void> TokenParams::validate() const {
    if (!validServerCount(servers.size())) return fail(Error::InvalidArgument);
    if (expiresInSeconds < 1 || expiresInSeconds > kMaxExpiresInSeconds) {
        return fail(Error::InvalidArgument);
    }
    if (!validTimeout(timeoutSeconds)) return fail(Error::InvalidArgument);
    if (userData.size() > kMaxTokenUserData) return fail(Error::InvalidArgument);
    return {};
}

std::vector<std::uint8_t> ConnectToken::serialize() const {
    // serialize() cannot fail: a hand-built token with too many servers is written with a
    // server count of 0, which parse() rejects, rather than silently losing servers.
    static const std::vector<Address> kNoServers;
    const std::vector<Address>& written = validServerCount(servers.size()) ? servers : kNoServers;

    std::vector<std::uint8_t> bytes(kTokenFixedSize + written.size() * kServerWireSize);
    Writer out(bytes);
    out.put(kMagic);
    out.put(version);
    out.put(protocolId);
    out.put(createTime);
    out.put(expireTime);
    out.put(timeoutSeconds);
    putServers(out, written);
    out.put(clientToServerKey.bytes());
    out.put(serverToClientKey.bytes());
    out.put(nonce);
    out.put(sealedPrivate);
    assert(out.position() == bytes.size());
    return bytes;
}

Result<ConnectToken> ConnectToken::parse(std::span<const std::uint8_t> bytes) {
    Reader in(bytes);
    std::array<std::uint8_t, kMagic.size()> magic{};
    if (!in.get(magic)) return fail(Error::Truncated);
    if (magic != kMagic) return fail(Error::Malformed);

    ConnectToken token;
    if (!in.get(token.version)) return fail(Error::Truncated);
    if (token.version != kTokenVersion) return fail(Error::UnsupportedVersion);

    std::uint8_t serverCount = 0;
    if (!in.get(token.protocolId) || !in.get(token.createTime) || !in.get(token.expireTime) ||
        !in.get(token.timeoutSeconds) || !in.get(serverCount)) {
        return fail(Error::Truncated);
    }
    if (token.expireTime < token.createTime || !validTimeout(token.timeoutSeconds) ||
        !validServerCount(serverCount)) {
        return fail(Error::Malformed);
    }
    if (!getServers(in, serverCount, token.servers) || !getKey(in, token.clientToServerKey) ||
        !getKey(in, token.serverToClientKey) || !in.get(token.nonce) ||
        !in.get(token.sealedPrivate)) {
        return fail(Error::Truncated);
    }
    if (token.clientToServerKey.isZero() || token.serverToClientKey.isZero()) {
        return fail(Error::Malformed);
    }
    if (in.remaining() != 0) return fail(Error::Malformed);
    return token;
}

Result<ConnectToken> ConnectToken::load(const std::string& path) {
    auto bytes = detail::readFile(path, kMaxTokenFileSize);
    if (!bytes) return fail(bytes.failure());
    auto token = parse(*bytes);
    detail::wipe(*bytes);
    return token;
}

Result<void> ConnectToken::save(const std::string& path) const {
    auto bytes = serialize();
    auto written = detail::writeFileSecret(path, bytes);
    detail::wipe(bytes);
    return written;
}

Result<ConnectToken> issueToken(const Key& serverKey, const TokenParams& params,
                                std::uint64_t nowUnixSeconds) {
    if (auto valid = params.validate(); !valid) return fail(valid.failure());
    if (serverKey.isZero()) return fail(Error::InvalidArgument);
    if (nowUnixSeconds > std::numeric_limits<std::uint64_t>::max() - params.expiresInSeconds) {
        return fail(Error::InvalidArgument);
    }

    ConnectToken token;
    token.version = kTokenVersion;
    token.protocolId = params.protocolId;
    token.createTime = nowUnixSeconds;
    token.expireTime = nowUnixSeconds + params.expiresInSeconds;
    token.timeoutSeconds = params.timeoutSeconds;
    token.servers = params.servers;
    // Loop only guards against a CSPRNG yielding all zeros, which parse() would reject.
    do {
        token.clientToServerKey = Key::generate();
    } while (token.clientToServerKey.isZero());
    do {
        token.serverToClientKey = Key::generate();
    } while (token.serverToClientKey.isZero());
    detail::randomBytes(token.nonce);

    TokenPrivate priv;
    priv.playerId = params.playerId;
    priv.timeoutSeconds = params.timeoutSeconds;
    priv.clientToServerKey = token.clientToServerKey;
    priv.serverToClientKey = token.serverToClientKey;
    priv.servers = params.servers;
    priv.userData = params.userData;

    std::array<std::uint8_t, kPrivatePlainSize> plain{};
    encodePrivate(priv, plain);
    const auto ad = additionalData(token.version, token.protocolId, token.expireTime);
    detail::xSeal(token.sealedPrivate, plain, ad, token.nonce, serverKey.data());
    detail::wipe(plain);
    return token;
}

std::uint64_t unixNow() noexcept {
    const auto sinceEpoch = std::chrono::system_clock::now().time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(sinceEpoch).count();
    return seconds < 0 ? 0 : static_cast<std::uint64_t>(seconds);
}

Result<TokenPrivate> openToken(const Key& serverKey, std::uint32_t version, std::uint64_t protocolId,
                               std::uint64_t expireTime,
                               std::span<const std::uint8_t, kTokenNonceSize> nonce,
                               std::span<const std::uint8_t, kTokenPrivateSealedSize> sealed) {
    const auto ad = additionalData(version, protocolId, expireTime);
    std::array<std::uint8_t, kPrivatePlainSize> plain{};
    if (!detail::xOpen(plain, sealed, ad, nonce, serverKey.data())) {
        detail::wipe(plain);
        return fail(Error::DecryptFailed);
    }
    auto priv = decodePrivate(plain);
    detail::wipe(plain);
    return priv;
}

}  // namespace tickwire::net
