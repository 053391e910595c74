#include "client_handshake.hpp"
#include "connection.hpp"
#include "host.hpp"

#include <tickwire/net/transport.hpp>

#include <algorithm>

namespace tickwire::net {

using namespace detail;

struct Client::Impl final : Host {
    explicit Impl(ClientConfig c)
        : Host(c.log, c.clock), config(std::move(c)), handshake(config.token, config.handshakeTimeoutMs,
                                                                config.resendIntervalMs) {}

    ClientConfig config;
    ClientHandshake handshake;
    ClientState state = ClientState::Disconnected;
    std::unique_ptr<SealedLink> link;  // this attempt's keys, until the Connection takes them
    bool enetConnectDue = false;       // ENet is asked to connect outside its own callback
    ENetPeer* peer = nullptr;
    std::unique_ptr<Connection> connection;
    std::optional<DisconnectReason> localReason;
    std::uint64_t now = 0;
    // Messages of an ended connection still waiting in poll(): they leave without touching
    // the receive budget of the connection that follows.
    std::size_t staleMessages = 0;

    const ConnectToken& token() const { return config.token; }

    void startServer(std::size_t index) {
        handshake.start(index, now);
        link.reset();
        enetConnectDue = false;
        state = ClientState::SendingRequest;
        log(LogLevel::Info, "connecting to " + handshake.server().toString());
        sendDue();
    }

    void sendDue() {
        if (auto datagram = handshake.due(now)) sendRaw(handshake.server(), *datagram);
    }

    void dropPeer() {
        if (peer != nullptr) {
            peer->data = nullptr;
            enet_peer_reset(peer);
            peer = nullptr;
        }
    }

    void fail(DisconnectReason reason, std::optional<Rejection> denial = std::nullopt, bool local = false) {
        dropPeer();
        if (connection) {
            staleMessages = static_cast<std::size_t>(std::count_if(
                events_.begin(), events_.end(), [](const Event& ev) { return ev.type == Event::Type::Message; }));
        }
        connection.reset();
        link.reset();
        handshake.stop();
        enetConnectDue = false;
        const bool wasConnected = state == ClientState::Connected;
        state = ClientState::Disconnected;
        if (wasConnected) ++stats_.disconnected;
        Event ev;
        ev.type = Event::Type::Disconnected;
        ev.client = ConnectionId{1};
        ev.reason = reason;
        ev.denial = denial;
        pushEvent(std::move(ev));
        std::string line = "disconnected: " + std::string(describe(reason));
        if (denial) line += " (" + std::string(describe(*denial)) + ")";
        log(local ? LogLevel::Info : LogLevel::Warn, line);
    }

    void countDrop(Drop why) {
        if (connection) connection->countDrop(why, stats_);
        else ++stats_.dropped[static_cast<std::size_t>(why)];
    }

    std::optional<std::size_t> intercept(const Address& from, std::span<std::uint8_t> datagram,
                                         DatagramHeader& header) override {
        if (state == ClientState::Disconnected || from != handshake.server()) return std::nullopt;
        if (handshakeType(datagram)) {
            if (state == ClientState::Connected) {
                ++stats_.handshakeDropped;  // the handshake is over: nothing in it may end the connection
                return std::nullopt;
            }
            switch (handshake.onDatagram(datagram, now)) {
                case ClientHandshake::Outcome::Challenged:
                    link = std::make_unique<SealedLink>(handshake.keys());
                    state = ClientState::SendingResponse;
                    sendDue();  // the RESPONSE leaves before ENet's CONNECT
                    enetConnectDue = true;
                    break;
                case ClientHandshake::Outcome::Denied: fail(DisconnectReason::Denied, handshake.denial()); break;
                case ClientHandshake::Outcome::Dropped: ++stats_.handshakeDropped; break;
                case ClientHandshake::Outcome::Ignored: break;
            }
            return std::nullopt;
        }
        SealedLink* keys = connection ? &connection->link() : link.get();
        if (keys == nullptr) {
            countDrop(Drop::AuthFailed);  // no keys yet: nothing can be authentic
            return std::nullopt;
        }
        if (auto why = openDatagram(*keys, datagram, header)) {
            countDrop(*why);
            return std::nullopt;
        }
        if (header.peerId == kNoPeer) {  // a server never connects to a client
            countDrop(Drop::BadConnect);
            return std::nullopt;
        }
        if (connection) connection->heard(now);
        return datagram.size() - kTagSize;
    }

    SealedLink* sendLink(std::uint32_t /*connectId*/) override {
        return connection ? &connection->link() : link.get();
    }

    void connectEnet() {
        enetConnectDue = false;
        const ENetAddress to = toEnet(handshake.server());
        // ENet takes the connect id as ++randomSeed: it must be the one both sides derived.
        host_->randomSeed = handshake.keys().connectId - 1;
        peer = enet_host_connect(host_.get(), &to, kChannelCount, 0);
        if (peer == nullptr) {
            fail(DisconnectReason::HandshakeTimeout);
            return;
        }
        enet_host_flush(host_.get());
    }

    void checkHandshake() {
        if (state != ClientState::SendingRequest && state != ClientState::SendingResponse) return;
        if (unixSeconds() >= token().expireTime) {
            fail(DisconnectReason::TokenExpired);
            return;
        }
        if (handshake.timedOut(now)) {
            dropPeer();
            if (handshake.serverIndex() + 1 < token().servers.size()) {
                startServer(handshake.serverIndex() + 1);
            } else {
                fail(DisconnectReason::HandshakeTimeout);
            }
            return;
        }
        sendDue();
    }

    void service(std::uint32_t timeoutMs) {
        ENetEvent ev;
        int got = enet_host_service(host_.get(), &ev, timeoutMs);
        while (got > 0) {
            switch (ev.type) {
                case ENET_EVENT_TYPE_CONNECT: {
                    handshake.stop();
                    connection = std::make_unique<Connection>(ConnectionId{1}, 0, ev.peer, std::move(link), config.limits,
                                                              now);
                    applyTimeout(ev.peer, token().timeoutSeconds);
                    connection->setTimeoutMs(token().timeoutSeconds * 1000u);
                    state = ClientState::Connected;
                    ++stats_.connected;
                    Event out;
                    out.type = Event::Type::Connected;
                    out.client = ConnectionId{1};
                    pushEvent(std::move(out));
                    log(LogLevel::Info, "connected to " + handshake.server().toString());
                    break;
                }
                case ENET_EVENT_TYPE_RECEIVE:
                    if (connection && ev.channelID < kChannelCount) {
                        const auto got = connection->receive(static_cast<Channel>(ev.channelID),
                                                             std::span(ev.packet->data, ev.packet->dataLength),
                                                             events_, stats_);
                        if (got == Received::ReliableOverflow && !localReason) {
                            localReason = DisconnectReason::ReceiveOverflow;
                            enet_peer_disconnect_later(peer, static_cast<std::uint32_t>(*localReason));
                        }
                    } else if (connection) {
                        connection->countDrop(Drop::Malformed, stats_);
                    }
                    enet_packet_destroy(ev.packet);
                    break;
                case ENET_EVENT_TYPE_DISCONNECT: {
                    // ENet has reset the peer: none of the connection's packets remain.
                    peer = nullptr;
                    const bool local = localReason.has_value();
                    const DisconnectReason reason = localReason.value_or(reasonFromEnet(ev.data));
                    localReason.reset();
                    fail(reason, std::nullopt, local);
                    break;
                }
                case ENET_EVENT_TYPE_NONE: break;
            }
            got = enet_host_service(host_.get(), &ev, 0);
        }
        if (enetConnectDue && state == ClientState::SendingResponse) connectEnet();
    }

    void flush() {
        if (connection) connection->flush();
        enet_host_flush(host_.get());
        accountTraffic();
    }
};

Result<void> ClientConfig::validate() const {
    auto bad = [&](const char* text) -> Result<void> {
        if (log) log(LogLevel::Error, std::string("client config: ") + text);
        return fail(Error::InvalidConfig, text);
    };
    if (token.servers.empty() || token.servers.size() > kMaxTokenServers) return bad("token names no server");
    if (token.clientToServerKey.isZero() || token.serverToClientKey.isZero()) return bad("token has no keys");
    if (token.timeoutSeconds < 1) return bad("token timeout must be at least 1 second");
    if (handshakeTimeoutMs < 100 || handshakeTimeoutMs > 60000) return bad("handshakeTimeoutMs must be 100..60000");
    if (resendIntervalMs < 10 || resendIntervalMs > handshakeTimeoutMs) return bad("resendIntervalMs must be 10..handshakeTimeoutMs");
    if (!clock.monotonicMs || !clock.unixSeconds) return bad("clock: both functions must be set");
    if (auto ok = limits.validate(); !ok) return bad(ok.detail().c_str());
    return {};
}

Result<std::unique_ptr<Client>> Client::create(ClientConfig config) {
    if (auto ok = config.validate(); !ok) return tickwire::net::fail(ok.failure());
    auto impl = std::make_unique<Impl>(std::move(config));
    const ENetAddress bind = toEnet(impl->config.bind);
    if (!impl->createHost(&bind, 1, impl->config.limits.maxReliableMessage + 64)) {
        return tickwire::net::fail(Error::HostCreateFailed);
    }
    impl->now = impl->nowMs();
    return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() {
    if (impl_) {
        if (impl_->peer != nullptr && impl_->state == ClientState::Connected) {
            enet_peer_disconnect_now(impl_->peer, static_cast<std::uint32_t>(DisconnectReason::Requested));
        }
        impl_->host_.reset();
    }
}

Result<void> Client::connect() {
    if (impl_->state != ClientState::Disconnected) return tickwire::net::fail(Error::Busy);
    if (impl_->unixSeconds() >= impl_->token().expireTime) return tickwire::net::fail(Error::Expired);
    impl_->now = impl_->nowMs();
    impl_->startServer(0);
    return {};
}

void Client::update(std::uint32_t timeoutMs) {
    impl_->now = impl_->nowMs();
    impl_->flush();
    impl_->checkHandshake();
    impl_->service(timeoutMs);
    impl_->now = impl_->nowMs();
    // A server that sent nothing authentic (not even ENet's pings) for the token's timeout is gone.
    if (impl_->state == ClientState::Connected && impl_->connection && impl_->connection->silentSince(impl_->now)) {
        if (impl_->peer != nullptr) {
            impl_->peer->data = nullptr;
            enet_peer_disconnect_now(impl_->peer, static_cast<std::uint32_t>(DisconnectReason::Timeout));
            impl_->peer = nullptr;
        }
        impl_->fail(DisconnectReason::Timeout);
    }
    if (impl_->connection) {
        impl_->connection->tickRates(impl_->now);
        impl_->connection->capRetransmission();
    } else if (impl_->peer != nullptr) {
        capRetransmission(impl_->peer, kConnectingRetransmitMs);  // CONNECT in flight
    }
    impl_->accountTraffic();
}

std::optional<Event> Client::poll() {
    if (impl_->events_.empty()) return std::nullopt;
    Event ev = std::move(impl_->events_.front());
    impl_->events_.pop_front();
    if (ev.type == Event::Type::Message && impl_->staleMessages > 0) {
        --impl_->staleMessages;
    } else if (impl_->connection) {
        impl_->connection->released(ev);
    }
    return ev;
}

Result<void> Client::send(Channel channel, std::span<const std::uint8_t> bytes) {
    if (impl_->state != ClientState::Connected || !impl_->connection || impl_->localReason) {
        return tickwire::net::fail(Error::NotConnected);
    }
    return impl_->connection->queue(channel, bytes, impl_->stats_);
}

void Client::flush() { impl_->flush(); }

void Client::disconnect(DisconnectReason reason, std::uint32_t waitMs) {
    if (impl_->state == ClientState::Disconnected) return;
    if (impl_->state != ClientState::Connected || impl_->peer == nullptr) {
        impl_->fail(reason, std::nullopt, true);
        return;
    }
    impl_->connection->flush(/*everything=*/true);
    impl_->flush();
    impl_->localReason = reason;
    // Without time to wait, go straight to disconnect_now: after disconnect_later has moved
    // the peer to DISCONNECTING, ENet's disconnect_now no longer sends its goodbye.
    if (waitMs > 0) enet_peer_disconnect_later(impl_->peer, static_cast<std::uint32_t>(reason));
    // Waiting on ENet, which runs on real time: the real clock bounds the wait.
    const std::uint64_t deadline = Clock::defaultMonotonicMs() + waitMs;
    while (waitMs > 0 && impl_->state != ClientState::Disconnected && Clock::defaultMonotonicMs() < deadline) {
        impl_->service(5);
    }
    if (impl_->state != ClientState::Disconnected) {
        enet_peer_disconnect_now(impl_->peer, static_cast<std::uint32_t>(reason));
        impl_->peer = nullptr;
        impl_->localReason.reset();
        impl_->fail(reason, std::nullopt, true);
    }
    impl_->accountTraffic();
}

ClientState Client::state() const noexcept { return impl_->state; }
Address Client::address() const noexcept { return fromEnet(impl_->host_->address); }

Result<ConnectionStats> Client::stats() const {
    if (!impl_->connection) return tickwire::net::fail(Error::NotConnected);
    return impl_->connection->stats();
}

const HostStats& Client::hostStats() const noexcept { return impl_->stats_; }

}  // namespace tickwire::net
