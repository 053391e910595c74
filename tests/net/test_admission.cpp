// Admission and the client's handshake, without sockets: datagrams are handed from one to
// the other in memory, and time is a number the test advances.

#include "admission.hpp"
#include "client_handshake.hpp"
#include "handshake.hpp"

#include <doctest/doctest.h>

using namespace tickwire::net;
using namespace tickwire::net::detail;

namespace {

const Address kServer{0x7F000001u, 40000};
const Address kAlice{0x0A000001u, 50001};
const Address kMallory{0x0A000002u, 50002};

struct World {
    Key key = Key::generate();
    std::array<std::uint64_t, kRejectionCount> rejected{};
    std::uint64_t nowMs = 10'000;
    std::uint64_t unix = 1'800'000'000;
    Admission admission;

    explicit World(AdmissionConfig config = {}) : admission(withKey(config), rejected) {}

    AdmissionConfig withKey(AdmissionConfig c) {
        c.key = key;
        c.publicAddresses = {kServer};
        return c;
    }

    ConnectToken token(std::uint64_t playerId, const Key* with = nullptr) const {
        TokenParams p;
        p.playerId = playerId;
        p.servers = {kServer};
        p.expiresInSeconds = 30;
        return *issueToken(with ? *with : key, p, unix);
    }

    std::uint64_t count(Rejection r) const { return rejected[static_cast<std::size_t>(r)]; }
    std::vector<std::uint8_t> send(const Address& from, std::span<const std::uint8_t> bytes) {
        return admission.onHandshake(from, bytes, nowMs, unix);
    }
};

/// A client's handshake driven against the world's admission until it is ALLOWED.
struct Dialer {
    ConnectToken token;
    ClientHandshake handshake;
    Address from;

    Dialer(ConnectToken t, Address address) : token(std::move(t)), handshake(token, 5000, 100), from(address) {}

    /// Runs REQUEST -> CHALLENGE -> RESPONSE; returns the last outcome.
    ClientHandshake::Outcome dial(World& w) {
        handshake.start(0, w.nowMs);
        const auto request = handshake.due(w.nowMs);
        REQUIRE(request);
        const auto reply = w.send(from, *request);
        if (reply.empty()) return ClientHandshake::Outcome::Ignored;
        const auto outcome = handshake.onDatagram(reply, w.nowMs);
        if (outcome != ClientHandshake::Outcome::Challenged) return outcome;
        const auto response = handshake.due(w.nowMs);
        REQUIRE(response);
        const auto answer = w.send(from, *response);
        if (!answer.empty()) return handshake.onDatagram(answer, w.nowMs);
        return outcome;
    }
};

}  // namespace

TEST_CASE("a client's handshake and the server's admission agree on the connection's keys") {
    World w;
    Dialer alice(w.token(1), kAlice);
    REQUIRE(alice.dial(w) == ClientHandshake::Outcome::Challenged);
    Allowed* entry = w.admission.allowed(kAlice);
    REQUIRE(entry != nullptr);
    CHECK(entry->token.playerId == 1);
    CHECK(entry->link->connectId() == alice.handshake.keys().connectId);
    // A datagram sealed by the client opens with the server's keys, and back.
    SealedLink client(alice.handshake.keys());
    std::vector<std::uint8_t> d = {0x80, 0x00, 0x12, 0x34, 0, 0, 0, 0, 42, 43};
    d.resize(d.size() + kTagSize);
    client.seal(d, 8);
    CHECK_FALSE(entry->link->open(d, 8).has_value());
    CHECK(d[8] == 42);
    CHECK(w.admission.linkFor(entry->link->connectId()) == entry->link.get());
}

TEST_CASE("a request leaves no state behind, however many arrive") {
    AdmissionConfig config;
    config.maxPending = 1;
    config.maxRememberedTokens = 1;
    World w(config);
    for (std::uint32_t i = 0; i < 1000; ++i) {
        ClientHandshake h(w.token(100 + i), 5000, 100);
        h.start(0, w.nowMs);
        const Address from{0x0B000000u + i, static_cast<std::uint16_t>(1000 + i)};
        CHECK(handshakeType(w.send(from, *h.due(w.nowMs))) == HandshakeType::Challenge);
    }
    CHECK(w.admission.allowedCount() == 0);
    CHECK(w.admission.rememberedTokens() == 0);
    Dialer alice(w.token(1), kAlice);
    CHECK(alice.dial(w) == ClientHandshake::Outcome::Challenged);
    CHECK(w.admission.allowed(kAlice) != nullptr);
}

TEST_CASE("an allowed address keeps its entry against a handshake with another token") {
    World w;
    Dialer alice(w.token(1), kAlice);
    REQUIRE(alice.dial(w) == ClientHandshake::Outcome::Challenged);
    const auto connectId = w.admission.allowed(kAlice)->link->connectId();
    // Mallory spoofs Alice's address with a token of her own: no reply, counted.
    Dialer spoofer(w.token(2), kAlice);
    CHECK(spoofer.dial(w) == ClientHandshake::Outcome::Ignored);
    CHECK(w.count(Rejection::AddressInUse) == 1);
    REQUIRE(w.admission.allowed(kAlice) != nullptr);
    CHECK(w.admission.allowed(kAlice)->link->connectId() == connectId);
    CHECK(w.admission.allowed(kAlice)->token.playerId == 1);
}

TEST_CASE("a connected address answers no handshake, but a late resend of its own is not counted") {
    World w;
    Dialer alice(w.token(1), kAlice);
    REQUIRE(alice.dial(w) == ClientHandshake::Outcome::Challenged);
    const auto response = *alice.handshake.due(w.nowMs + 1000);
    auto entry = w.admission.take(kAlice);
    REQUIRE(entry);
    w.admission.connected(kAlice, 1, *entry);
    CHECK(w.send(kAlice, response).empty());
    CHECK(w.count(Rejection::AddressInUse) == 0);
    Dialer again(alice.token, kAlice);  // the same token, a new attempt: someone replaying it
    CHECK(again.dial(w) == ClientHandshake::Outcome::Ignored);
    CHECK(w.count(Rejection::AddressInUse) == 1);
    w.admission.disconnected(kAlice, 1, entry->link ? entry->link->connectId() : 0);
}

TEST_CASE("a token used from one address is refused from another until it expires") {
    World w;
    const auto token = w.token(1);
    Dialer alice(token, kAlice);
    REQUIRE(alice.dial(w) == ClientHandshake::Outcome::Challenged);
    Dialer mallory(token, kMallory);
    CHECK(mallory.dial(w) == ClientHandshake::Outcome::Denied);
    CHECK(mallory.handshake.denial() == Rejection::TokenReused);
    w.unix = token.expireTime;
    w.nowMs += 10'000;
    (void)w.admission.prune(w.nowMs, w.unix);
    CHECK(w.admission.rememberedTokens() == 0);
}

TEST_CASE("a denial opens only for the attempt it answers") {
    AdmissionConfig config;
    config.maxClients = 1;
    World w(config);
    Dialer alice(w.token(1), kAlice);
    REQUIRE(alice.dial(w) == ClientHandshake::Outcome::Challenged);
    Dialer bob(w.token(2), kMallory);
    bob.handshake.start(0, w.nowMs);
    const auto denied = w.send(kMallory, *bob.handshake.due(w.nowMs));
    REQUIRE(handshakeType(denied) == HandshakeType::Denied);
    // Bob starts a new attempt; the denial of the old one is refused.
    bob.handshake.start(0, w.nowMs);
    CHECK(bob.handshake.onDatagram(denied, w.nowMs) == ClientHandshake::Outcome::Dropped);
    // A challenge for another attempt likewise.
    Dialer carol(w.token(3), kMallory);
    carol.handshake.start(0, w.nowMs);
    (void)carol.handshake.due(w.nowMs);
    Dialer dave(w.token(3), kMallory);  // same token, other nonce
    dave.handshake.start(0, w.nowMs);
    const auto reply = w.send(kMallory, *dave.handshake.due(w.nowMs));
    CHECK(carol.handshake.onDatagram(reply, w.nowMs) == ClientHandshake::Outcome::Dropped);
}

TEST_CASE("allowed entries and used cookies are forgotten after the handshake timeout") {
    AdmissionConfig config;
    config.handshakeTimeoutMs = 1000;
    World w(config);
    Dialer alice(w.token(1), kAlice);
    REQUIRE(alice.dial(w) == ClientHandshake::Outcome::Challenged);
    CHECK(w.admission.rememberedCookies() == 1);
    w.nowMs += 1000;
    CHECK(w.admission.prune(w.nowMs, w.unix).empty());
    w.nowMs += 1;
    const auto forgotten = w.admission.prune(w.nowMs, w.unix);
    REQUIRE(forgotten.size() == 1);
    CHECK(forgotten[0] == kAlice);
    CHECK(w.admission.allowed(kAlice) == nullptr);
    CHECK(w.admission.rememberedCookies() == 0);
    // Its RESPONSE, replayed now, is stale.
    CHECK(w.send(kAlice, *alice.handshake.due(w.nowMs + 1000)).empty());
    CHECK(w.count(Rejection::BadCookie) == 1);
}

TEST_CASE("a cookie is bound to the address it was sent to") {
    World w;
    Dialer alice(w.token(1), kAlice);
    alice.handshake.start(0, w.nowMs);
    const auto challenge = w.send(kAlice, *alice.handshake.due(w.nowMs));
    REQUIRE(alice.handshake.onDatagram(challenge, w.nowMs) == ClientHandshake::Outcome::Challenged);
    // Someone who saw the RESPONSE sends it from another address.
    CHECK(w.send(kMallory, *alice.handshake.due(w.nowMs)).empty());
    CHECK(w.count(Rejection::BadCookie) == 1);
    CHECK(w.admission.allowed(kMallory) == nullptr);
}

TEST_CASE("the client walks its servers and gives up at each one's deadline") {
    World w;
    TokenParams p;
    p.servers = {Address{1, 1}, kServer};
    const auto token = *issueToken(w.key, p, w.unix);
    ClientHandshake h(token, 500, 100);
    h.start(0, 0);
    CHECK(h.due(0));
    CHECK_FALSE(h.due(99));
    CHECK(h.due(100));
    CHECK_FALSE(h.timedOut(499));
    CHECK(h.timedOut(500));
    h.start(1, 500);
    CHECK(h.server() == kServer);
    CHECK_FALSE(h.timedOut(999));
}
