#include "handshake.hpp"

#include <tickwire/net/detail/wire.hpp>

#include "crypto_internal.hpp"

#include <cstring>

namespace tickwire::net::detail {

namespace {

constexpr std::uint8_t kMagic[3] = {'T', 'W', 'H'};

void putHeader(Writer& out, HandshakeType type) noexcept {
    out.put(std::span<const std::uint8_t>(kMagic, 3));
    out.put(static_cast<std::uint8_t>(type));
}

// Additional data of the server's sealed replies: header, protocol id and the client's
// nonce, so that a reply opens only for the attempt it answers.
std::array<std::uint8_t, kHandshakeHeaderSize + 8 + kAttemptNonceSize> replyAd(HandshakeType type,
                                                                                std::uint64_t protocolId,
                                                                                const AttemptNonce& clientNonce) noexcept {
    std::array<std::uint8_t, kHandshakeHeaderSize + 8 + kAttemptNonceSize> ad{};
    Writer out(ad);
    putHeader(out, type);
    out.put(protocolId);
    out.put(clientNonce);
    return ad;
}

std::vector<std::uint8_t> writeSealedReply(HandshakeType type, std::span<const std::uint8_t> plain, const Key& key,
                                           std::uint64_t protocolId, const AttemptNonce& clientNonce) {
    std::vector<std::uint8_t> out(kHandshakeHeaderSize + kXNonceSize + plain.size() + kMacSize);
    Writer header(out);
    putHeader(header, type);
    std::span<std::uint8_t, kXNonceSize> nonce(out.data() + kHandshakeHeaderSize, kXNonceSize);
    randomBytes(nonce);
    const auto ad = replyAd(type, protocolId, clientNonce);
    xSeal(std::span(out).subspan(kHandshakeHeaderSize + kXNonceSize), plain, ad, nonce, key.data());
    return out;
}

Result<void> readSealedReply(HandshakeType type, std::span<const std::uint8_t> bytes, std::span<std::uint8_t> plain,
                             const Key& key, std::uint64_t protocolId, const AttemptNonce& clientNonce) {
    if (bytes.size() != kHandshakeHeaderSize + kXNonceSize + plain.size() + kMacSize || handshakeType(bytes) != type) {
        return fail(Error::Malformed);
    }
    std::span<const std::uint8_t, kXNonceSize> nonce(bytes.data() + kHandshakeHeaderSize, kXNonceSize);
    const auto ad = replyAd(type, protocolId, clientNonce);
    if (!xOpen(plain, bytes.subspan(kHandshakeHeaderSize + kXNonceSize), ad, nonce, key.data())) {
        return fail(Error::DecryptFailed);
    }
    return {};
}

void putTokenFields(Writer& out, const ConnectToken& token) noexcept {
    out.put(token.version);
    out.put(token.protocolId);
    out.put(token.expireTime);
    out.put(token.nonce);
    out.put(token.sealedPrivate);
}

// Fixed sizes are checked by the callers, so every get below succeeds.
void getRequestBody(Reader& in, Request& r) noexcept {
    (void)in.get(r.version);
    (void)in.get(r.protocolId);
    (void)in.get(r.expireTime);
    (void)in.get(r.tokenNonce);
    (void)in.get(r.sealed);
    (void)in.get(r.clientNonce);
}

void putCookie(Writer& out, const Cookie& cookie) noexcept {
    out.put(cookie.serverNonce);
    out.put(cookie.timeMs);
    out.put(cookie.mac);
}

void getCookie(Reader& in, Cookie& cookie) noexcept {
    (void)in.get(cookie.serverNonce);
    (void)in.get(cookie.timeMs);
    (void)in.get(cookie.mac);
}

// Fixed-length ASCII labels keep the three derivations apart.
constexpr std::array<std::uint8_t, 12> label(const char (&text)[13]) noexcept {
    std::array<std::uint8_t, 12> out{};
    for (std::size_t i = 0; i < 12; ++i) out[i] = static_cast<std::uint8_t>(text[i]);
    return out;
}
constexpr auto kLabelClientToServer = label("tickwire c2s");
constexpr auto kLabelServerToClient = label("tickwire s2c");
constexpr auto kLabelConnectId = label("tickwire cid");
constexpr auto kLabelCookie = label("tickwire ck1");

}  // namespace

TokenTag Request::tokenTag() const noexcept {
    TokenTag tag{};
    std::copy(sealed.end() - static_cast<std::ptrdiff_t>(tag.size()), sealed.end(), tag.begin());
    return tag;
}

std::optional<HandshakeType> handshakeType(std::span<const std::uint8_t> bytes) noexcept {
    if (bytes.size() < kHandshakeHeaderSize || std::memcmp(bytes.data(), kMagic, 3) != 0) return std::nullopt;
    const std::uint8_t t = bytes[3];
    if (t < 1 || t > 4) return std::nullopt;
    return static_cast<HandshakeType>(t);
}

std::vector<std::uint8_t> writeRequest(const ConnectToken& token, const AttemptNonce& clientNonce) {
    std::vector<std::uint8_t> out(kRequestSize);
    Writer w(out);
    putHeader(w, HandshakeType::Request);
    putTokenFields(w, token);
    w.put(clientNonce);
    return out;
}

Result<Request> readRequest(std::span<const std::uint8_t> bytes) {
    if (bytes.size() != kRequestSize || handshakeType(bytes) != HandshakeType::Request) return fail(Error::Malformed);
    Request r;
    Reader in(bytes.subspan(kHandshakeHeaderSize));
    getRequestBody(in, r);
    return r;
}

std::vector<std::uint8_t> writeChallenge(const Cookie& cookie, const Key& serverToClient, std::uint64_t protocolId,
                                         const AttemptNonce& clientNonce) {
    std::array<std::uint8_t, kCookieSize> plain{};
    Writer w(plain);
    putCookie(w, cookie);
    return writeSealedReply(HandshakeType::Challenge, plain, serverToClient, protocolId, clientNonce);
}

Result<Cookie> readChallenge(std::span<const std::uint8_t> bytes, const Key& serverToClient, std::uint64_t protocolId,
                             const AttemptNonce& clientNonce) {
    std::array<std::uint8_t, kCookieSize> plain{};
    if (auto ok = readSealedReply(HandshakeType::Challenge, bytes, plain, serverToClient, protocolId, clientNonce); !ok) {
        return fail(ok.failure());
    }
    Cookie cookie;
    Reader in(plain);
    getCookie(in, cookie);
    return cookie;
}

std::vector<std::uint8_t> writeResponse(const ConnectToken& token, const AttemptNonce& clientNonce,
                                        const Cookie& cookie) {
    std::vector<std::uint8_t> out(kResponseSize);
    Writer w(out);
    putHeader(w, HandshakeType::Response);
    putTokenFields(w, token);
    w.put(clientNonce);
    putCookie(w, cookie);
    return out;
}

Result<Response> readResponse(std::span<const std::uint8_t> bytes) {
    if (bytes.size() != kResponseSize || handshakeType(bytes) != HandshakeType::Response) return fail(Error::Malformed);
    Response r;
    Reader in(bytes.subspan(kHandshakeHeaderSize));
    getRequestBody(in, r.request);
    getCookie(in, r.cookie);
    return r;
}

std::vector<std::uint8_t> writeDenied(Rejection why, const Key& serverToClient, std::uint64_t protocolId,
                                      const AttemptNonce& clientNonce) {
    const std::uint8_t reason = static_cast<std::uint8_t>(why);
    return writeSealedReply(HandshakeType::Denied, std::span(&reason, 1), serverToClient, protocolId, clientNonce);
}

Result<Rejection> readDenied(std::span<const std::uint8_t> bytes, const Key& serverToClient, std::uint64_t protocolId,
                             const AttemptNonce& clientNonce) {
    std::uint8_t reason = 0;
    if (auto ok = readSealedReply(HandshakeType::Denied, bytes, std::span(&reason, 1), serverToClient, protocolId,
                                  clientNonce);
        !ok) {
        return fail(ok.failure());
    }
    if (reason >= kRejectionCount) return fail(Error::Malformed);
    return static_cast<Rejection>(reason);
}

std::array<std::uint8_t, kCookieMacSize> cookieMac(const Key& secret, const Address& client, const TokenTag& tag,
                                                   const AttemptNonce& clientNonce, const AttemptNonce& serverNonce,
                                                   std::uint64_t timeMs) noexcept {
    std::array<std::uint8_t, 4 + 2 + 8> fixed{};
    Writer w(fixed);
    w.put(client.ipv4);
    w.put(client.port);
    w.put(timeMs);
    std::array<std::uint8_t, kCookieMacSize> mac{};
    keyedHash(mac, secret.data(), {kLabelCookie, fixed, tag, clientNonce, serverNonce});
    return mac;
}

SessionKeys deriveSessionKeys(const Key& clientToServer, const Key& serverToClient, std::uint64_t protocolId,
                              const AttemptNonce& clientNonce, const AttemptNonce& serverNonce, bool forServer) {
    std::array<std::uint8_t, 8> protocol{};
    Writer(protocol).put(protocolId);
    std::array<std::uint8_t, Key::kSize> c2s{};
    std::array<std::uint8_t, Key::kSize> s2c{};
    std::array<std::uint8_t, 16> cid{};
    keyedHash(c2s, clientToServer.data(), {kLabelClientToServer, protocol, clientNonce, serverNonce});
    keyedHash(s2c, serverToClient.data(), {kLabelServerToClient, protocol, clientNonce, serverNonce});
    keyedHash(cid, serverToClient.data(), {kLabelConnectId, protocol, clientNonce, serverNonce});
    SessionKeys keys;
    keys.send = *Key::fromBytes(forServer ? s2c : c2s);
    keys.receive = *Key::fromBytes(forServer ? c2s : s2c);
    (void)Reader(cid).get(keys.connectId);
    if (keys.connectId == 0) keys.connectId = 1;
    wipe(c2s);
    wipe(s2c);
    return keys;
}

}  // namespace tickwire::net::detail
