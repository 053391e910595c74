#include "../support/made.hpp"
#include "../net/harness.hpp"

#include <tickwire/net/link_sim.hpp>

#include <doctest/doctest.h>

#include <cstring>

using namespace tickwire::net;
using namespace tickwire::net::test;

namespace {

struct LossyLink {
    Fixture f;
    std::unique_ptr<LinkSim> relay;
    std::unique_ptr<Client> client;
    std::optional<ConnectionId> id;

    explicit LossyLink(const LinkSimConfig& conditions) {
        LinkSimConfig sim = conditions;
        sim.forward = f.server->address();
        relay = tickwire::test::made(LinkSim::create(sim));
        auto token = *f.token(1, /*timeoutSeconds=*/30);
        token.servers = {relay->listenAddress()};
        ClientConfig cc;
        cc.handshakeTimeoutMs = 10000;
        client = f.client(token, cc);
    }

    /// Connects through the relay; true once both ends see the connection.
    bool connect() {
        if (!client->connect()) return false;
        return pumpUntil([&] { step(); },
                         [&] {
                             while (auto ev = f.server->poll()) {
                                 if (ev->type == Event::Type::Connected) id = ev->client;
                             }
                             return client->connected() && id.has_value();
                         },
                         20000);
    }

    void step() {
        f.server->update(0);
        relay->update();
        client->update(0);
        relay->wait(1);
    }
};

}  // namespace

TEST_CASE("10,000 reliable messages arrive complete and in order through 20% loss, 50 +- 20 ms, 5% duplication") {
    LinkSimConfig sim;
    sim.latencyMs = 50;
    sim.jitterMs = 20;
    sim.lossPct = 20;
    sim.duplicatePct = 5;
    sim.seed = 7;
    LossyLink link(sim);
    REQUIRE(link.connect());

    constexpr std::uint32_t kCount = 10000;
    std::uint32_t sent = 0;
    std::uint32_t received = 0;
    bool inOrder = true;
    const bool done = pumpUntil(
        [&] {
            // A game sends what it has each tick; the queue limit is the only back-pressure.
            for (int i = 0; i < 200 && sent < kCount; ++i) {
                std::uint8_t msg[32] = {};
                std::memcpy(msg, &sent, sizeof sent);
                if (!link.client->send(Channel::Reliable, msg)) break;
                ++sent;
            }
            link.step();
            while (auto ev = link.f.server->poll()) {
                if (ev->type != Event::Type::Message) continue;
                std::uint32_t seq = 0;
                std::memcpy(&seq, ev->data.data(), sizeof seq);
                inOrder = inOrder && seq == received && ev->data.size() == 32;
                ++received;
            }
        },
        [&] { return received == kCount; }, 120000);
    CHECK(done);
    CHECK(received == kCount);
    CHECK(inOrder);
    CHECK(link.relay->stats().dropped > 0);
    CHECK(link.relay->stats().duplicated > 0);
    const auto& drops = link.f.server->hostStats().dropped;
    CHECK(drops[static_cast<std::size_t>(Drop::AuthFailed)] == 0);
}

TEST_CASE("a 200 KiB reliable message round-trips through a lossy link") {
    LinkSimConfig sim;
    sim.latencyMs = 20;
    sim.jitterMs = 5;
    sim.lossPct = 5;
    sim.seed = 3;
    LossyLink link(sim);
    REQUIRE(link.connect());
    std::vector<std::uint8_t> big(200 * 1024);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7 + i / 256);
    REQUIRE(link.client->send(Channel::Reliable, big));
    std::optional<std::vector<std::uint8_t>> echoed;
    REQUIRE(pumpUntil(
        [&] {
            link.step();
            while (auto ev = link.f.server->poll()) {
                if (ev->type == Event::Type::Message) REQUIRE(link.f.server->send(ev->client, Channel::Reliable, ev->data));
            }
            while (auto ev = link.client->poll()) {
                if (ev->type == Event::Type::Message) echoed = ev->data;
            }
        },
        [&] { return echoed.has_value(); }, 60000));
    CHECK(*echoed == big);
}

TEST_CASE("the loss a connection reports is the link's loss, counted on every channel from datagram numbers") {
    LinkSimConfig sim;
    sim.latencyMs = 10;
    sim.lossPct = 5;
    sim.duplicatePct = 2;  // duplicates are not arrivals that undo a loss
    sim.seed = 11;
    LossyLink link(sim);
    REQUIRE(link.connect());
    // Unreliable traffic only, each way, one datagram per step: no retransmission hides a loss.
    const std::vector<std::uint8_t> msg(40, 9);
    const auto start = steadyMs();
    std::uint64_t steps = 0;
    while (steadyMs() - start < 4000) {
        (void)link.client->send(Channel::Unreliable, msg);
        if (link.id) (void)link.f.server->send(*link.id, Channel::Sequenced, msg);
        link.client->flush();
        link.f.server->flush();
        link.step();
        ++steps;
        while (link.f.server->poll()) {
        }
        while (link.client->poll()) {
        }
    }
    for (const auto& stats : {*link.client->stats(), *link.f.server->stats(*link.id)}) {
        const double total = static_cast<double>(stats.datagramsIn + stats.datagramsLost);
        REQUIRE(total > 1500);
        const double lossPct = 100.0 * static_cast<double>(stats.datagramsLost) / total;
        CAPTURE(total);
        CHECK(lossPct >= 4.0);
        CHECK(lossPct <= 6.0);
        // The last full second's figure, from fewer datagrams, is near it too.
        CHECK(stats.lossPct >= 1.0);
        CHECK(stats.lossPct <= 11.0);
    }
    CHECK(steps > 0);
}

TEST_CASE("a reliable message lost again and again does not end a connection that is otherwise alive") {
    // Every datagram carrying one large message is lost for 15 s, three times the token's
    // timeout, while everything else gets through: small reliable messages sent all along
    // are delivered and acknowledged. ENet alone would double the large message's
    // retransmission timeout until it outlasted the connection's and drop the peer, with
    // acknowledgements flowing all along.
    LinkSimConfig sim;
    sim.latencyMs = 5;
    sim.seed = 9;
    Fixture f;
    sim.forward = f.server->address();
    auto relay = tickwire::test::made(LinkSim::create(sim));
    bool losing = true;
    relay->setMutator([&](LinkDirection dir, std::vector<std::uint8_t>& bytes) {
        if (losing && dir == LinkDirection::ToServer && bytes.size() > 1000) bytes.clear();
    });
    auto token = *f.token(1, /*timeoutSeconds=*/5);
    token.servers = {relay->listenAddress()};
    auto client = f.client(token);
    REQUIRE(client->connect());
    std::optional<ConnectionId> id;
    std::optional<Event> gone;
    std::size_t arrived = 0;
    const auto step = [&] {
        relay->update();
        f.server->update(0);
        while (auto ev = f.server->poll()) {
            if (ev->type == Event::Type::Connected) id = ev->client;
            if (ev->type == Event::Type::Disconnected) gone = ev;
            if (ev->type == Event::Type::Message && ev->data.size() == 1200) ++arrived;
        }
        relay->update();
        client->update(0);
        while (auto ev = client->poll()) {
            if (ev->type == Event::Type::Disconnected) gone = ev;
        }
        relay->wait(1);
    };
    REQUIRE(pumpUntil(step, [&] { return client->connected() && id.has_value(); }));
    REQUIRE(client->send(Channel::Reliable, std::vector<std::uint8_t>(1200, 7)));
    const auto lossEnds = steadyMs() + 15000;
    std::uint64_t nextSmall = 0;
    const auto chatting = [&] {
        if (steadyMs() >= nextSmall && client->connected()) {
            nextSmall = steadyMs() + 100;
            (void)client->send(Channel::Reliable, std::vector<std::uint8_t>(8, 1));
        }
        step();
    };
    pumpUntil(chatting, [&] { return gone.has_value() || steadyMs() >= lossEnds; }, 20000);
    CHECK_FALSE(gone.has_value());
    losing = false;
    CHECK(pumpUntil(chatting, [&] { return arrived == 1 || gone.has_value(); }, 5000));
    CHECK(arrived == 1);
    CHECK_FALSE(gone.has_value());
}
