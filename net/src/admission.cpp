#include "admission.hpp"

#include "crypto_internal.hpp"

#include <algorithm>

namespace tickwire::net::detail {

namespace {

bool headerMatches(const Request& r, std::uint64_t protocolId) noexcept {
    return r.version == kTokenVersion && r.protocolId == protocolId;
}

}  // namespace

Admission::Admission(AdmissionConfig config, std::array<std::uint64_t, kRejectionCount>& rejected)
    : config_(std::move(config)), rejected_(rejected), cookieSecret_(Key::generate()) {}

std::vector<std::uint8_t> Admission::onHandshake(const Address& from, std::span<const std::uint8_t> bytes,
                                                 std::uint64_t nowMs, std::uint64_t unixSeconds) {
    const auto type = handshakeType(bytes);
    if (type == HandshakeType::Request) return onRequest(from, bytes, nowMs, unixSeconds);
    if (type == HandshakeType::Response) return onResponse(from, bytes, nowMs, unixSeconds);
    count(Rejection::Malformed);  // a server never receives CHALLENGE or DENIED
    return {};
}

bool Admission::namesUs(const TokenPrivate& token) const {
    return std::any_of(token.servers.begin(), token.servers.end(), [&](const Address& a) {
        return std::find(config_.publicAddresses.begin(), config_.publicAddresses.end(), a) !=
               config_.publicAddresses.end();
    });
}

std::optional<Rejection> Admission::refuse(const Address& from, const Request& request,
                                           const TokenPrivate& token) const {
    if (!namesUs(token)) return Rejection::WrongServer;
    if (auto use = tokenUses_.find(request.tokenTag()); use != tokenUses_.end() && use->second.from != from) {
        return Rejection::TokenReused;
    }
    if (config_.duplicatePlayers == DuplicatePlayerPolicy::Reject && playerConnected(token.playerId)) {
        return Rejection::PlayerAlreadyConnected;
    }
    // An entry this address already holds (an earlier attempt with the same token) is
    // replaced, so it does not count against the limits.
    const std::size_t own = allowed_.count(from);
    const std::size_t pending = allowed_.size() - own;
    if (pending >= config_.maxPending || tokenUses_.size() >= config_.maxRememberedTokens ||
        usedCookies_.size() >= config_.maxRememberedTokens) {
        return Rejection::PendingLimit;
    }
    if (connected_.size() + pending >= config_.maxClients) return Rejection::ServerFull;
    return std::nullopt;
}

std::vector<std::uint8_t> Admission::deny(Rejection why, const TokenPrivate& token, const AttemptNonce& clientNonce) {
    count(why);
    // Sealed under the token's key and bound to the client's nonce, so that nobody else can
    // make one and it cannot end another attempt; smaller than what it answers.
    return writeDenied(why, token.serverToClientKey, config_.protocolId, clientNonce);
}

std::vector<std::uint8_t> Admission::onRequest(const Address& from, std::span<const std::uint8_t> bytes,
                                               std::uint64_t nowMs, std::uint64_t unixSeconds) {
    const auto request = readRequest(bytes);
    if (!request || !headerMatches(*request, config_.protocolId)) {
        count(Rejection::Malformed);
        return {};
    }
    // A connected address, or one that passed the handshake with another token, keeps what
    // it has: nobody spoofing it can start over in its name.
    if (const auto live = connected_.find(from); live != connected_.end()) {
        // A late resend of the request that led to this connection is not an attack.
        if (live->second.clientNonce != request->clientNonce) count(Rejection::AddressInUse);
        return {};
    }
    if (const auto it = allowed_.find(from); it != allowed_.end() && it->second.tag != request->tokenTag()) {
        count(Rejection::AddressInUse);
        return {};
    }
    if (request->expireTime <= unixSeconds) {
        count(Rejection::Expired);
        return {};
    }
    auto token = openToken(config_.key, request->version, request->protocolId, request->expireTime,
                           request->tokenNonce, request->sealed);
    if (!token) {
        count(token.error() == Error::DecryptFailed ? Rejection::WrongKey : Rejection::Malformed);
        return {};
    }
    if (auto why = refuse(from, *request, *token)) return deny(*why, *token, request->clientNonce);
    Cookie cookie;
    randomBytes(cookie.serverNonce);
    cookie.timeMs = nowMs;
    cookie.mac = cookieMac(cookieSecret_, from, request->tokenTag(), request->clientNonce, cookie.serverNonce, nowMs);
    return writeChallenge(cookie, token->serverToClientKey, config_.protocolId, request->clientNonce);
}

std::vector<std::uint8_t> Admission::onResponse(const Address& from, std::span<const std::uint8_t> bytes,
                                                std::uint64_t nowMs, std::uint64_t unixSeconds) {
    const auto response = readResponse(bytes);
    if (!response || !headerMatches(response->request, config_.protocolId)) {
        count(Rejection::Malformed);
        return {};
    }
    const Request& request = response->request;
    const Cookie& cookie = response->cookie;
    if (const auto live = connected_.find(from); live != connected_.end()) {
        if (live->second.serverNonce != cookie.serverNonce) count(Rejection::AddressInUse);
        return {};
    }
    const bool fresh = cookie.timeMs <= nowMs && nowMs - cookie.timeMs <= config_.handshakeTimeoutMs;
    const auto expected = cookieMac(cookieSecret_, from, request.tokenTag(), request.clientNonce, cookie.serverNonce,
                                    cookie.timeMs);
    if (!fresh || !constantTimeEqual(expected, cookie.mac)) {
        count(Rejection::BadCookie);
        return {};
    }
    const auto existing = allowed_.find(from);
    if (existing != allowed_.end() && existing->second.serverNonce == cookie.serverNonce) {
        return {};  // the client resends its RESPONSE until ENet connects: already allowed
    }
    if (usedCookies_.count(cookie.serverNonce) != 0) {
        count(Rejection::BadCookie);  // replayed: that attempt was allowed once already
        return {};
    }
    if (existing != allowed_.end() && existing->second.tag != request.tokenTag()) {
        count(Rejection::AddressInUse);
        return {};
    }
    if (request.expireTime <= unixSeconds) {
        count(Rejection::Expired);
        return {};
    }
    auto token = openToken(config_.key, request.version, request.protocolId, request.expireTime, request.tokenNonce,
                           request.sealed);
    if (!token) {
        count(token.error() == Error::DecryptFailed ? Rejection::WrongKey : Rejection::Malformed);
        return {};
    }
    if (auto why = refuse(from, request, *token)) return deny(*why, *token, request.clientNonce);
    const SessionKeys keys = deriveSessionKeys(token->clientToServerKey, token->serverToClientKey,
                                               config_.protocolId, request.clientNonce, cookie.serverNonce,
                                               /*forServer=*/true);
    // Sends are routed to their keys by connect id: two live connections may not share one.
    if (connectIds_.count(keys.connectId) != 0 ||
        (linkFor(keys.connectId) != nullptr &&
         (existing == allowed_.end() || existing->second.link->connectId() != keys.connectId))) {
        return deny(Rejection::PendingLimit, *token, request.clientNonce);
    }
    Allowed entry;
    entry.tag = request.tokenTag();
    entry.clientNonce = request.clientNonce;
    entry.serverNonce = cookie.serverNonce;
    entry.link = std::make_unique<SealedLink>(keys);
    entry.sinceMs = nowMs;
    entry.lastHeardMs = nowMs;
    tokenUses_[entry.tag] = TokenUse{from, request.expireTime};
    usedCookies_[cookie.serverNonce] = cookie.timeMs;
    entry.token = std::move(*token);
    allowed_[from] = std::move(entry);
    return {};
}

Allowed* Admission::allowed(const Address& from) {
    const auto it = allowed_.find(from);
    return it == allowed_.end() ? nullptr : &it->second;
}

SealedLink* Admission::linkFor(std::uint32_t connectId) {
    for (auto& [address, entry] : allowed_) {
        if (entry.link->connectId() == connectId) return entry.link.get();
    }
    return nullptr;
}

std::optional<Allowed> Admission::take(const Address& from) {
    const auto it = allowed_.find(from);
    if (it == allowed_.end()) return std::nullopt;
    Allowed entry = std::move(it->second);
    allowed_.erase(it);
    return entry;
}

void Admission::connected(const Address& from, std::uint64_t playerId, const Allowed& entry) {
    connected_[from] = Live{entry.link->connectId(), entry.clientNonce, entry.serverNonce};
    ++playerConnections_[playerId];
    connectIds_.insert(entry.link->connectId());
}

void Admission::disconnected(const Address& from, std::uint64_t playerId, std::uint32_t connectId) {
    if (const auto it = connected_.find(from); it != connected_.end() && it->second.connectId == connectId) {
        connected_.erase(it);
    }
    if (const auto it = playerConnections_.find(playerId); it != playerConnections_.end() && --it->second == 0) playerConnections_.erase(it);
    connectIds_.erase(connectId);
}

std::vector<Address> Admission::prune(std::uint64_t nowMs, std::uint64_t unixSeconds) {
    std::vector<Address> forgotten;
    for (auto it = allowed_.begin(); it != allowed_.end();) {
        // Forgotten once the client has fallen silent for the handshake timeout, as long as
        // ENet's CONNECT / VERIFY_CONNECT exchange keeps it talking, though never after four
        // timeouts: a peer whose VERIFY_CONNECT was lost a few times must not be dropped
        // while its client already counts itself connected.
        const Allowed& a = it->second;
        if (nowMs > a.lastHeardMs + config_.handshakeTimeoutMs || nowMs > a.sinceMs + 4 * config_.handshakeTimeoutMs) {
            forgotten.push_back(it->first);
            it = allowed_.erase(it);
        } else {
            ++it;
        }
    }
    std::erase_if(tokenUses_, [&](const auto& use) { return use.second.expireTime <= unixSeconds; });
    std::erase_if(usedCookies_, [&](const auto& used) { return nowMs > used.second + config_.handshakeTimeoutMs; });
    return forgotten;
}

}  // namespace tickwire::net::detail
