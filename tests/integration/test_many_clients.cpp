#include "../net/harness.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace tickwire::net;
using namespace tickwire::net::test;

TEST_CASE("64 clients connect at once to one server and exchange messages") {
    constexpr std::size_t kClients = 64;
    ServerConfig config;
    config.maxClients = kClients;
    Fixture f(config);
    std::vector<std::unique_ptr<Client>> clients;
    for (std::size_t i = 0; i < kClients; ++i) {
        clients.push_back(f.client(*f.token(1000 + i)));
        REQUIRE(clients.back()->connect());
    }
    std::set<std::uint64_t> connectedIds;
    REQUIRE(pumpUntil(
        [&] {
            f.server->update(0);
            while (auto ev = f.server->poll()) {
                if (ev->type == Event::Type::Connected) connectedIds.insert(ev->playerId);
            }
            for (auto& c : clients) c->update(0);
        },
        [&] {
            return connectedIds.size() == kClients &&
                   std::all_of(clients.begin(), clients.end(), [](const auto& c) { return c->connected(); });
        },
        20000));
    CHECK(f.server->connectedCount() == kClients);

    // Each client says its index; the server answers each with index + 1, and broadcasts once.
    for (std::size_t i = 0; i < kClients; ++i) {
        while (clients[i]->poll()) {
        }
        REQUIRE(clients[i]->send(Channel::Reliable, std::vector<std::uint8_t>{static_cast<std::uint8_t>(i)}));
    }
    CHECK(f.server->broadcast(Channel::Reliable, std::vector<std::uint8_t>{0xEE}) == kClients);
    std::vector<int> answers(kClients, 0);
    std::vector<int> broadcasts(kClients, 0);
    REQUIRE(pumpUntil(
        [&] {
            f.server->update(0);
            while (auto ev = f.server->poll()) {
                if (ev->type != Event::Type::Message) continue;
                const auto value = static_cast<std::uint8_t>(ev->data.at(0) + 1);
                REQUIRE(f.server->send(ev->client, Channel::Reliable, std::vector<std::uint8_t>{value}));
            }
            for (std::size_t i = 0; i < kClients; ++i) {
                clients[i]->update(0);
                while (auto ev = clients[i]->poll()) {
                    if (ev->type != Event::Type::Message) continue;
                    if (ev->data.at(0) == 0xEE) ++broadcasts[i];
                    else if (ev->data.at(0) == static_cast<std::uint8_t>(i + 1)) ++answers[i];
                }
            }
        },
        [&] {
            return std::all_of(answers.begin(), answers.end(), [](int a) { return a == 1; }) &&
                   std::all_of(broadcasts.begin(), broadcasts.end(), [](int b) { return b == 1; });
        },
        20000));
    const auto& rejected = f.server->hostStats().rejected;
    CHECK(std::all_of(rejected.begin(), rejected.end(), [](std::uint64_t r) { return r == 0; }));
}
