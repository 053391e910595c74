#include "handshake.hpp"
#include "harness.hpp"
#include "spoof.hpp"

#include <enet/enet.h>

#include <doctest/doctest.h>

#include <cstdlib>

using namespace tickwire::net;
using namespace tickwire::net::test;

namespace {

std::uint64_t rejected(const Server& s, Rejection r) { return s.hostStats().rejected[static_cast<std::size_t>(r)]; }

/// Pumps the server until the counter for `r` reaches `count`.
bool waitRejected(Fixture& f, Rejection r, std::uint64_t count, Client* client = nullptr) {
    return pumpUntil(
        [&] {
            f.pumpServer();
            if (client) client->update(1);
        },
        [&] { return rejected(*f.server, r) >= count; });
}

/// Runs a client until it gives up and returns its Disconnected event.
std::optional<Event> runUntilDisconnected(Fixture& f, Client& c, std::uint32_t timeoutMs = 5000) {
    std::optional<Event> gone;
    pumpUntil(
        [&] {
            f.pumpServer();
            c.update(1);
            while (auto ev = c.poll()) {
                if (ev->type == Event::Type::Disconnected) gone = ev;
            }
        },
        [&] { return gone.has_value(); }, timeoutMs);
    return gone;
}

ClientConfig quick() {
    ClientConfig c;
    c.handshakeTimeoutMs = 400;
    return c;
}

detail::AttemptNonce freshNonce() {
    detail::AttemptNonce n{};
    for (auto& b : n) b = static_cast<std::uint8_t>(std::rand());
    return n;
}

/// A REQUEST for token with a nonce of its own, as a client would send it.
std::vector<std::uint8_t> requestOf(const ConnectToken& token) { return detail::writeRequest(token, freshNonce()); }

/// The client's side of the handshake done by hand on a raw socket: REQUEST, open the
/// CHALLENGE, RESPONSE. The address is then ALLOWED and holds a pending slot.
struct ByHand {
    explicit ByHand(ConnectToken t) : token(std::move(t)) {}
    RawSocket raw;
    ConnectToken token;
    detail::AttemptNonce nonce = freshNonce();
    std::optional<detail::Cookie> cookie;

    /// Sends the REQUEST and waits for the CHALLENGE (or a DENIED).
    std::optional<std::vector<std::uint8_t>> request(Fixture& f) {
        raw.sendTo(f.server->address(), detail::writeRequest(token, nonce));
        std::optional<std::vector<std::uint8_t>> reply;
        pumpUntil([&] { f.pumpServer(); }, [&] { return (reply = raw.receive(0)).has_value(); }, 2000);
        if (reply && detail::handshakeType(*reply) == detail::HandshakeType::Challenge) {
            auto c = detail::readChallenge(*reply, token.serverToClientKey, token.protocolId, nonce);
            if (c) cookie = *c;
        }
        return reply;
    }
    std::vector<std::uint8_t> response() const { return detail::writeResponse(token, nonce, *cookie); }
};

}  // namespace

TEST_CASE("an expired token is rejected and counted") {
    Fixture f;
    TokenParams p;
    p.servers = {f.server->address()};
    p.expiresInSeconds = 5;
    auto token = issueToken(f.key, p, unixNow() - 60);  // expired 55 s ago
    REQUIRE(token);
    // The client refuses to send an expired token at all...
    auto client = f.client(*token);
    CHECK(client->connect().error() == Error::Expired);
    // ...and a hand-made request carrying one is counted by the server.
    RawSocket raw;
    raw.sendTo(f.server->address(), requestOf(*token));
    CHECK(waitRejected(f, Rejection::Expired, 1));
    CHECK_FALSE(raw.receive(50).has_value());
    CHECK(f.server->connectedCount() == 0);
}

TEST_CASE("a token that does not name this server's address is rejected and counted") {
    Fixture f;
    TokenParams p;
    p.servers = {Address::loopback(1)};
    auto token = issueToken(f.key, p, unixNow());
    REQUIRE(token);
    token->servers = {f.server->address()};  // the client is pointed at us anyway
    auto client = f.client(*token, quick());
    REQUIRE(client->connect());
    auto gone = runUntilDisconnected(f, *client);
    REQUIRE(gone);
    CHECK(gone->reason == DisconnectReason::Denied);
    REQUIRE(gone->denial);
    CHECK(*gone->denial == Rejection::WrongServer);
    CHECK(rejected(*f.server, Rejection::WrongServer) >= 1);
    CHECK(f.server->connectedCount() == 0);
}

TEST_CASE("a token sealed under another key is rejected and counted") {
    Fixture f;
    TokenParams p;
    p.servers = {f.server->address()};
    auto token = issueToken(Key::generate(), p, unixNow());
    REQUIRE(token);
    auto client = f.client(*token, quick());
    REQUIRE(client->connect());
    REQUIRE(runUntilDisconnected(f, *client));
    CHECK(rejected(*f.server, Rejection::WrongKey) >= 1);
    CHECK(f.server->connectedCount() == 0);
}

TEST_CASE("a token already used from another address is rejected and counted") {
    Fixture f;
    const auto token = *f.token(9);
    auto first = f.client(token);
    REQUIRE(f.connect(*first));
    auto second = f.client(token, quick());
    REQUIRE(second->connect());
    auto gone = runUntilDisconnected(f, *second);
    REQUIRE(gone);
    REQUIRE(gone->denial);
    CHECK(*gone->denial == Rejection::TokenReused);
    CHECK(rejected(*f.server, Rejection::TokenReused) >= 1);
    CHECK(f.server->connectedCount() == 1);
    CHECK(first->connected());
}

TEST_CASE("malformed handshake datagrams are rejected and counted") {
    Fixture f;
    RawSocket raw;
    std::vector<std::uint8_t> bad = {'T', 'W', 'H', 1, 0, 0, 0};  // a request of the wrong size
    raw.sendTo(f.server->address(), bad);
    CHECK(waitRejected(f, Rejection::Malformed, 1));

    TokenParams p;
    p.servers = {f.server->address()};
    p.protocolId = 1234;  // another game
    auto token = issueToken(f.key, p, unixNow());
    REQUIRE(token);
    raw.sendTo(f.server->address(), requestOf(*token));
    CHECK(waitRejected(f, Rejection::Malformed, 2));

    std::vector<std::uint8_t> challengeAtServer(detail::kChallengeSize, 0);
    challengeAtServer[0] = 'T';
    challengeAtServer[1] = 'W';
    challengeAtServer[2] = 'H';
    challengeAtServer[3] = 2;
    raw.sendTo(f.server->address(), challengeAtServer);
    CHECK(waitRejected(f, Rejection::Malformed, 3));
}

TEST_CASE("a plain ENet CONNECT with no token is dropped before ENet allocates a peer") {
    Fixture f;
    REQUIRE(enet_initialize() == 0);
    ENetHost* host = enet_host_create(nullptr, 1, 3, 0, 0);
    REQUIRE(host != nullptr);
    ENetAddress to{};
    to.host = htonl(f.server->address().ipv4);
    to.port = f.server->address().port;
    ENetPeer* peer = enet_host_connect(host, &to, 3, 0);
    REQUIRE(peer != nullptr);
    const bool counted = pumpUntil(
        [&] {
            ENetEvent ev;
            while (enet_host_service(host, &ev, 0) > 0) {
            }
            f.pumpServer();
        },
        [&] { return rejected(*f.server, Rejection::NoToken) >= 2; });  // ENet retries its CONNECT
    CHECK(counted);
    CHECK(peer->state == ENET_PEER_STATE_CONNECTING);  // never answered
    CHECK(f.server->connectedCount() == 0);
    CHECK(f.serverEvents.empty());
    enet_host_destroy(host);
}

TEST_CASE("the pending-connection limit is enforced, counted and reported to the client") {
    ServerConfig config;
    config.maxPending = 1;
    Fixture f(config);
    // An address that answers the challenge and never connects ENet holds the one slot.
    ByHand staller(*f.token(1));
    REQUIRE(staller.request(f));
    REQUIRE(staller.cookie);
    staller.raw.sendTo(f.server->address(), staller.response());
    f.pumpServer();

    auto client = f.client(*f.token(2), quick());
    REQUIRE(client->connect());
    auto gone = runUntilDisconnected(f, *client);
    REQUIRE(gone);
    CHECK(gone->reason == DisconnectReason::Denied);
    REQUIRE(gone->denial);
    CHECK(*gone->denial == Rejection::PendingLimit);
    CHECK(rejected(*f.server, Rejection::PendingLimit) >= 1);
}

TEST_CASE("requests alone leave no state: a flood of them cannot fill the pending or token tables") {
    ServerConfig config;
    config.maxPending = 1;
    config.maxRememberedTokens = 1;
    Fixture f(config);
    // Valid tokens, but nobody answers the challenges: with spoofed source addresses the
    // challenges go to hosts that never asked.
    SpoofSocket spoof;
    RawSocket plain;
    for (std::uint16_t i = 0; i < 200; ++i) {
        const auto request = requestOf(*f.token(100 + i));
        const Address from{0x7F000001u + 1u + (i % 50u), static_cast<std::uint16_t>(20000 + i)};
        if (spoof.open()) {
            spoof.send(from, f.server->address(), request);
        } else {
            plain.sendTo(f.server->address(), request);
        }
    }
    for (int i = 0; i < 20; ++i) f.pumpServer();
    auto client = f.client(*f.token(1), quick());
    CHECK(f.connect(*client).has_value());
    CHECK(rejected(*f.server, Rejection::PendingLimit) == 0);
}

TEST_CASE("a second connection with a connected client id is rejected under the Reject policy") {
    Fixture f;
    auto first = f.client(*f.token(5));
    REQUIRE(f.connect(*first));
    auto second = f.client(*f.token(5), quick());
    REQUIRE(second->connect());
    auto gone = runUntilDisconnected(f, *second);
    REQUIRE(gone);
    CHECK(gone->reason == DisconnectReason::Denied);
    REQUIRE(gone->denial);
    CHECK(*gone->denial == Rejection::PlayerAlreadyConnected);
    CHECK(rejected(*f.server, Rejection::PlayerAlreadyConnected) >= 1);
    CHECK(first->connected());
}

TEST_CASE("a second connection with a connected client id replaces the first under the Replace policy") {
    ServerConfig config;
    config.duplicatePlayers = DuplicatePlayerPolicy::Replace;
    Fixture f(config);
    auto first = f.client(*f.token(5));
    const auto firstId = f.connect(*first);
    REQUIRE(firstId);
    auto second = f.client(*f.token(5));
    const auto secondId = f.connect(*second);
    REQUIRE(secondId);
    CHECK(*secondId != *firstId);
    auto gone = runUntilDisconnected(f, *first);
    REQUIRE(gone);
    CHECK(gone->reason == DisconnectReason::Replaced);
    CHECK(second->connected());
    CHECK(f.server->connectedCount() == 1);
}

TEST_CASE("a full server denies the next client and counts it") {
    ServerConfig config;
    config.maxClients = 1;
    Fixture f(config);
    auto first = f.client(*f.token(1));
    REQUIRE(f.connect(*first));
    auto second = f.client(*f.token(2), quick());
    REQUIRE(second->connect());
    auto gone = runUntilDisconnected(f, *second);
    REQUIRE(gone);
    REQUIRE(gone->denial);
    CHECK(*gone->denial == Rejection::ServerFull);
    CHECK(rejected(*f.server, Rejection::ServerFull) >= 1);
}

TEST_CASE("a response with a forged, stale or replayed cookie is rejected and the address stays shut") {
    Fixture f;
    ByHand hand(*f.token(1));
    REQUIRE(hand.request(f));
    REQUIRE(hand.cookie);
    auto forged = *hand.cookie;
    forged.mac[0] ^= 1;
    hand.raw.sendTo(f.server->address(), detail::writeResponse(hand.token, hand.nonce, forged));
    CHECK(waitRejected(f, Rejection::BadCookie, 1));
    auto otherNonce = hand.nonce;
    otherNonce[0] ^= 1;  // the cookie is bound to the nonce of the request it answered
    hand.raw.sendTo(f.server->address(), detail::writeResponse(hand.token, otherNonce, *hand.cookie));
    CHECK(waitRejected(f, Rejection::BadCookie, 2));
    // Still not allowed: an ENet-shaped datagram from it is dropped as tokenless.
    const auto before = rejected(*f.server, Rejection::NoToken);
    hand.raw.sendTo(f.server->address(), std::vector<std::uint8_t>(40, 0x01));
    CHECK(waitRejected(f, Rejection::NoToken, before + 1));
}

TEST_CASE("a cookie is good for the handshake timeout only") {
    std::uint64_t nowMs = 1000;
    ServerConfig config;
    config.handshakeTimeoutMs = 500;
    config.clock.monotonicMs = [&] { return nowMs; };
    Fixture f(config);
    ByHand hand(*f.token(1));
    REQUIRE(hand.request(f));
    REQUIRE(hand.cookie);
    nowMs += 501;
    hand.raw.sendTo(f.server->address(), hand.response());
    CHECK(waitRejected(f, Rejection::BadCookie, 1));
}

TEST_CASE("a response replayed after its attempt was superseded opens nothing") {
    Fixture f;
    ByHand first(*f.token(1));
    REQUIRE(first.request(f));
    REQUIRE(first.cookie);
    const auto firstResponse = first.response();
    first.raw.sendTo(f.server->address(), firstResponse);
    f.pumpServer();
    // The same client starts over from the same address (a new attempt, new nonces)...
    first.nonce = freshNonce();
    REQUIRE(first.request(f));
    first.raw.sendTo(f.server->address(), first.response());
    f.pumpServer();
    // ...and someone replays the first RESPONSE while its cookie is still fresh: it would
    // bring back the first attempt's keys.
    first.raw.sendTo(f.server->address(), firstResponse);
    CHECK(waitRejected(f, Rejection::BadCookie, 1));
}

TEST_CASE("the server's handshake replies are never larger than the datagram that caused them") {
    Fixture f;
    ByHand hand(*f.token(1));
    const auto request = detail::writeRequest(hand.token, hand.nonce);
    auto reply = hand.request(f);
    REQUIRE(reply);
    CHECK(reply->size() <= request.size());
    CHECK(detail::kDeniedSize <= detail::kRequestSize);
    CHECK(detail::kChallengeSize <= detail::kRequestSize);
    CHECK(detail::kDeniedSize <= detail::kResponseSize);
    // A DENIED in answer to a RESPONSE: the server is full by then.
    ServerConfig config;
    config.maxClients = 1;
    Fixture full(config);
    ByHand late(*full.token(2));
    REQUIRE(late.request(full));
    REQUIRE(late.cookie);
    auto first = full.client(*full.token(1));
    REQUIRE(full.connect(*first));
    const auto response = late.response();
    late.raw.sendTo(full.server->address(), response);
    std::optional<std::vector<std::uint8_t>> denied;
    REQUIRE(pumpUntil(
        [&] {
            full.pumpServer();
            first->update(0);
        },
        [&] { return (denied = late.raw.receive(0)).has_value(); }));
    CHECK(detail::handshakeType(*denied) == detail::HandshakeType::Denied);
    CHECK(denied->size() <= response.size());
    CHECK(detail::readDenied(*denied, late.token.serverToClientKey, late.token.protocolId, late.nonce) ==
          Rejection::ServerFull);
}

TEST_CASE("a client falls through to the next server in its token") {
    Fixture f;
    RawSocket down;  // holds a port of its own and never answers, like a server that is down
    TokenParams p;
    p.servers = {down.address(), f.server->address()};
    auto token = issueToken(f.key, p, unixNow());
    REQUIRE(token);
    auto client = f.client(*token, quick());
    CHECK(f.connect(*client).has_value());
}

namespace {

/// A one-client UDP relay that loses the first `lose` datagrams going one way that are not
/// handshake datagrams (so ENet's CONNECT, or the server's VERIFY_CONNECT), and passes
/// everything else.
class LosingRelay {
public:
    LosingRelay(Address server, bool towardServer, int lose) : server_(server), towardServer_(towardServer), lose_(lose) {}

    Address address() const { return listen_.address(); }
    int lost() const { return lost_; }

    void pump() {
        while (auto d = listen_.receiveFrom(0)) {
            client_ = d->second;
            forward(d->first, true, upstream_, server_);
        }
        while (auto d = upstream_.receiveFrom(0)) {
            if (client_) forward(d->first, false, listen_, *client_);
        }
    }

private:
    void forward(const std::vector<std::uint8_t>& bytes, bool toServer, const RawSocket& via, const Address& to) {
        if (toServer == towardServer_ && !detail::handshakeType(bytes) && lost_ < lose_) {
            ++lost_;
            return;
        }
        via.sendTo(to, bytes);
    }

    Address server_;
    bool towardServer_;
    int lose_;
    int lost_ = 0;
    RawSocket listen_, upstream_;
    std::optional<Address> client_;
};

void connectsDespiteLosing(bool towardServer, int lose) {
    Fixture f;  // the server forgets a silent handshake after its default 5 s
    LosingRelay relay(f.server->address(), towardServer, lose);
    auto t = *f.token();
    t.servers = {relay.address()};
    ClientConfig config;
    config.handshakeTimeoutMs = 15000;
    auto c = f.client(t, config);
    REQUIRE(c->connect());
    bool serverSaw = false;
    const bool ok = pumpUntil(
        [&] {
            relay.pump();
            f.pumpServer();
            relay.pump();
            c->update(1);
            for (const auto& ev : f.serverEvents) serverSaw = serverSaw || ev.type == Event::Type::Connected;
        },
        [&] { return c->connected() && serverSaw; }, 12000);
    CHECK(relay.lost() == lose);
    CHECK(ok);
}

}  // namespace

// ENet doubled the wait after each lost CONNECT (0.5, 1, 2, 4 s): four lost in a row pushed
// the fifth past the server's handshake timeout, and the player could not join.
TEST_CASE("a connection is made though its first four CONNECTs are lost") { connectsDespiteLosing(true, 4); }
TEST_CASE("a connection is made though the server's first four VERIFY_CONNECTs are lost") {
    connectsDespiteLosing(false, 4);
}
// Seven lost VERIFY_CONNECTs take the eighth past 5 s, while the client keeps repeating its
// CONNECT: the server kept the handshake of a client that had never fallen silent only for
// 5 s from its RESPONSE, and the client was left counting itself connected to nobody.
TEST_CASE("a handshake whose client keeps talking is not forgotten while ENet connects") {
    connectsDespiteLosing(false, 7);
}
