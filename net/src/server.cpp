#include "crypto_internal.hpp"
#include "endpoint_internal.hpp"
#include "handshake_internal.hpp"

#include <tickwire/net/transport.hpp>

#include <algorithm>
#include <map>
#include <unordered_map>

namespace tickwire::net {

using namespace detail;

namespace {

using TokenTag = std::array<std::uint8_t, kMacSize>;

// The sealed private part's MAC identifies a token without opening it.
TokenTag tagOf(const Request& r) {
    TokenTag tag{};
    std::copy(r.sealed.end() - kMacSize, r.sealed.end(), tag.begin());
    return tag;
}

struct Pending {
    TokenPrivate token;
    TokenTag tag{};
    Cookie cookie{};
    bool allowed = false;  // echoed the cookie: may complete an ENet connect
    std::uint64_t createdMs = 0;
};

struct TokenUse {
    Address from;
    std::uint64_t expireTime = 0;
};

}  // namespace

struct Server::Impl final : Endpoint {
    explicit Impl(ServerConfig c) : Endpoint(c.log), config(std::move(c)) {}

    ServerConfig config;
    std::vector<Address> publicAddresses;
    std::uint64_t nextClientId = 1;
    std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections;
    std::unordered_map<std::uint64_t, ClientId> byTokenClientId;  // connected only
    // Every connected address, with when a datagram last came from it (any datagram:
    // ENet's pings count), for the silence timeout.
    std::unordered_map<Address, std::uint64_t, AddressHash> connectedAddresses;
    std::unordered_map<Address, Pending, AddressHash> pending;
    std::map<TokenTag, TokenUse> tokenUses;
    std::unordered_map<std::uint64_t, DisconnectReason> localReasons;  // we started these disconnects
    std::uint64_t lastPruneMs = 0;

    void reject(Rejection why) { ++stats_.rejected[static_cast<std::size_t>(why)]; }

    void deny(const Address& to, Rejection why, const TokenPrivate& token) {
        reject(why);
        // Sealed under the token's key so a spoofed denial cannot cut a client off; it is
        // smaller than the request that caused it.
        sendRaw(to, writeDenied(why, token.serverToClientKey, config.protocolId));
    }

    bool intercept(const Address& from, std::span<const std::uint8_t> bytes) override {
        if (const auto type = handshakeType(bytes)) {
            if (connectedAddresses.count(from) == 0) {
                if (*type == HandshakeType::Request) onRequest(from, bytes);
                else if (*type == HandshakeType::Response) onResponse(from, bytes);
                else reject(Rejection::Malformed);
            }
            return true;
        }
        if (auto it = connectedAddresses.find(from); it != connectedAddresses.end()) {
            it->second = nowMs();
            return false;
        }
        const auto it = pending.find(from);
        if (it != pending.end() && it->second.allowed) return false;
        reject(Rejection::NoToken);
        return true;
    }

    std::size_t allowedCount() const {
        return static_cast<std::size_t>(
            std::count_if(pending.begin(), pending.end(), [](const auto& p) { return p.second.allowed; }));
    }

    void onRequest(const Address& from, std::span<const std::uint8_t> bytes) {
        const auto request = readRequest(bytes);
        if (!request || request->version != kTokenVersion || request->protocolId != config.protocolId) {
            reject(Rejection::Malformed);
            return;
        }
        const TokenTag tag = tagOf(*request);
        if (auto it = pending.find(from); it != pending.end() && it->second.tag == tag) {
            // A resent request: answer again with the same cookie.
            sendRaw(from, writeChallenge(it->second.cookie, it->second.token.serverToClientKey, config.protocolId));
            return;
        }
        if (request->expireTime <= unixNow()) {
            reject(Rejection::Expired);
            return;
        }
        auto token = openToken(config.key, request->version, request->protocolId, request->expireTime,
                               request->nonce, request->sealed);
        if (!token) {
            reject(token.error() == Error::DecryptFailed ? Rejection::WrongKey : Rejection::Malformed);
            return;
        }
        const bool namesUs = std::any_of(token->servers.begin(), token->servers.end(), [&](const Address& a) {
            return std::find(publicAddresses.begin(), publicAddresses.end(), a) != publicAddresses.end();
        });
        if (!namesUs) {
            deny(from, Rejection::WrongServer, *token);
            return;
        }
        if (auto use = tokenUses.find(tag); use != tokenUses.end() && use->second.from != from) {
            deny(from, Rejection::TokenReused, *token);
            return;
        }
        if (config.duplicateClients == DuplicateClientPolicy::Reject &&
            byTokenClientId.count(token->clientId) != 0) {
            deny(from, Rejection::ClientIdInUse, *token);
            return;
        }
        if (pending.size() >= config.maxPending || tokenUses.size() >= config.maxRememberedTokens) {
            deny(from, Rejection::PendingLimit, *token);
            return;
        }
        if (connections.size() + allowedCount() >= config.maxClients) {
            deny(from, Rejection::ServerFull, *token);
            return;
        }
        Pending entry;
        entry.tag = tag;
        entry.createdMs = nowMs();
        randomBytes(entry.cookie);
        entry.token = std::move(*token);
        tokenUses[tag] = TokenUse{from, request->expireTime};
        sendRaw(from, writeChallenge(entry.cookie, entry.token.serverToClientKey, config.protocolId));
        pending[from] = std::move(entry);
    }

    void onResponse(const Address& from, std::span<const std::uint8_t> bytes) {
        const auto cookie = readResponse(bytes);
        if (!cookie) {
            reject(Rejection::Malformed);
            return;
        }
        const auto it = pending.find(from);
        if (it == pending.end() || !constantTimeEqual(it->second.cookie, *cookie)) {
            reject(Rejection::BadCookie);
            return;
        }
        if (!it->second.allowed) {
            if (connections.size() + allowedCount() >= config.maxClients) {
                deny(from, Rejection::ServerFull, it->second.token);
                pending.erase(it);
                return;
            }
            it->second.allowed = true;
        }
    }

    void onConnect(ENetPeer* peer) {
        const Address from = fromEnet(peer->address);
        const auto it = pending.find(from);
        if (it == pending.end() || !it->second.allowed) {
            enet_peer_reset(peer);  // cannot happen: the intercept lets only allowed addresses through
            return;
        }
        Pending entry = std::move(it->second);
        pending.erase(it);
        if (auto old = byTokenClientId.find(entry.token.clientId); old != byTokenClientId.end()) {
            if (config.duplicateClients == DuplicateClientPolicy::Reject) {
                reject(Rejection::ClientIdInUse);
                enet_peer_disconnect(peer, static_cast<std::uint32_t>(DisconnectReason::Denied));
                return;
            }
            (void)disconnect(old->second, DisconnectReason::Replaced);
            byTokenClientId.erase(old);
        }
        const ClientId id{nextClientId++};
        auto conn = std::make_unique<Connection>(id, entry.token.clientId, peer, entry.token.serverToClientKey,
                                                 entry.token.clientToServerKey, config.protocolId, config.limits);
        peer->data = conn.get();
        applyTimeout(peer, entry.token.timeoutSeconds);
        conn->setTimeoutMs(entry.token.timeoutSeconds * 1000u);
        connections[id.value] = std::move(conn);
        byTokenClientId[entry.token.clientId] = id;
        connectedAddresses[from] = nowMs();
        ++stats_.connected;
        Event ev;
        ev.type = Event::Type::Connected;
        ev.client = id;
        ev.tokenClientId = entry.token.clientId;
        pushEvent(std::move(ev));
        log(LogLevel::Info, "client " + std::to_string(entry.token.clientId) + " connected from " + from.toString());
    }

    void onDisconnect(ENetPeer* peer, std::uint32_t data) {
        auto* conn = static_cast<Connection*>(peer->data);
        peer->data = nullptr;
        if (conn != nullptr) forget(*conn, fromEnet(peer->address), reasonFromEnet(data));
    }

    // Reports and destroys a connection whose ENet peer is already reset (so ENet holds
    // none of its packets any more).
    void forget(Connection& conn, const Address& from, DisconnectReason reason) {
        const ClientId id = conn.id();
        if (auto local = localReasons.find(id.value); local != localReasons.end()) {
            reason = local->second;
            localReasons.erase(local);
        }
        connectedAddresses.erase(from);
        if (auto idx = byTokenClientId.find(conn.tokenClientId()); idx != byTokenClientId.end() && idx->second == id) {
            byTokenClientId.erase(idx);
        }
        Event ev;
        ev.type = Event::Type::Disconnected;
        ev.client = id;
        ev.tokenClientId = conn.tokenClientId();
        ev.reason = reason;
        pushEvent(std::move(ev));
        ++stats_.disconnected;
        log(LogLevel::Info, "client " + std::to_string(conn.tokenClientId()) + " disconnected: " +
                                std::string(describe(reason)));
        connections.erase(id.value);
    }

    void onReceive(ENetEvent& ev) {
        auto* conn = static_cast<Connection*>(ev.peer->data);
        if (conn != nullptr) {
            if (ev.channelID >= kChannelCount) {
                conn->countDrop(Drop::Malformed, stats_);
            } else {
                conn->receive(static_cast<Channel>(ev.channelID), ev.packet, events_, maxEvents_, stats_);
            }
        }
        enet_packet_destroy(ev.packet);
    }

    void service(std::uint32_t timeoutMs) {
        ENetEvent ev;
        int got = enet_host_service(host_.get(), &ev, timeoutMs);
        while (got > 0) {
            switch (ev.type) {
                case ENET_EVENT_TYPE_CONNECT: onConnect(ev.peer); break;
                case ENET_EVENT_TYPE_RECEIVE: onReceive(ev); break;
                case ENET_EVENT_TYPE_DISCONNECT: onDisconnect(ev.peer, ev.data); break;
                case ENET_EVENT_TYPE_NONE: break;
            }
            got = enet_host_service(host_.get(), &ev, 0);
        }
    }

    void prune() {
        const std::uint64_t now = nowMs();
        if (now - lastPruneMs < 250) return;
        lastPruneMs = now;
        std::erase_if(pending, [&](const auto& p) { return now - p.second.createdMs > config.handshakeTimeoutMs; });
        const std::uint64_t unix = unixNow();
        std::erase_if(tokenUses, [&](const auto& t) { return t.second.expireTime <= unix; });
        for (auto& [id, conn] : connections) conn->tickRates(now);
        dropSilent(now);
    }

    // A client that sent nothing at all (not even ENet's keep-alive pings, every 500 ms)
    // for its token's timeout is gone: dropped here at that time, not whenever ENet's
    // retransmission backoff next looks.
    void dropSilent(std::uint64_t now) {
        std::vector<Connection*> silent;
        for (auto& [id, conn] : connections) {
            ENetPeer* peer = conn->peer();
            if (peer == nullptr) continue;
            const auto heard = connectedAddresses.find(fromEnet(peer->address));
            if (heard != connectedAddresses.end() && now - heard->second > conn->timeoutMs()) {
                silent.push_back(conn.get());
            }
        }
        for (Connection* conn : silent) {
            ENetPeer* peer = conn->peer();
            const Address from = fromEnet(peer->address);
            peer->data = nullptr;
            enet_peer_disconnect_now(peer, static_cast<std::uint32_t>(DisconnectReason::Timeout));
            localReasons.erase(conn->id().value);
            forget(*conn, from, DisconnectReason::Timeout);
        }
    }

    Result<void> disconnect(ClientId client, DisconnectReason reason) {
        const auto it = connections.find(client.value);
        if (it == connections.end() || it->second->peer() == nullptr) return fail(Error::NotConnected);
        it->second->flush(stats_, /*everything=*/true);
        localReasons[client.value] = reason;
        enet_peer_disconnect_later(it->second->peer(), static_cast<std::uint32_t>(reason));
        return {};
    }

    void flush() {
        for (auto& [id, conn] : connections) conn->flush(stats_);
        enet_host_flush(host_.get());
        accountTraffic();
    }
};

Result<void> ServerConfig::validate(std::string* why) const {
    auto bad = [&](const char* text) -> Result<void> {
        if (why) *why = text;
        if (log) log(LogLevel::Error, std::string("server config: ") + text);
        return fail(Error::InvalidConfig);
    };
    if (key.isZero()) return bad("key is missing (all zero)");
    if (maxClients < 1 || maxClients > 4095) return bad("maxClients must be 1..4095 (ENet's peer limit)");
    if (maxPending < 1 || maxPending > 65536) return bad("maxPending must be 1..65536");
    if (handshakeTimeoutMs < 100 || handshakeTimeoutMs > 60000) return bad("handshakeTimeoutMs must be 100..60000");
    if (maxRememberedTokens < 1 || maxRememberedTokens > (1u << 24)) return bad("maxRememberedTokens must be 1..16777216");
    std::string limitsWhy;
    if (!limits.validate(&limitsWhy)) return bad(limitsWhy.c_str());
    return {};
}

Result<std::unique_ptr<Server>> Server::create(ServerConfig config) {
    if (auto ok = config.validate(); !ok) return fail(ok.error());
    auto impl = std::make_unique<Impl>(std::move(config));
    const ENetAddress bind = toEnet(impl->config.bind);
    // Slack for peers that are still leaving (e.g. replaced) while new ones arrive.
    const std::size_t peers = std::min<std::size_t>(4095, impl->config.maxClients + impl->config.maxClients / 4 + 4);
    if (!impl->createHost(&bind, peers, impl->config.limits.maxReliableMessage + 64)) {
        return fail(Error::HostCreateFailed);
    }
    impl->maxEvents_ = impl->config.limits.maxReceiveEvents;
    impl->publicAddresses = impl->config.publicAddresses;
    if (impl->publicAddresses.empty()) {
        Address bound = fromEnet(impl->host_->address);
        if (bound.ipv4 == 0) {
            bound.ipv4 = Address::loopback(0).ipv4;
            impl->log(LogLevel::Warn, "bound to all interfaces without publicAddresses: only tokens naming " +
                                          bound.toString() + " are accepted");
        }
        impl->publicAddresses.push_back(bound);
    }
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
    if (impl_) impl_->host_.reset();  // frees ENet's packets while their connections still exist
}

void Server::update(std::uint32_t timeoutMs) {
    impl_->flush();
    impl_->service(timeoutMs);
    impl_->prune();
    impl_->accountTraffic();
}

std::optional<Event> Server::poll() { return impl_->pollEvent(); }

Result<void> Server::send(ClientId client, Channel channel, std::span<const std::uint8_t> bytes) {
    const auto it = impl_->connections.find(client.value);
    if (it == impl_->connections.end() || impl_->localReasons.count(client.value) != 0) {
        return fail(Error::NotConnected);
    }
    return it->second->queue(channel, bytes, impl_->stats_);
}

std::size_t Server::broadcast(Channel channel, std::span<const std::uint8_t> bytes) {
    std::size_t accepted = 0;
    for (auto& [id, conn] : impl_->connections) {
        if (impl_->localReasons.count(id) == 0 && conn->queue(channel, bytes, impl_->stats_)) ++accepted;
    }
    return accepted;
}

void Server::flush() { impl_->flush(); }

Result<void> Server::disconnect(ClientId client, DisconnectReason reason) { return impl_->disconnect(client, reason); }

void Server::shutdown(DisconnectReason reason, std::uint32_t waitMs) {
    std::vector<ClientId> ids = clients();
    for (const ClientId id : ids) (void)impl_->disconnect(id, reason);
    impl_->flush();  // the goodbye leaves at least once, even with no time to wait
    const std::uint64_t deadline = nowMs() + waitMs;
    while (!impl_->connections.empty() && nowMs() < deadline) {
        impl_->flush();
        impl_->service(10);
    }
    // Whoever did not answer in time is dropped now, with the same reason.
    while (!impl_->connections.empty()) {
        Connection& conn = *impl_->connections.begin()->second;
        ENetPeer* peer = conn.peer();
        Address from;
        if (peer != nullptr) {
            from = fromEnet(peer->address);
            peer->data = nullptr;
            enet_peer_disconnect_now(peer, static_cast<std::uint32_t>(reason));
        }
        impl_->forget(conn, from, reason);
    }
    impl_->accountTraffic();
}

Address Server::address() const noexcept { return fromEnet(impl_->host_->address); }
std::size_t Server::connectedCount() const noexcept {
    // Connections we are already disconnecting do not count.
    return impl_->connections.size() - impl_->localReasons.size();
}

std::vector<ClientId> Server::clients() const {
    std::vector<ClientId> ids;
    ids.reserve(impl_->connections.size());
    for (const auto& [id, conn] : impl_->connections) {
        if (impl_->localReasons.count(id) == 0) ids.push_back(conn->id());
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

Result<ConnectionStats> Server::stats(ClientId client) const {
    const auto it = impl_->connections.find(client.value);
    if (it == impl_->connections.end()) return fail(Error::NotConnected);
    return it->second->stats();
}

const HostStats& Server::hostStats() const noexcept { return impl_->stats_; }

}  // namespace tickwire::net
