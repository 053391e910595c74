#include "handshake_internal.hpp"
#include "harness.hpp"

#include <enet/enet.h>

#include <doctest/doctest.h>

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
    raw.sendTo(f.server->address(), detail::writeRequest(*token));
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
    raw.sendTo(f.server->address(), detail::writeRequest(*token));
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
    // An address that presents a token and never answers the challenge holds the one slot.
    RawSocket staller;
    staller.sendTo(f.server->address(), detail::writeRequest(*f.token(1)));
    REQUIRE(pumpUntil([&] { f.pumpServer(); }, [&] { return staller.receive(0).has_value(); }));

    auto client = f.client(*f.token(2), quick());
    REQUIRE(client->connect());
    auto gone = runUntilDisconnected(f, *client);
    REQUIRE(gone);
    CHECK(gone->reason == DisconnectReason::Denied);
    REQUIRE(gone->denial);
    CHECK(*gone->denial == Rejection::PendingLimit);
    CHECK(rejected(*f.server, Rejection::PendingLimit) >= 1);
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
    CHECK(*gone->denial == Rejection::ClientIdInUse);
    CHECK(rejected(*f.server, Rejection::ClientIdInUse) >= 1);
    CHECK(first->connected());
}

TEST_CASE("a second connection with a connected client id replaces the first under the Replace policy") {
    ServerConfig config;
    config.duplicateClients = DuplicateClientPolicy::Replace;
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

TEST_CASE("a challenge response with the wrong cookie is rejected and the address stays shut") {
    Fixture f;
    RawSocket raw;
    raw.sendTo(f.server->address(), detail::writeRequest(*f.token(1)));
    std::optional<std::vector<std::uint8_t>> challenge;
    REQUIRE(pumpUntil([&] { f.pumpServer(); }, [&] { return (challenge = raw.receive(0)).has_value(); }));
    detail::Cookie wrong{};
    raw.sendTo(f.server->address(), detail::writeResponse(wrong));
    CHECK(waitRejected(f, Rejection::BadCookie, 1));
    // Still not allowed: an ENet-shaped datagram from it is dropped as tokenless.
    const auto before = rejected(*f.server, Rejection::NoToken);
    raw.sendTo(f.server->address(), std::vector<std::uint8_t>(40, 0x01));
    CHECK(waitRejected(f, Rejection::NoToken, before + 1));
}

TEST_CASE("the server's handshake replies are never larger than the request") {
    Fixture f;
    RawSocket raw;
    const auto request = detail::writeRequest(*f.token(1));
    raw.sendTo(f.server->address(), request);
    std::optional<std::vector<std::uint8_t>> reply;
    REQUIRE(pumpUntil([&] { f.pumpServer(); }, [&] { return (reply = raw.receive(0)).has_value(); }));
    CHECK(reply->size() <= request.size());
    CHECK(detail::kDeniedSize <= detail::kRequestSize);
    CHECK(detail::kChallengeSize <= detail::kRequestSize);
}

TEST_CASE("a client falls through to the next server in its token") {
    Fixture f;
    TokenParams p;
    p.servers = {Address::loopback(9), f.server->address()};  // nothing listens on port 9
    auto token = issueToken(f.key, p, unixNow());
    REQUIRE(token);
    auto client = f.client(*token, quick());
    CHECK(f.connect(*client).has_value());
}
