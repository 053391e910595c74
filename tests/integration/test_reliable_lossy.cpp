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
    std::optional<ClientId> id;

    explicit LossyLink(const LinkSimConfig& conditions) {
        LinkSimConfig sim = conditions;
        sim.forward = f.server->address();
        relay = std::move(*LinkSim::create(sim));
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
