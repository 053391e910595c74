// What a token holder, an on-path recorder or a flooding client can try against the
// transport's keys, handshake and queues, and what each gets: nothing it recorded opens in
// another connection, one allowed address makes one ENet connection, nothing in the
// handshake lets anyone take or end another client's place, and one connection's flood
// costs no other connection a message. (Forged ENet commands from spoofed addresses:
// test_attacks.cpp.)

#include "handshake.hpp"
#include "harness.hpp"
#include "sealed_datagram.hpp"
#include "spoof.hpp"

#include <enet/enet.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_set>

using namespace tickwire::net;
using namespace tickwire::net::test;

namespace {

std::uint64_t rejected(const Server& s, Rejection r) { return s.hostStats().rejected[static_cast<std::size_t>(r)]; }
std::uint64_t dropped(const HostStats& h, Drop d) { return h.dropped[static_cast<std::size_t>(d)]; }

/// A UDP relay between clients and the server that keeps every datagram it forwards and
/// can send recorded ones again: an on-path observer. The server sees one address for
/// every client behind it.
class Recorder {
public:
    explicit Recorder(Address server) : server_(server) {
        clientSide_ = bound();
        serverSide_ = bound();
        listen_ = local(clientSide_);
    }
    ~Recorder() {
        ::close(clientSide_);
        ::close(serverSide_);
    }
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    Address listenAddress() const { return listen_; }

    void pump() {
        std::vector<std::uint8_t> buf(2048);
        for (;;) {
            sockaddr_in from{};
            socklen_t len = sizeof from;
            const auto n = ::recvfrom(clientSide_, buf.data(), buf.size(), MSG_DONTWAIT,
                                      reinterpret_cast<sockaddr*>(&from), &len);
            if (n <= 0) break;
            client_ = Address{ntohl(from.sin_addr.s_addr), ntohs(from.sin_port)};
            toServer.emplace_back(buf.begin(), buf.begin() + n);
            sendTo(serverSide_, server_, toServer.back());
        }
        for (;;) {
            const auto n = ::recv(serverSide_, buf.data(), buf.size(), MSG_DONTWAIT);
            if (n <= 0) break;
            toClient.emplace_back(buf.begin(), buf.begin() + n);
            if (client_) sendTo(clientSide_, *client_, toClient.back());
        }
    }
    /// Sends bytes to the server as if the current client had.
    void inject(std::span<const std::uint8_t> bytes) { sendTo(serverSide_, server_, bytes); }

    std::vector<std::vector<std::uint8_t>> toServer;
    std::vector<std::vector<std::uint8_t>> toClient;

private:
    static int bound() {
        const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(0x7F000001u);
        ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        return fd;
    }
    static Address local(int fd) {
        sockaddr_in a{};
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        return Address{ntohl(a.sin_addr.s_addr), ntohs(a.sin_port)};
    }
    static void sendTo(int fd, const Address& to, std::span<const std::uint8_t> bytes) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(to.ipv4);
        a.sin_port = htons(to.port);
        ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }

    Address server_;
    int clientSide_ = -1;
    int serverSide_ = -1;
    Address listen_;
    std::optional<Address> client_;
};

bool isHandshake(const std::vector<std::uint8_t>& d) { return detail::handshakeType(d).has_value(); }

/// One round of everything: client, relay both ways, server.
void step(Fixture& f, Client& c, Recorder& relay) {
    c.update(1);
    relay.pump();
    f.pumpServer();
    relay.pump();
}

/// Sends a message on every channel each way and waits for all of them.
void exchange(Fixture& f, Client& c, ConnectionId id, Recorder& relay, std::uint8_t tag) {
    std::size_t atServer = 0, atClient = 0;
    for (Channel ch : {Channel::Reliable, Channel::Sequenced, Channel::Unreliable}) {
        REQUIRE(c.send(ch, std::vector<std::uint8_t>(32, tag)));
        REQUIRE(f.server->send(id, ch, std::vector<std::uint8_t>(32, tag)));
    }
    REQUIRE(pumpUntil(
        [&] {
            step(f, c, relay);
            for (auto& ev : f.serverEvents) atServer += ev.type == Event::Type::Message;
            f.serverEvents.clear();
            while (auto ev = c.poll()) atClient += ev->type == Event::Type::Message;
        },
        [&] { return atServer >= 3 && atClient >= 3; }));
}

/// Connects `c` through the relay; returns its id on the server.
ConnectionId connectVia(Fixture& f, Client& c, Recorder& relay) {
    REQUIRE(c.connect());
    std::optional<ConnectionId> id;
    REQUIRE(pumpUntil(
        [&] {
            step(f, c, relay);
            for (auto& ev : f.serverEvents) {
                if (ev.type == Event::Type::Connected) id = ev.client;
            }
            f.serverEvents.clear();
        },
        [&] { return c.connected() && id.has_value(); }));
    while (c.poll()) {
    }
    return *id;
}

}  // namespace

TEST_CASE("two connections with one token from one address share no sealed bytes, and nothing recorded opens again") {
    Fixture f;
    Recorder relay(f.server->address());
    auto token = *f.token(7);
    token.servers = {relay.listenAddress()};  // the sealed part still names the server

    auto first = f.client(token);
    const ConnectionId firstId = connectVia(f, *first, relay);
    exchange(f, *first, firstId, relay, 1);
    first->disconnect();
    REQUIRE(pumpUntil(
        [&] {
            relay.pump();
            f.pumpServer();
        },
        [&] { return f.server->connectedCount() == 0; }));
    const auto recordedUp = relay.toServer;
    const auto recordedDown = relay.toClient;
    relay.toServer.clear();
    relay.toClient.clear();

    auto second = f.client(token);  // same token, same relay: the server sees the same address
    const ConnectionId secondId = connectVia(f, *second, relay);
    exchange(f, *second, secondId, relay, 1);  // the same messages as before

    // No datagram of the second connection repeats one of the first, in either direction:
    // its first sealed datagram (the ENet CONNECT, number 0) included.
    const auto asText = [](const std::vector<std::uint8_t>& d) { return std::string(d.begin(), d.end()); };
    std::unordered_set<std::string> before, beforeDown;
    for (const auto& d : recordedUp) before.insert(asText(d));
    for (const auto& d : recordedDown) beforeDown.insert(asText(d));
    for (const auto& d : relay.toServer) CHECK(before.count(asText(d)) == 0);
    for (const auto& d : relay.toClient) CHECK(beforeDown.count(asText(d)) == 0);
    const auto firstSealed = [](const std::vector<std::vector<std::uint8_t>>& all) {
        return *std::find_if(all.begin(), all.end(), [](const auto& d) { return !isHandshake(d); });
    };
    CHECK(firstSealed(recordedUp) != firstSealed(relay.toServer));

    // Every sealed datagram recorded from the first connection, sent into the second: none
    // opens, each is counted, nothing is delivered, the connection carries on.
    const auto dropsBefore = f.server->stats(secondId)->dropped;
    const auto messagesBefore = f.server->hostStats().messagesIn;
    std::size_t sealed = 0;
    for (const auto& d : recordedUp) {
        if (isHandshake(d)) continue;
        relay.inject(d);
        ++sealed;
    }
    // The first connection's handshake datagrams, replayed, draw nothing either.
    const auto inUseBefore = rejected(*f.server, Rejection::AddressInUse);
    for (const auto& d : recordedUp) {
        if (isHandshake(d)) relay.inject(d);
    }
    REQUIRE(sealed > 5);
    const auto refused = [&] {
        const auto now = f.server->stats(secondId)->dropped;
        std::uint64_t n = 0;
        for (Drop why : {Drop::AuthFailed, Drop::Replayed, Drop::TooOld}) {
            n += now[static_cast<std::size_t>(why)] - dropsBefore[static_cast<std::size_t>(why)];
        }
        return n;
    };
    REQUIRE(pumpUntil(
        [&] {
            relay.pump();
            f.pumpServer();
            second->update(1);
        },
        [&] { return refused() >= sealed; }));
    CHECK(f.server->hostStats().messagesIn == messagesBefore);
    CHECK(rejected(*f.server, Rejection::AddressInUse) > inUseBefore);
    exchange(f, *second, secondId, relay, 2);
    CHECK(second->connected());
}

namespace {

/// An ENet CONNECT datagram as a client host would send it: no peer yet, sent time, slot.
std::vector<std::uint8_t> connectDatagram(std::uint32_t connectId, std::uint16_t sequence) {
    ENetProtocolConnect c{};
    c.header.command = static_cast<enet_uint8>(ENET_PROTOCOL_COMMAND_CONNECT) |
                       static_cast<enet_uint8>(ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE);
    c.header.channelID = 0xFF;
    c.header.reliableSequenceNumber = ENET_HOST_TO_NET_16(sequence);
    c.outgoingPeerID = ENET_HOST_TO_NET_16(0);
    c.incomingSessionID = 0xFF;
    c.outgoingSessionID = 0xFF;
    c.mtu = ENET_HOST_TO_NET_32(1390);
    c.windowSize = ENET_HOST_TO_NET_32(ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE);
    c.channelCount = ENET_HOST_TO_NET_32(3);
    c.packetThrottleInterval = ENET_HOST_TO_NET_32(ENET_PEER_PACKET_THROTTLE_INTERVAL);
    c.packetThrottleAcceleration = ENET_HOST_TO_NET_32(ENET_PEER_PACKET_THROTTLE_ACCELERATION);
    c.packetThrottleDeceleration = ENET_HOST_TO_NET_32(ENET_PEER_PACKET_THROTTLE_DECELERATION);
    c.connectID = connectId;
    const std::uint16_t field = 0xFFF | ENET_PROTOCOL_HEADER_FLAG_SENT_TIME;
    std::vector<std::uint8_t> d = {static_cast<std::uint8_t>(field >> 8), static_cast<std::uint8_t>(field), 0, 1,
                                   0, 0, 0, 0};
    d.resize(d.size() + sizeof c + detail::kTagSize);
    std::memcpy(d.data() + 8, &c, sizeof c);
    return d;
}

/// A token holder that does the handshake by hand and then speaks sealed ENet itself.
struct TokenHolder {
    explicit TokenHolder(ConnectToken t) : token(std::move(t)) {
        for (auto& b : nonce) b = static_cast<std::uint8_t>(std::rand());
    }
    RawSocket raw;
    ConnectToken token;
    detail::AttemptNonce nonce{};
    std::optional<detail::SealedLink> link;

    /// REQUEST, CHALLENGE, RESPONSE: the address is ALLOWED afterwards.
    void handshake(Fixture& f) {
        raw.sendTo(f.server->address(), detail::writeRequest(token, nonce));
        std::optional<std::vector<std::uint8_t>> challenge;
        REQUIRE(pumpUntil([&] { f.pumpServer(); }, [&] { return (challenge = raw.receive(0)).has_value(); }));
        auto cookie = detail::readChallenge(*challenge, token.serverToClientKey, token.protocolId, nonce);
        REQUIRE(cookie);
        raw.sendTo(f.server->address(), detail::writeResponse(token, nonce, *cookie));
        f.pumpServer();
        link.emplace(detail::deriveSessionKeys(token.clientToServerKey, token.serverToClientKey, token.protocolId,
                                               nonce, cookie->serverNonce, /*forServer=*/false));
    }
    void sendSealed(Fixture& f, std::vector<std::uint8_t> datagram) {
        link->seal(datagram, 8);
        raw.sendTo(f.server->address(), datagram);
    }
};

}  // namespace

TEST_CASE("one allowed address makes one ENet connection: a flood of CONNECTs from it fills nothing") {
    ServerConfig config;
    config.maxClients = 4;
    Fixture f(config);
    TokenHolder mallory(*f.token(66));
    mallory.handshake(f);
    // Properly sealed CONNECTs, each with a connect id of its own: none is the agreed one.
    for (std::uint32_t i = 0; i < 50; ++i) mallory.sendSealed(f, connectDatagram(0x1000 + i, 1));
    // And the agreed one, again and again: ENet makes one peer of it at most.
    for (int i = 0; i < 30; ++i) mallory.sendSealed(f, connectDatagram(mallory.link->connectId(), 1));
    for (int i = 0; i < 20; ++i) f.pumpServer();
    CHECK(dropped(f.server->hostStats(), Drop::BadConnect) >= 50);
    // Mallory's entry holds one of the four places; the other three are there for honest clients.
    std::vector<std::unique_ptr<Client>> honest;
    for (std::uint64_t id = 1; id <= 3; ++id) {
        honest.push_back(f.client(*f.token(id)));
        CHECK(f.connect(*honest.back()).has_value());
    }
    CHECK(f.server->connectedCount() == 3);
}

TEST_CASE("a CONNECT from a connected address is dropped and counted") {
    Fixture f;
    TokenHolder mallory(*f.token(66));
    mallory.handshake(f);
    mallory.sendSealed(f, connectDatagram(mallory.link->connectId(), 1));
    // Mallory never acknowledges ENet's VERIFY_CONNECT, so nothing completes; a second
    // CONNECT with the agreed id is ENet's own retransmission and is ignored by ENet, but a
    // CONNECT naming another peer's id is refused before ENet sees it.
    mallory.sendSealed(f, connectDatagram(mallory.link->connectId() + 1, 2));
    for (int i = 0; i < 5; ++i) f.pumpServer();
    CHECK(dropped(f.server->hostStats(), Drop::BadConnect) == 1);
}

TEST_CASE("a replayed request or a denial from another attempt cannot end a connected client") {
    if (!SpoofSocket::available()) {
        MESSAGE("skipped: spoofing needs root (CAP_NET_RAW)");
        return;
    }
    Fixture f;
    const auto token = *f.token(3);
    auto client = f.client(token);
    REQUIRE(f.connect(*client));
    SpoofSocket spoof;
    detail::AttemptNonce old{};
    old[0] = 9;
    // A REQUEST for the client's token from the client's own address: the server answers
    // nothing, so no DENIED is made for an attacker to aim at the client.
    const auto before = rejected(*f.server, Rejection::AddressInUse);
    REQUIRE(spoof.send(client->address(), f.server->address(), detail::writeRequest(token, old)));
    REQUIRE(pumpUntil([&] { f.pumpServer(); client->update(1); },
                      [&] { return rejected(*f.server, Rejection::AddressInUse) > before; }));
    // A genuine DENIED under the token's key, from an earlier attempt, sent to the client
    // from the server's address: the handshake is over, it is dropped and counted.
    const auto denied = detail::writeDenied(Rejection::ServerFull, token.serverToClientKey, token.protocolId, old);
    REQUIRE(spoof.send(f.server->address(), client->address(), denied));
    REQUIRE(pumpUntil([&] { f.pumpServer(); client->update(1); },
                      [&] { return client->hostStats().handshakeDropped >= 1; }));
    for (int i = 0; i < 20; ++i) {
        f.pumpServer();
        client->update(1);
    }
    CHECK(client->connected());
    CHECK(f.server->connectedCount() == 1);
    while (auto ev = client->poll()) CHECK(ev->type != Event::Type::Disconnected);
}

TEST_CASE("a handshake with another token from a client's address cannot take its place") {
    if (!SpoofSocket::available()) {
        MESSAGE("skipped: spoofing needs root (CAP_NET_RAW)");
        return;
    }
    Fixture f;
    auto victim = f.client(*f.token(1));
    const auto other = *f.token(2);
    SpoofSocket spoof;
    REQUIRE(victim->connect());  // the REQUEST leaves
    victim->update(0);
    // While the victim is in its handshake, requests with another token arrive in its name,
    // before and after its RESPONSE.
    detail::AttemptNonce n{};
    REQUIRE(spoof.send(victim->address(), f.server->address(), detail::writeRequest(other, n)));
    bool spoofedLate = false;
    std::optional<ConnectionId> id;
    REQUIRE(pumpUntil(
        [&] {
            victim->update(1);
            if (!spoofedLate && victim->state() == ClientState::SendingResponse) {
                spoofedLate = true;
                n[0] = 1;
                REQUIRE(spoof.send(victim->address(), f.server->address(), detail::writeRequest(other, n)));
            }
            f.pumpServer();
            for (auto& ev : f.serverEvents) {
                if (ev.type == Event::Type::Connected) id = ev.client;
            }
        },
        [&] { return victim->connected() && id.has_value(); }));
    CHECK(spoofedLate);
    CHECK(f.server->connectedCount() == 1);
    // The late one found the victim ALLOWED with its own token and was refused.
    CHECK(rejected(*f.server, Rejection::AddressInUse) >= 1);
}

TEST_CASE("one client's flood of reliable messages costs no other client a message") {
    Fixture f;
    auto flooder = f.client(*f.token(1));
    auto honest = f.client(*f.token(2));
    const auto flooderId = f.connect(*flooder);
    const auto honestId = f.connect(*honest);
    REQUIRE(flooderId);
    REQUIRE(honestId);
    // 20,000 one-byte reliable messages, more than the server's per-connection budget
    // (16,384 events) while the game does not poll; the honest client sends 100 numbered ones.
    const std::uint8_t one = 1;
    for (int i = 0; i < 20000; ++i) REQUIRE(flooder->send(Channel::Reliable, std::span(&one, 1)));
    for (std::uint8_t i = 0; i < 100; ++i) REQUIRE(honest->send(Channel::Reliable, std::vector<std::uint8_t>{i, i, i}));
    // The server is serviced without being polled until the flooder has overflowed.
    REQUIRE(pumpUntil(
        [&] {
            flooder->update(1);
            honest->update(1);
            f.server->update(1);
        },
        [&] { return dropped(f.server->hostStats(), Drop::QueueOverflow) > 0; }, 10000));
    std::vector<std::uint8_t> honestGot;
    std::optional<DisconnectReason> flooderGone;
    REQUIRE(pumpUntil(
        [&] {
            flooder->update(1);
            honest->update(1);
            f.server->update(1);
            while (auto ev = f.server->poll()) {
                if (ev->client == *honestId && ev->type == Event::Type::Message) honestGot.push_back(ev->data[0]);
                if (ev->client == *flooderId && ev->type == Event::Type::Disconnected) flooderGone = ev->reason;
            }
        },
        [&] { return honestGot.size() >= 100 && flooderGone.has_value(); }, 10000));
    REQUIRE(honestGot.size() == 100);
    for (std::uint8_t i = 0; i < 100; ++i) CHECK(honestGot[i] == i);
    CHECK(*flooderGone == DisconnectReason::ReceiveOverflow);
    CHECK(honest->connected());
    // The flooder is told why.
    std::optional<DisconnectReason> told;
    REQUIRE(pumpUntil(
        [&] {
            flooder->update(1);
            f.server->update(1);
            while (auto ev = flooder->poll()) {
                if (ev->type == Event::Type::Disconnected) told = ev->reason;
            }
        },
        [&] { return told.has_value(); }));
    CHECK(*told == DisconnectReason::ReceiveOverflow);
}

TEST_CASE("the silence timeout runs on the configured clock, not on the wall") {
    ManualClock clock;
    ServerConfig config;
    config.clock = clock.clock();
    Fixture f(config);
    auto client = f.client(*f.token(1, /*timeoutSeconds=*/2));
    REQUIRE(f.connect(*client));
    // The client stops servicing its host. Two seconds pass on the server's clock, less 1 ms:
    // it keeps the client; 2 ms more and it is gone, with no waiting at all.
    clock.ms += 1999;
    for (int i = 0; i < 3; ++i) f.pumpServer();
    CHECK(f.server->connectedCount() == 1);
    clock.ms += 300;  // past the timeout, and past the next 250 ms check
    f.pumpServer();
    std::optional<Event> gone;
    for (auto& ev : f.serverEvents) {
        if (ev.type == Event::Type::Disconnected) gone = ev;
    }
    REQUIRE(gone);
    CHECK(gone->reason == DisconnectReason::Timeout);
}

TEST_CASE("messages of an ended connection polled after a reconnect do not upset the new connection's budget") {
    ServerConfig serverConfig;
    serverConfig.duplicatePlayers = DuplicatePlayerPolicy::Replace;
    Fixture f(serverConfig);
    ClientConfig config;
    config.limits.maxReceiveEvents = 10;
    auto client = f.client(*f.token(1), config);
    auto id = f.connect(*client);
    REQUIRE(id);
    for (std::uint8_t i = 0; i < 5; ++i) REQUIRE(f.server->send(*id, Channel::Reliable, std::vector<std::uint8_t>{i}));
    std::size_t waiting = 0;
    REQUIRE(pumpUntil([&] { f.pumpServer(); client->update(1); }, [&] { return client->stats()->messagesIn >= 5; }));
    REQUIRE(f.server->disconnect(*id, DisconnectReason::Kicked));
    REQUIRE(pumpUntil([&] { f.pumpServer(); client->update(1); }, [&] { return !client->connected(); }));
    // Reconnect without polling the five messages and the disconnect first.
    REQUIRE(client->connect());
    std::optional<ConnectionId> second;
    REQUIRE(pumpUntil(
        [&] {
            f.pumpServer();
            client->update(1);
            for (auto& ev : f.serverEvents) {
                if (ev.type == Event::Type::Connected) second = ev.client;
            }
        },
        [&] { return client->connected() && second.has_value(); }));
    while (auto ev = client->poll()) waiting += ev->type == Event::Type::Message;
    CHECK(waiting == 5);
    // The new connection's budget is whole: eight messages, each in a packet of its own,
    // fit in its ten.
    std::size_t got = 0;
    for (std::uint8_t i = 0; i < 8; ++i) {
        REQUIRE(f.server->send(*second, Channel::Reliable, std::vector<std::uint8_t>{i}));
        f.server->flush();
        REQUIRE(pumpUntil([&] { client->update(1); }, [&] { return client->stats()->messagesIn >= i + 1u; }));
    }
    while (auto ev = client->poll()) got += ev->type == Event::Type::Message;
    CHECK(got == 8);
    CHECK(client->connected());
    CHECK(client->hostStats().dropped[static_cast<std::size_t>(Drop::QueueOverflow)] == 0);
}
