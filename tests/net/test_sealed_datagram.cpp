#include "crypto_internal.hpp"
#include "harness.hpp"
#include "handshake.hpp"
#include "sealed_datagram.hpp"

#include <tickwire/net/link_sim.hpp>

#include <enet/enet.h>

#include <doctest/doctest.h>

#include <cstring>

using namespace tickwire::net;
using namespace tickwire::net::detail;
using namespace tickwire::net::test;

namespace {

/// Both ends of one connection's keys.
struct Pair {
    Key c2s = Key::generate();
    Key s2c = Key::generate();
    SealedLink client{SessionKeys{c2s, s2c, 7}};
    SealedLink server{SessionKeys{s2c, c2s, 7}};
};

constexpr std::size_t kHeaderBytes = 8;  // peer id, sent time, slot

/// An ENet-shaped datagram: peer id field (with the sent-time flag), sent time, slot,
/// the commands, and room for the tag.
std::vector<std::uint8_t> datagram(std::vector<std::uint8_t> commands, std::uint16_t peerId = 0) {
    const std::uint16_t field = static_cast<std::uint16_t>(peerId | ENET_PROTOCOL_HEADER_FLAG_SENT_TIME);
    std::vector<std::uint8_t> d = {static_cast<std::uint8_t>(field >> 8), static_cast<std::uint8_t>(field), 0x12, 0x34,
                                   0, 0, 0, 0};
    d.resize(d.size() + commands.size() + kTagSize);
    std::copy(commands.begin(), commands.end(), d.begin() + kHeaderBytes);
    return d;
}

constexpr std::size_t kHeader = kHeaderBytes;

}  // namespace

TEST_CASE("a sealed datagram opens once, intact, on the other side only") {
    Pair p;
    const std::vector<std::uint8_t> commands = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    auto d = datagram(commands);
    p.client.seal(d, kHeader);
    CHECK(std::memcmp(d.data() + kHeader, commands.data(), commands.size()) != 0);  // encrypted
    auto replay = d;
    auto wrongWay = d;
    CHECK(p.client.open(wrongWay, kHeader) == Drop::AuthFailed);  // the client's receive key is the other one
    CHECK_FALSE(p.server.open(d, kHeader).has_value());
    CHECK(std::vector<std::uint8_t>(d.begin() + kHeader, d.end() - kTagSize) == commands);
    CHECK(p.server.open(replay, kHeader) == Drop::Replayed);
}

TEST_CASE("the datagram number travels in ENet's checksum slot, little-endian, with the tag's first byte") {
    Pair p;
    for (std::uint32_t n = 0; n < 3; ++n) {
        auto d = datagram({0xAA});
        p.client.seal(d, kHeader);
        std::uint32_t number = 0;
        for (int i = 0; i < 3; ++i) number |= std::uint32_t{d[4 + static_cast<std::size_t>(i)]} << (8 * i);
        CHECK(number == n);
        CHECK(d.size() == kHeader + 1 + kTagSize);  // the header, one command byte, 7 tag bytes
    }
    CHECK(p.client.sent() == 3);
}

TEST_CASE("the short tag is the first 7 bytes of RFC 8439's ChaCha20-Poly1305 tag") {
    const Key key = Key::generate();
    std::array<std::uint8_t, kNonceSize> nonce{};
    nonce[0] = 42;
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{17},
                             std::size_t{1357}}) {
        std::vector<std::uint8_t> plain(size);
        for (std::size_t i = 0; i < size; ++i) plain[i] = static_cast<std::uint8_t>(i * 7);
        const std::vector<std::uint8_t> ad = {1, 2, 3, 4, 5};
        // libsodium's full AEAD, for reference.
        std::vector<std::uint8_t> full(plain);
        full.resize(size + kMacSize);
        seal(full, ad, nonce, key.data());
        std::vector<std::uint8_t> data(plain);
        std::array<std::uint8_t, kShortTagSize> tag{};
        sealShort(data, ad, nonce, key.data(), tag);
        CHECK(std::equal(data.begin(), data.end(), full.begin()));
        CHECK(std::equal(tag.begin(), tag.end(), full.begin() + static_cast<std::ptrdiff_t>(size)));
        CHECK(openShort(data, ad, nonce, key.data(), tag));
        CHECK(data == plain);
        sealShort(data, ad, nonce, key.data(), tag);
        tag[6] ^= 0x80;
        const auto before = data;
        CHECK_FALSE(openShort(data, ad, nonce, key.data(), tag));
        CHECK(data == before);  // left encrypted
    }
}

TEST_CASE("every clear header byte is authenticated, and every sealed byte") {
    Pair p;
    auto original = datagram({1, 2, 3, 4});
    p.client.seal(original, kHeader);
    for (std::size_t i = 0; i < original.size(); ++i) {
        auto d = original;
        d[i] ^= 0x01;
        SealedLink fresh{SessionKeys{p.s2c, p.c2s, 7}};
        const auto why = fresh.open(d, kHeader);
        REQUIRE(why.has_value());
        // A flipped slot byte names another datagram number, which then fails its tag too.
        CHECK(*why == Drop::AuthFailed);
    }
    CHECK_FALSE(p.server.open(original, kHeader).has_value());
}

TEST_CASE("a datagram sealed under another connection's keys fails and leaves the window alone") {
    Pair p;
    Pair other;
    auto foreign = datagram({9, 9});
    other.client.seal(foreign, kHeader);
    CHECK(p.server.open(foreign, kHeader) == Drop::AuthFailed);
    // The forgery claimed number 0; the real datagram 0 still opens.
    auto real = datagram({1});
    p.client.seal(real, kHeader);
    CHECK_FALSE(p.server.open(real, kHeader).has_value());
}

TEST_CASE("late datagrams inside the window are accepted once; older ones are too old") {
    Pair p;
    std::vector<std::vector<std::uint8_t>> sealed;
    for (int i = 0; i < 1100; ++i) {
        auto d = datagram({static_cast<std::uint8_t>(i)});
        p.client.seal(d, kHeader);
        sealed.push_back(d);
    }
    // Deliver 1099 first, then late ones.
    CHECK_FALSE(p.server.open(sealed[1099], kHeader).has_value());
    CHECK_FALSE(p.server.open(sealed[500], kHeader).has_value());
    CHECK(p.server.open(sealed[500], kHeader) == Drop::Replayed);
    CHECK(p.server.open(sealed[10], kHeader) == Drop::TooOld);  // 1089 below the newest
    CHECK_FALSE(p.server.open(sealed[1098], kHeader).has_value());
}

TEST_CASE("datagram numbers survive truncation to 24 bits around the expected value") {
    const std::uint64_t base = (std::uint64_t{1} << 24);
    for (std::uint64_t largest : {std::uint64_t{0}, std::uint64_t{100}, base - 1, base, base + 5, (base << 8) + 77}) {
        for (std::int64_t delta : {1, 2, 1000, -5, -1000, 1 << 20, -(1 << 20), (1 << 23) - 1, -(1 << 23) + 2}) {
            if (delta < 0 && static_cast<std::uint64_t>(-delta) > largest) continue;
            const auto n = static_cast<std::uint64_t>(static_cast<std::int64_t>(largest) + delta);
            CHECK(reconstructDatagramNumber(largest, static_cast<std::uint32_t>(n & 0xFFFFFF)) == n);
        }
    }
    CHECK(reconstructDatagramNumber(std::nullopt, 5) == 5);
}

TEST_CASE("the clear header says where the sealed part starts and refuses compression") {
    auto d = datagram({1, 2, 3});
    auto h = readDatagramHeader(d);
    REQUIRE(h);
    CHECK(h->size == kHeader);
    CHECK(h->peerId == 0);
    std::vector<std::uint8_t> noSentTime = {0x00, 0x05, 0, 0, 0, 0};  // peer 5, no sent time, slot
    noSentTime.resize(noSentTime.size() + kTagSize);
    h = readDatagramHeader(noSentTime);
    REQUIRE(h);
    CHECK(h->size == 6);
    CHECK(h->peerId == 5);
    auto compressed = d;
    compressed[0] |= 0x40;
    CHECK_FALSE(readDatagramHeader(compressed));
    auto short1 = std::vector<std::uint8_t>(kHeader + kTagSize - 1, 0);  // sent time flag: 8-byte header
    short1[0] = 0x80;
    CHECK_FALSE(readDatagramHeader(short1));  // no room for a tag
    short1.push_back(0);
    CHECK(readDatagramHeader(short1));
    auto connect = datagram({}, kNoPeer);
    h = readDatagramHeader(connect);
    REQUIRE(h);
    CHECK(h->peerId == kNoPeer);
}

TEST_CASE("the connect id is read only from a well-formed CONNECT naming a real peer") {
    ENetProtocolConnect c{};
    c.header.command = static_cast<enet_uint8>(ENET_PROTOCOL_COMMAND_CONNECT) |
                       static_cast<enet_uint8>(ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE);
    c.outgoingPeerID = ENET_HOST_TO_NET_16(0);
    c.connectID = 0xCAFEF00Du;
    std::vector<std::uint8_t> bytes(sizeof c);
    std::memcpy(bytes.data(), &c, sizeof c);
    CHECK(connectIdOfConnect(bytes) == 0xCAFEF00Du);
    CHECK_FALSE(connectIdOfConnect(std::span(bytes).first(sizeof c - 1)));
    c.outgoingPeerID = ENET_HOST_TO_NET_16(0xFFF);
    std::memcpy(bytes.data(), &c, sizeof c);
    CHECK_FALSE(connectIdOfConnect(bytes));
    bytes[0] = ENET_PROTOCOL_COMMAND_PING;
    CHECK_FALSE(connectIdOfConnect(bytes));
}

TEST_CASE("session keys differ for every pair of nonces and agree on both sides") {
    const Key c2s = Key::generate();
    const Key s2c = Key::generate();
    AttemptNonce a{}, b{};
    a[0] = 1;
    b[0] = 2;
    const auto server = deriveSessionKeys(c2s, s2c, kDefaultProtocolId, a, b, true);
    const auto client = deriveSessionKeys(c2s, s2c, kDefaultProtocolId, a, b, false);
    CHECK(server.send == client.receive);
    CHECK(server.receive == client.send);
    CHECK(server.connectId == client.connectId);
    CHECK(server.connectId != 0);
    const auto otherClientNonce = deriveSessionKeys(c2s, s2c, kDefaultProtocolId, b, b, true);
    const auto otherServerNonce = deriveSessionKeys(c2s, s2c, kDefaultProtocolId, a, a, true);
    const auto otherProtocol = deriveSessionKeys(c2s, s2c, kDefaultProtocolId + 1, a, b, true);
    for (const auto& k : {otherClientNonce, otherServerNonce, otherProtocol}) {
        CHECK_FALSE(k.send == server.send);
        CHECK_FALSE(k.receive == server.receive);
    }
    CHECK_FALSE(server.send == c2s);
    CHECK_FALSE(server.send == s2c);
}

TEST_CASE("tampering on the wire is dropped and counted by a live server") {
    Fixture f;
    LinkSimConfig sim;
    sim.forward = f.server->address();
    auto relay = LinkSim::create(sim);
    REQUIRE(relay);
    bool tamper = false;
    (*relay)->setMutator([&](LinkDirection dir, std::vector<std::uint8_t>& bytes) {
        if (tamper && dir == LinkDirection::ToServer && bytes.size() > 60) bytes.back() ^= 0x01;
    });
    auto token = *f.token();
    // The sealed part still names the server's real address; the client dials the relay.
    token.servers = {(*relay)->listenAddress()};
    auto client = f.client(token);
    REQUIRE(client->connect());
    REQUIRE(pumpUntil(
        [&] {
            f.pumpServer();
            (*relay)->update();
            client->update(1);
        },
        [&] { return client->connected() && f.server->connectedCount() == 1; }));
    tamper = true;
    for (int i = 0; i < 5; ++i) {
        REQUIRE(client->send(Channel::Unreliable, std::vector<std::uint8_t>(64, 7)));
        client->flush();
    }
    const auto authFailed = [&] { return f.server->hostStats().dropped[static_cast<std::size_t>(Drop::AuthFailed)]; };
    REQUIRE(pumpUntil(
        [&] {
            f.pumpServer();
            (*relay)->update();
            client->update(1);
        },
        [&] { return authFailed() >= 5; }));
    CHECK(f.server->hostStats().messagesIn == 0);
}
