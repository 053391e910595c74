#include "endpoint_internal.hpp"
#include "harness.hpp"
#include "sealed_channel_internal.hpp"

#include <tickwire/net/link_sim.hpp>

#include <doctest/doctest.h>

#include <cstring>

using namespace tickwire::net;
using namespace tickwire::net::detail;
using namespace tickwire::net::test;

namespace {

/// One sealed packet carrying `messages`, as Connection would build it.
std::vector<std::uint8_t> sealPacket(SecureLink& link, Channel channel,
                                     const std::vector<std::vector<std::uint8_t>>& messages) {
    std::vector<std::uint8_t> plain = {0};  // each message carries its own length
    for (const auto& m : messages) {
        std::uint8_t len[4];
        plain.insert(plain.end(), len, len + writeVarint(len, m.size()));
        plain.insert(plain.end(), m.begin(), m.end());
    }
    const std::uint64_t pn = link.takePacketNumber(channel);
    const std::size_t pnSize = packetNumberSize(channel, pn);
    std::vector<std::uint8_t> packet(pnSize + plain.size() + kSealOverhead);
    writePacketNumber(packet.data(), pnSize, pn);
    std::memcpy(packet.data() + pnSize, plain.data(), plain.size());
    link.seal(channel, pn, pnSize, packet);
    return packet;
}

struct Receiver {
    Key c2s = Key::generate();
    Key s2c = Key::generate();
    SecureLink sender{c2s, s2c, kDefaultProtocolId};
    Connection conn{ClientId{1}, 7, nullptr, s2c, c2s, kDefaultProtocolId, ChannelLimits{}};
    HostStats host;
    std::deque<Event> events;

    std::optional<Drop> deliver(Channel channel, const std::vector<std::uint8_t>& bytes) {
        ENetPacket* packet = enet_packet_create(bytes.data(), bytes.size(), 0);
        auto why = conn.receive(channel, packet, events, 1000, host);
        enet_packet_destroy(packet);
        return why;
    }
    std::uint64_t dropped(Drop d) const { return host.dropped[static_cast<std::size_t>(d)]; }
};

}  // namespace

TEST_CASE("packet numbers survive truncation around the expected value") {
    for (std::uint64_t largest : {0ull, 100ull, 16383ull, 16384ull, 1000000ull, (1ull << 40) + 5}) {
        for (std::int64_t delta : {1, 2, 50, 63, -5, -60, 1000, 8000}) {
            if (delta < 0 && static_cast<std::uint64_t>(-delta) > largest) continue;
            const auto pn = static_cast<std::uint64_t>(static_cast<std::int64_t>(largest) + delta);
            for (Channel ch : {Channel::Sequenced, Channel::Unreliable}) {
                std::uint8_t buf[4];
                const std::size_t size = writePacketNumber(buf, packetNumberSize(ch, pn), pn);
                const auto t = readPacketNumber(std::span(buf, size));
                REQUIRE(t);
                CHECK(reconstructPacketNumber(largest, t->value, t->bits) == pn);
            }
        }
        std::uint8_t one[1];
        writePacketNumber(one, 1, largest + 1);
        const auto t = readPacketNumber(std::span(one, 1));
        CHECK(reconstructPacketNumber(largest, t->value, t->bits) == largest + 1);
    }
}

TEST_CASE("a receiver that missed more than the short window resynchronises on a long packet number") {
    // 20000 consecutive losses exceed what a 14-bit number can bridge; every 16th packet
    // carries 30 bits and gets the receiver back in step.
    Receiver r;
    REQUIRE_FALSE(r.deliver(Channel::Unreliable, sealPacket(r.sender, Channel::Unreliable, {{1}})));
    for (int i = 0; i < 20000; ++i) r.sender.takePacketNumber(Channel::Unreliable);
    int delivered = 0;
    for (int i = 0; i < 16; ++i) {
        if (!r.deliver(Channel::Unreliable, sealPacket(r.sender, Channel::Unreliable, {{2}}))) ++delivered;
    }
    CHECK(delivered >= 1);
    // Once back in step, every packet opens.
    for (int i = 0; i < 40; ++i) {
        CHECK_FALSE(r.deliver(Channel::Unreliable, sealPacket(r.sender, Channel::Unreliable, {{3}})));
    }
}

TEST_CASE("a replayed packet is dropped and counted") {
    Receiver r;
    const auto packet = sealPacket(r.sender, Channel::Unreliable, {{1, 2, 3}});
    CHECK_FALSE(r.deliver(Channel::Unreliable, packet));
    CHECK(r.events.size() == 1);
    CHECK(r.deliver(Channel::Unreliable, packet) == Drop::Replayed);
    CHECK(r.events.size() == 1);
    CHECK(r.dropped(Drop::Replayed) == 1);
    CHECK(r.conn.stats().dropped[static_cast<std::size_t>(Drop::Replayed)] == 1);
}

TEST_CASE("an unreliable packet arriving late but inside the window is accepted once") {
    Receiver r;
    const auto early = sealPacket(r.sender, Channel::Unreliable, {{1}});
    const auto later = sealPacket(r.sender, Channel::Unreliable, {{2}});
    CHECK_FALSE(r.deliver(Channel::Unreliable, later));
    CHECK_FALSE(r.deliver(Channel::Unreliable, early));
    CHECK(r.deliver(Channel::Unreliable, early) == Drop::Replayed);
    CHECK(r.events.size() == 2);
}

TEST_CASE("a packet older than the replay window is dropped as too old") {
    Receiver r;
    const auto old = sealPacket(r.sender, Channel::Unreliable, {{1}});
    for (std::uint64_t i = 0; i < ReplayWindow::kSize + 10; ++i) {
        REQUIRE_FALSE(r.deliver(Channel::Unreliable, sealPacket(r.sender, Channel::Unreliable, {{2}})));
    }
    CHECK(r.deliver(Channel::Unreliable, old) == Drop::TooOld);
    CHECK(r.dropped(Drop::TooOld) == 1);
}

TEST_CASE("the sequenced channel never delivers an older packet after a newer one") {
    Receiver r;
    const auto older = sealPacket(r.sender, Channel::Sequenced, {{1}});
    const auto newer = sealPacket(r.sender, Channel::Sequenced, {{2}});
    CHECK_FALSE(r.deliver(Channel::Sequenced, newer));
    CHECK(r.deliver(Channel::Sequenced, older) == Drop::TooOld);
    REQUIRE(r.events.size() == 1);
    CHECK(r.events.front().data == std::vector<std::uint8_t>{2});
}

TEST_CASE("a tampered packet is dropped and counted, and the window does not move") {
    Receiver r;
    auto packet = sealPacket(r.sender, Channel::Reliable, {{1, 2, 3, 4}});
    for (std::size_t i = 0; i < packet.size(); ++i) {
        auto bad = packet;
        bad[i] ^= 0x40;
        CHECK(r.deliver(Channel::Reliable, bad).has_value());
    }
    CHECK(r.dropped(Drop::AuthFailed) + r.dropped(Drop::Malformed) + r.dropped(Drop::Replayed) == packet.size());
    CHECK(r.dropped(Drop::AuthFailed) >= packet.size() - 1);
    CHECK(r.events.empty());
    CHECK_FALSE(r.deliver(Channel::Reliable, packet));  // the genuine one still opens
}

TEST_CASE("a packet moved to another channel fails to open") {
    Receiver r;
    const auto packet = sealPacket(r.sender, Channel::Unreliable, {{9}});
    CHECK(r.deliver(Channel::Sequenced, packet) == Drop::AuthFailed);
}

TEST_CASE("a packet sealed under a foreign key is dropped and counted") {
    Receiver r;
    SecureLink stranger(Key::generate(), Key::generate(), kDefaultProtocolId);
    CHECK(r.deliver(Channel::Unreliable, sealPacket(stranger, Channel::Unreliable, {{1}})) == Drop::AuthFailed);
    CHECK(r.dropped(Drop::AuthFailed) == 1);
}

TEST_CASE("a sealed batch whose lengths do not add up is dropped whole") {
    Receiver r;
    // Authentic, but a length runs past the end: nothing of it is delivered.
    std::vector<std::uint8_t> plain = {0, 2, 0xAA, 0xBB, 9, 0x01};
    const std::uint64_t pn = r.sender.takePacketNumber(Channel::Reliable);
    std::vector<std::uint8_t> packet(1 + plain.size() + kSealOverhead);
    writePacketNumber(packet.data(), 1, pn);
    std::memcpy(packet.data() + 1, plain.data(), plain.size());
    r.sender.seal(Channel::Reliable, pn, 1, packet);
    CHECK(r.deliver(Channel::Reliable, packet) == Drop::Malformed);
    CHECK(r.events.empty());
    CHECK(r.deliver(Channel::Reliable, {0x05}) == Drop::Malformed);  // shorter than a tag
    CHECK(r.dropped(Drop::Malformed) == 2);
}

TEST_CASE("a uniform batch carries its length once and must divide evenly") {
    Receiver r;
    auto sealPlain = [&](std::vector<std::uint8_t> plain) {
        const std::uint64_t pn = r.sender.takePacketNumber(Channel::Reliable);
        std::vector<std::uint8_t> packet(1 + plain.size() + kSealOverhead);
        writePacketNumber(packet.data(), 1, pn);
        std::memcpy(packet.data() + 1, plain.data(), plain.size());
        r.sender.seal(Channel::Reliable, pn, 1, packet);
        return packet;
    };
    CHECK_FALSE(r.deliver(Channel::Reliable, sealPlain({2, 1, 2, 3, 4, 5, 6})));
    REQUIRE(r.events.size() == 3);
    CHECK(r.events[2].data == std::vector<std::uint8_t>{5, 6});
    CHECK(r.deliver(Channel::Reliable, sealPlain({2, 1, 2, 3})) == Drop::Malformed);
    CHECK(r.deliver(Channel::Reliable, sealPlain({2})) == Drop::Malformed);
    CHECK(r.events.size() == 3);
}

TEST_CASE("a message over the channel's limit inside an authentic batch is dropped as oversize") {
    Receiver r;
    const std::vector<std::uint8_t> big(1300, 1);  // above the 1200-byte unreliable limit
    CHECK(r.deliver(Channel::Unreliable, sealPacket(r.sender, Channel::Unreliable, {big})) == Drop::Oversize);
    CHECK(r.dropped(Drop::Oversize) == 1);
}

TEST_CASE("received messages beyond the event queue limit are dropped and counted") {
    Receiver r;
    std::vector<std::vector<std::uint8_t>> many(10, std::vector<std::uint8_t>{1});
    const auto packet = sealPacket(r.sender, Channel::Reliable, many);
    ENetPacket* p = enet_packet_create(packet.data(), packet.size(), 0);
    r.conn.receive(Channel::Reliable, p, r.events, 4, r.host);
    enet_packet_destroy(p);
    CHECK(r.events.size() == 4);
    CHECK(r.dropped(Drop::QueueOverflow) == 6);
}

TEST_CASE("tampering on the wire is dropped and counted by a live server") {
    Fixture f;
    LinkSimConfig sim;
    sim.forward = f.server->address();
    auto relay = LinkSim::create(sim);
    REQUIRE(relay);
    bool tamper = false;
    (*relay)->setMutator([&](LinkDirection dir, std::vector<std::uint8_t>& bytes) {
        // The sealed batch ends the datagram when the client sends one unreliable message.
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
