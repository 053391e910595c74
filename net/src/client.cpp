#include "crypto_internal.hpp"
#include "endpoint_internal.hpp"
#include "handshake_internal.hpp"

#include <tickwire/net/transport.hpp>

namespace tickwire::net {

using namespace detail;

struct Client::Impl final : Endpoint {
    explicit Impl(ClientConfig c) : Endpoint(c.log), config(std::move(c)) {}

    ClientConfig config;
    ClientState state = ClientState::Disconnected;
    std::size_t serverIndex = 0;
    Address server;
    Cookie cookie{};
    std::uint64_t nextResendMs = 0;
    std::uint64_t deadlineMs = 0;
    ENetPeer* peer = nullptr;
    std::unique_ptr<Connection> connection;
    std::optional<DisconnectReason> localReason;
    std::uint64_t lastHeardMs = 0;  // any datagram from the server, ENet's pings included

    const ConnectToken& token() const { return config.token; }

    void startServer() {
        server = token().servers[serverIndex];
        state = ClientState::SendingRequest;
        deadlineMs = nowMs() + config.handshakeTimeoutMs;
        nextResendMs = 0;
        log(LogLevel::Info, "connecting to " + server.toString());
        resend();
    }

    void resend() {
        const std::uint64_t now = nowMs();
        if (now < nextResendMs) return;
        nextResendMs = now + config.resendIntervalMs;
        if (state == ClientState::SendingRequest) sendRaw(server, writeRequest(token()));
        else if (state == ClientState::SendingResponse) sendRaw(server, writeResponse(cookie));
    }

    void fail(DisconnectReason reason, std::optional<Rejection> denial = std::nullopt, bool local = false) {
        if (peer != nullptr) {
            peer->data = nullptr;
            enet_peer_reset(peer);
            peer = nullptr;
        }
        connection.reset();
        const bool wasConnected = state == ClientState::Connected;
        state = ClientState::Disconnected;
        if (wasConnected) ++stats_.disconnected;
        Event ev;
        ev.type = Event::Type::Disconnected;
        ev.client = ClientId{1};
        ev.reason = reason;
        ev.denial = denial;
        pushEvent(std::move(ev));
        std::string line = "disconnected: " + std::string(describe(reason));
        if (denial) line += " (" + std::string(describe(*denial)) + ")";
        log(local ? LogLevel::Info : LogLevel::Warn, line);
    }

    bool intercept(const Address& from, std::span<const std::uint8_t> bytes) override {
        if (state == ClientState::Disconnected || from != server) return true;
        const auto type = handshakeType(bytes);
        if (!type) {  // ENet's own datagram
            lastHeardMs = nowMs();
            return false;
        }
        if (*type == HandshakeType::Challenge && state == ClientState::SendingRequest) {
            auto c = readChallenge(bytes, token().serverToClientKey, token().protocolId);
            if (!c) {
                ++stats_.handshakeDropped;
                return true;
            }
            cookie = *c;
            state = ClientState::SendingResponse;
            nextResendMs = 0;
            resend();
            const ENetAddress to = toEnet(server);
            peer = enet_host_connect(host_.get(), &to, kChannelCount, 0);
            if (peer == nullptr) fail(DisconnectReason::HandshakeTimeout);
        } else if (*type == HandshakeType::Denied) {
            auto why = readDenied(bytes, token().serverToClientKey, token().protocolId);
            if (!why) {
                ++stats_.handshakeDropped;
                return true;
            }
            fail(DisconnectReason::Denied, *why);
        }
        return true;
    }

    void checkHandshake() {
        if (state != ClientState::SendingRequest && state != ClientState::SendingResponse) return;
        if (unixNow() >= token().expireTime) {
            fail(DisconnectReason::TokenExpired);
            return;
        }
        if (nowMs() >= deadlineMs) {
            if (peer != nullptr) {
                enet_peer_reset(peer);
                peer = nullptr;
            }
            if (++serverIndex < token().servers.size()) {
                startServer();
            } else {
                fail(DisconnectReason::HandshakeTimeout);
            }
            return;
        }
        resend();
    }

    void service(std::uint32_t timeoutMs) {
        ENetEvent ev;
        int got = enet_host_service(host_.get(), &ev, timeoutMs);
        while (got > 0) {
            switch (ev.type) {
                case ENET_EVENT_TYPE_CONNECT: {
                    connection = std::make_unique<Connection>(ClientId{1}, 0, ev.peer, token().clientToServerKey,
                                                              token().serverToClientKey, token().protocolId,
                                                              config.limits);
                    applyTimeout(ev.peer, token().timeoutSeconds);
                    connection->setTimeoutMs(token().timeoutSeconds * 1000u);
                    lastHeardMs = nowMs();
                    state = ClientState::Connected;
                    ++stats_.connected;
                    Event out;
                    out.type = Event::Type::Connected;
                    out.client = ClientId{1};
                    pushEvent(std::move(out));
                    log(LogLevel::Info, "connected to " + server.toString());
                    break;
                }
                case ENET_EVENT_TYPE_RECEIVE:
                    if (connection && ev.channelID < kChannelCount) {
                        connection->receive(static_cast<Channel>(ev.channelID), ev.packet, events_, maxEvents_, stats_);
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
    }

    void flush() {
        if (connection) connection->flush(stats_);
        enet_host_flush(host_.get());
        accountTraffic();
    }
};

Result<void> ClientConfig::validate(std::string* why) const {
    auto bad = [&](const char* text) -> Result<void> {
        if (why) *why = text;
        if (log) log(LogLevel::Error, std::string("client config: ") + text);
        return tickwire::net::fail(Error::InvalidConfig);
    };
    if (token.servers.empty() || token.servers.size() > kMaxTokenServers) return bad("token names no server");
    if (token.clientToServerKey.isZero() || token.serverToClientKey.isZero()) return bad("token has no keys");
    if (token.timeoutSeconds < 1) return bad("token timeout must be at least 1 second");
    if (handshakeTimeoutMs < 100 || handshakeTimeoutMs > 60000) return bad("handshakeTimeoutMs must be 100..60000");
    if (resendIntervalMs < 10 || resendIntervalMs > handshakeTimeoutMs) return bad("resendIntervalMs must be 10..handshakeTimeoutMs");
    std::string limitsWhy;
    if (!limits.validate(&limitsWhy)) return bad(limitsWhy.c_str());
    return {};
}

Result<std::unique_ptr<Client>> Client::create(ClientConfig config) {
    if (auto ok = config.validate(); !ok) return tickwire::net::fail(ok.error());
    auto impl = std::make_unique<Impl>(std::move(config));
    const ENetAddress bind = toEnet(impl->config.bind);
    if (!impl->createHost(&bind, 1, impl->config.limits.maxReliableMessage + 64)) {
        return tickwire::net::fail(Error::HostCreateFailed);
    }
    impl->maxEvents_ = impl->config.limits.maxReceiveEvents;
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
    if (unixNow() >= impl_->token().expireTime) return tickwire::net::fail(Error::Expired);
    impl_->serverIndex = 0;
    impl_->startServer();
    return {};
}

void Client::update(std::uint32_t timeoutMs) {
    impl_->flush();
    impl_->checkHandshake();
    impl_->service(timeoutMs);
    // A server that sent nothing (not even ENet's pings) for the token's timeout is gone.
    if (impl_->state == ClientState::Connected && impl_->connection &&
        nowMs() - impl_->lastHeardMs > impl_->connection->timeoutMs()) {
        if (impl_->peer != nullptr) {
            impl_->peer->data = nullptr;
            enet_peer_disconnect_now(impl_->peer, static_cast<std::uint32_t>(DisconnectReason::Timeout));
            impl_->peer = nullptr;
        }
        impl_->fail(DisconnectReason::Timeout);
    }
    if (impl_->connection) impl_->connection->tickRates(nowMs());
    impl_->accountTraffic();
}

std::optional<Event> Client::poll() { return impl_->pollEvent(); }

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
    impl_->connection->flush(impl_->stats_, /*everything=*/true);
    impl_->flush();
    impl_->localReason = reason;
    // Without time to wait, go straight to disconnect_now: after disconnect_later has moved
    // the peer to DISCONNECTING, ENet's disconnect_now no longer sends its goodbye.
    if (waitMs > 0) enet_peer_disconnect_later(impl_->peer, static_cast<std::uint32_t>(reason));
    const std::uint64_t deadline = nowMs() + waitMs;
    while (waitMs > 0 && impl_->state != ClientState::Disconnected && nowMs() < deadline) impl_->service(5);
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
