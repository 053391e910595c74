#include "admission.hpp"
#include "connection.hpp"
#include "host.hpp"

#include <tickwire/net/transport.hpp>

#include <algorithm>
#include <unordered_map>

namespace tickwire::net {

using namespace detail;

namespace {

// The public addresses start empty: a port of 0 and the default address are only known
// once the host is bound (create() sets them).
AdmissionConfig admissionConfig(const ServerConfig& c) {
    return {.key = c.key,
            .protocolId = c.protocolId,
            .publicAddresses = {},
            .maxClients = c.maxClients,
            .maxPending = c.maxPending,
            .handshakeTimeoutMs = c.handshakeTimeoutMs,
            .maxRememberedTokens = c.maxRememberedTokens,
            .duplicatePlayers = c.duplicatePlayers};
}

}  // namespace

struct Server::Impl final : Host {
    explicit Impl(ServerConfig c)
        : Host(c.log, c.clock), config(std::move(c)), admission(admissionConfig(config), stats_.rejected) {}

    ServerConfig config;
    Admission admission;
    std::uint64_t nextClientId = 1;
    std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections;
    std::unordered_map<Address, Connection*, AddressHash> byAddress;
    std::unordered_map<std::uint32_t, Connection*> byConnectId;
    std::unordered_map<std::uint64_t, ConnectionId> byPlayerId;  // connected only
    std::unordered_map<std::uint64_t, DisconnectReason> localReasons;  // we started these disconnects
    std::vector<ConnectionId> overflowed;  // connections to end for ReceiveOverflow after this service
    std::uint64_t now = 0;
    std::uint64_t lastPruneMs = 0;

    std::optional<std::size_t> intercept(const Address& from, std::span<std::uint8_t> datagram,
                                         DatagramHeader& header) override {
        if (handshakeType(datagram)) {
            const auto reply = admission.onHandshake(from, datagram, now, unixSeconds());
            if (!reply.empty()) sendRaw(from, reply);
            return std::nullopt;
        }
        if (const auto it = byAddress.find(from); it != byAddress.end()) {
            Connection& conn = *it->second;
            if (auto why = openDatagram(conn.link(), datagram, header)) {
                conn.countDrop(*why, stats_);
                return std::nullopt;
            }
            if (header.peerId == kNoPeer) {  // only a CONNECT travels without a peer: it has its connection
                conn.countDrop(Drop::BadConnect, stats_);
                return std::nullopt;
            }
            conn.heard(now);
            return datagram.size() - kTagSize;
        }
        if (Allowed* entry = admission.allowed(from)) {
            if (auto why = openDatagram(*entry->link, datagram, header)) {
                ++stats_.dropped[static_cast<std::size_t>(*why)];
                return std::nullopt;
            }
            // The one CONNECT this handshake allows carries the connect id both sides
            // derived; ENet itself ignores a repeat of it while that peer lives.
            const auto plain = datagram.subspan(header.size, datagram.size() - header.size - kTagSize);
            if (header.peerId == kNoPeer && connectIdOfConnect(plain) != entry->link->connectId()) {
                ++stats_.dropped[static_cast<std::size_t>(Drop::BadConnect)];
                return std::nullopt;
            }
            entry->lastHeardMs = now;
            return datagram.size() - kTagSize;
        }
        admission.count(Rejection::NoToken);
        return std::nullopt;
    }

    SealedLink* sendLink(std::uint32_t connectId) override {
        if (const auto it = byConnectId.find(connectId); it != byConnectId.end()) return &it->second->link();
        return admission.linkFor(connectId);
    }

    void onConnect(ENetPeer* peer) {
        const Address from = fromEnet(peer->address);
        Allowed* allowed = admission.allowed(from);
        if (allowed == nullptr || allowed->link->connectId() != peer->connectID) {
            enet_peer_reset(peer);  // cannot happen: the intercept passes only the allowed CONNECT
            return;
        }
        if (auto old = byPlayerId.find(allowed->token.playerId); old != byPlayerId.end()) {
            if (config.duplicatePlayers == DuplicatePlayerPolicy::Reject) {
                // Two attempts by one player raced through the handshake; the first won.
                // The goodbye is sealed with the entry's keys, so it is sent before they go.
                admission.count(Rejection::PlayerAlreadyConnected);
                enet_peer_disconnect_now(peer, static_cast<std::uint32_t>(DisconnectReason::Denied));
                (void)admission.take(from);
                return;
            }
            (void)disconnect(old->second, DisconnectReason::Replaced);
            byPlayerId.erase(old);
        }
        Allowed entry = std::move(*admission.take(from));
        const ConnectionId id{nextClientId++};
        admission.connected(from, entry.token.playerId, entry);
        auto conn = std::make_unique<Connection>(id, entry.token.playerId, peer, std::move(entry.link), config.limits,
                                                 now);
        peer->data = conn.get();
        applyTimeout(peer, entry.token.timeoutSeconds);
        conn->setTimeoutMs(entry.token.timeoutSeconds * 1000u);
        byAddress[from] = conn.get();
        byConnectId[conn->link().connectId()] = conn.get();
        byPlayerId[entry.token.playerId] = id;
        connections[id.value] = std::move(conn);
        ++stats_.connected;
        Event ev;
        ev.type = Event::Type::Connected;
        ev.client = id;
        ev.playerId = entry.token.playerId;
        pushEvent(std::move(ev));
        log(LogLevel::Info, "client " + std::to_string(entry.token.playerId) + " connected from " + from.toString());
    }

    void onDisconnect(ENetPeer* peer, std::uint32_t data) {
        auto* conn = static_cast<Connection*>(peer->data);
        peer->data = nullptr;
        if (conn != nullptr) forget(*conn, fromEnet(peer->address), reasonFromEnet(data));
    }

    // Reports and destroys a connection whose ENet peer is already reset (so ENet holds
    // none of its packets, and sends nothing more that would need its keys).
    void forget(Connection& conn, const Address& from, DisconnectReason reason) {
        const ConnectionId id = conn.id();
        if (auto local = localReasons.find(id.value); local != localReasons.end()) {
            reason = local->second;
            localReasons.erase(local);
        }
        if (auto it = byAddress.find(from); it != byAddress.end() && it->second == &conn) byAddress.erase(it);
        byConnectId.erase(conn.link().connectId());
        admission.disconnected(from, conn.playerId(), conn.link().connectId());
        if (auto idx = byPlayerId.find(conn.playerId()); idx != byPlayerId.end() && idx->second == id) {
            byPlayerId.erase(idx);
        }
        Event ev;
        ev.type = Event::Type::Disconnected;
        ev.client = id;
        ev.playerId = conn.playerId();
        ev.reason = reason;
        pushEvent(std::move(ev));
        ++stats_.disconnected;
        log(LogLevel::Info, "client " + std::to_string(conn.playerId()) + " disconnected: " +
                                std::string(describe(reason)));
        connections.erase(id.value);
    }

    void onReceive(ENetEvent& ev) {
        auto* conn = static_cast<Connection*>(ev.peer->data);
        if (conn != nullptr) {
            if (ev.channelID >= kChannelCount) {
                conn->countDrop(Drop::Malformed, stats_);
            } else {
                const auto got = conn->receive(static_cast<Channel>(ev.channelID),
                                               std::span(ev.packet->data, ev.packet->dataLength), events_, stats_);
                if (got == Received::ReliableOverflow) overflowed.push_back(conn->id());
            }
        }
        enet_packet_destroy(ev.packet);
    }

    void service(std::uint32_t waitMs) {
        ENetEvent ev;
        int got = enet_host_service(host_.get(), &ev, waitMs);
        while (got > 0) {
            switch (ev.type) {
                case ENET_EVENT_TYPE_CONNECT: onConnect(ev.peer); break;
                case ENET_EVENT_TYPE_RECEIVE: onReceive(ev); break;
                case ENET_EVENT_TYPE_DISCONNECT: onDisconnect(ev.peer, ev.data); break;
                case ENET_EVENT_TYPE_NONE: break;
            }
            got = enet_host_service(host_.get(), &ev, 0);
        }
        // A reliable message was lost to a sender's own flood: that connection cannot go on.
        for (const ConnectionId id : overflowed) {
            if (localReasons.count(id.value) == 0) (void)disconnect(id, DisconnectReason::ReceiveOverflow);
        }
        overflowed.clear();
    }

    void prune() {
        if (now < lastPruneMs + 250) return;
        lastPruneMs = now;
        for (const Address& gone : admission.prune(now, unixSeconds())) resetStrayPeers(gone);
        for (auto& [id, conn] : connections) {
            conn->tickRates(now);
            conn->capRetransmission();
        }
        // Peers still being connected (VERIFY_CONNECT in flight) have no connection yet.
        for (ENetPeer* p = host_->peers; p < host_->peers + host_->peerCount; ++p) {
            if (p->state != ENET_PEER_STATE_DISCONNECTED && p->data == nullptr) capRetransmission(p, kConnectingRetransmitMs);
        }
        dropSilent();
    }

    // A peer ENet made for an ALLOWED address whose handshake expired before the connection
    // completed has no keys any more: it goes without a word.
    void resetStrayPeers(const Address& at) {
        const ENetAddress e = toEnet(at);
        for (ENetPeer* p = host_->peers; p < host_->peers + host_->peerCount; ++p) {
            if (p->state != ENET_PEER_STATE_DISCONNECTED && p->data == nullptr && p->address.host == e.host &&
                p->address.port == e.port) {
                enet_peer_reset(p);
            }
        }
    }

    // A client that sent nothing authentic at all (not even ENet's keep-alive pings, every
    // 500 ms) for its token's timeout is gone: dropped here at that time, not whenever
    // ENet's retransmission backoff next looks.
    void dropSilent() {
        std::vector<Connection*> silent;
        for (auto& [id, conn] : connections) {
            if (conn->peer() != nullptr && conn->silentSince(now)) silent.push_back(conn.get());
        }
        for (Connection* conn : silent) {
            ENetPeer* peer = conn->peer();
            const Address from = fromEnet(peer->address);
            peer->data = nullptr;
            enet_peer_disconnect_now(peer, static_cast<std::uint32_t>(DisconnectReason::Timeout));
            conn->detachPeer();
            localReasons.erase(conn->id().value);
            forget(*conn, from, DisconnectReason::Timeout);
        }
    }

    Result<void> disconnect(ConnectionId client, DisconnectReason reason) {
        const auto it = connections.find(client.value);
        if (it == connections.end() || it->second->peer() == nullptr) return fail(Error::NotConnected);
        it->second->flush(/*everything=*/true);
        localReasons[client.value] = reason;
        enet_peer_disconnect_later(it->second->peer(), static_cast<std::uint32_t>(reason));
        return {};
    }

    void flush() {
        for (auto& [id, conn] : connections) conn->flush();
        enet_host_flush(host_.get());
        accountTraffic();
    }
};

Result<void> ServerConfig::validate() const {
    auto bad = [&](const char* text) -> Result<void> {
        if (log) log(LogLevel::Error, std::string("server config: ") + text);
        return fail(Error::InvalidConfig, text);
    };
    if (key.isZero()) return bad("key is missing (all zero)");
    if (maxClients < 1 || maxClients > 4095) return bad("maxClients must be 1..4095 (ENet's peer limit)");
    if (maxPending < 1 || maxPending > 65536) return bad("maxPending must be 1..65536");
    if (handshakeTimeoutMs < 100 || handshakeTimeoutMs > 60000) return bad("handshakeTimeoutMs must be 100..60000");
    if (maxRememberedTokens < 1 || maxRememberedTokens > (1u << 24)) return bad("maxRememberedTokens must be 1..16777216");
    if (!clock.monotonicMs || !clock.unixSeconds) return bad("clock: both functions must be set");
    if (auto ok = limits.validate(); !ok) return bad(ok.detail().c_str());
    return {};
}

Result<std::unique_ptr<Server>> Server::create(ServerConfig config) {
    if (auto ok = config.validate(); !ok) return fail(ok.failure());
    auto impl = std::make_unique<Impl>(std::move(config));
    const ENetAddress bind = toEnet(impl->config.bind);
    // Slack for peers that are still leaving (e.g. replaced) while new ones arrive.
    const std::size_t peers = std::min<std::size_t>(4095, impl->config.maxClients + impl->config.maxClients / 4 + 4);
    if (!impl->createHost(&bind, peers, impl->config.limits.maxReliableMessage + 64)) {
        return fail(Error::HostCreateFailed);
    }
    std::vector<Address> publicAddresses = impl->config.publicAddresses;
    // Port 0 stands for the port just bound, which the caller cannot know before: a
    // server asked for a free port still names its own address in tokens' terms.
    const std::uint16_t boundPort = fromEnet(impl->host_->address).port;
    for (Address& a : publicAddresses) {
        if (a.port == 0) a.port = boundPort;
    }
    if (publicAddresses.empty()) {
        Address bound = fromEnet(impl->host_->address);
        if (bound.ipv4 == 0) {
            bound.ipv4 = Address::loopback(0).ipv4;
            impl->log(LogLevel::Warn, "bound to all interfaces without publicAddresses: only tokens naming " +
                                          bound.toString() + " are accepted");
        }
        publicAddresses.push_back(bound);
    }
    impl->admission.setPublicAddresses(std::move(publicAddresses));
    impl->now = impl->nowMs();
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
    if (impl_) impl_->host_.reset();  // frees ENet's packets while their connections still exist
}

void Server::update(std::uint32_t timeoutMs) {
    impl_->now = impl_->nowMs();
    impl_->flush();
    impl_->service(timeoutMs);
    impl_->now = impl_->nowMs();
    impl_->prune();
    impl_->accountTraffic();
}

std::optional<Event> Server::poll() {
    if (impl_->events_.empty()) return std::nullopt;
    Event ev = std::move(impl_->events_.front());
    impl_->events_.pop_front();
    if (ev.type == Event::Type::Message) {
        if (const auto it = impl_->connections.find(ev.client.value); it != impl_->connections.end()) {
            it->second->released(ev);
        }
    }
    return ev;
}

Result<void> Server::send(ConnectionId client, Channel channel, std::span<const std::uint8_t> bytes) {
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

Result<void> Server::disconnect(ConnectionId client, DisconnectReason reason) { return impl_->disconnect(client, reason); }

void Server::shutdown(DisconnectReason reason, std::uint32_t waitMs) {
    std::vector<ConnectionId> ids = clients();
    for (const ConnectionId id : ids) (void)impl_->disconnect(id, reason);
    impl_->flush();  // the goodbye leaves at least once, even with no time to wait
    // Waiting on ENet, which runs on real time: the real clock bounds the wait.
    const std::uint64_t deadline = Clock::defaultMonotonicMs() + waitMs;
    while (!impl_->connections.empty() && Clock::defaultMonotonicMs() < deadline) {
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
            conn.detachPeer();
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

std::vector<ConnectionId> Server::clients() const {
    std::vector<ConnectionId> ids;
    ids.reserve(impl_->connections.size());
    for (const auto& [id, conn] : impl_->connections) {
        if (impl_->localReasons.count(id) == 0) ids.push_back(conn->id());
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

Result<ConnectionStats> Server::stats(ConnectionId client) const {
    const auto it = impl_->connections.find(client.value);
    if (it == impl_->connections.end()) return fail(Error::NotConnected);
    return it->second->stats();
}

const HostStats& Server::hostStats() const noexcept { return impl_->stats_; }

}  // namespace tickwire::net
