#include "harness.hpp"

#include <doctest/doctest.h>

#include <numeric>

using namespace tickwire::net;
using namespace tickwire::net::test;

namespace {

std::vector<std::uint8_t> pattern(std::size_t size, std::uint8_t seed) {
    std::vector<std::uint8_t> v(size);
    for (std::size_t i = 0; i < size; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 31);
    return v;
}

}  // namespace

TEST_CASE("a client with a valid token connects and messages flow both ways on every channel") {
    Fixture f;
    auto client = f.client(*f.token(42));
    auto id = f.connect(*client);
    REQUIRE(id);
    CHECK(f.server->connectedCount() == 1);

    for (auto channel : {Channel::Reliable, Channel::Sequenced, Channel::Unreliable}) {
        const auto up = pattern(64, static_cast<std::uint8_t>(channel));
        REQUIRE(client->send(channel, up));
        std::optional<Event> got;
        REQUIRE(pumpUntil(
            [&] {
                client->update(1);
                f.pumpServer();
                for (auto& ev : f.serverEvents) {
                    if (ev.type == Event::Type::Message) got = ev;
                }
                f.serverEvents.clear();
            },
            [&] { return got.has_value(); }));
        CHECK(got->channel == channel);
        CHECK(got->data == up);
        CHECK(got->playerId == 42);
        CHECK(got->client == *id);

        const auto down = pattern(100, 7);
        REQUIRE(f.server->send(*id, channel, down));
        std::optional<Event> back;
        REQUIRE(pumpUntil(
            [&] {
                f.pumpServer();
                client->update(1);
                if (auto ev = client->poll(); ev && ev->type == Event::Type::Message) back = ev;
            },
            [&] { return back.has_value(); }));
        CHECK(back->data == down);
        CHECK(back->channel == channel);
    }
}

TEST_CASE("many small messages sent in one tick travel as one sealed packet") {
    Fixture f;
    auto client = f.client(*f.token());
    REQUIRE(f.connect(*client));
    const auto before = client->stats()->packetsOut;
    for (int i = 0; i < 10; ++i) REQUIRE(client->send(Channel::Unreliable, pattern(64, static_cast<std::uint8_t>(i))));
    client->flush();
    CHECK(client->stats()->packetsOut - before == 1);

    std::vector<std::vector<std::uint8_t>> got;
    REQUIRE(pumpUntil(
        [&] {
            f.pumpServer();
            for (auto& ev : f.serverEvents) {
                if (ev.type == Event::Type::Message) got.push_back(ev.data);
            }
            f.serverEvents.clear();
        },
        [&] { return got.size() == 10; }));
    for (int i = 0; i < 10; ++i) CHECK(got[static_cast<std::size_t>(i)] == pattern(64, static_cast<std::uint8_t>(i)));
}

TEST_CASE("a 200 KiB reliable message round-trips and a larger one fails at the call") {
    Fixture f;
    auto client = f.client(*f.token());
    auto id = f.connect(*client);
    REQUIRE(id);
    const auto big = pattern(200 * 1024, 3);
    REQUIRE(client->send(Channel::Reliable, big));
    std::optional<std::vector<std::uint8_t>> atServer;
    REQUIRE(pumpUntil(
        [&] {
            client->update(1);
            f.pumpServer();
            for (auto& ev : f.serverEvents) {
                if (ev.type == Event::Type::Message) atServer = ev.data;
            }
            f.serverEvents.clear();
        },
        [&] { return atServer.has_value(); }, 10000));
    CHECK(*atServer == big);
    REQUIRE(f.server->send(*id, Channel::Reliable, *atServer));
    std::optional<std::vector<std::uint8_t>> echoed;
    REQUIRE(pumpUntil(
        [&] {
            f.pumpServer();
            client->update(1);
            if (auto ev = client->poll(); ev && ev->type == Event::Type::Message) echoed = ev->data;
        },
        [&] { return echoed.has_value(); }, 10000));
    CHECK(*echoed == big);

    const auto tooBig = pattern(256 * 1024 + 1, 1);
    CHECK(client->send(Channel::Reliable, tooBig).error() == Error::MessageTooLarge);
    CHECK(client->send(Channel::Unreliable, pattern(1201, 1)).error() == Error::MessageTooLarge);
    CHECK(client->send(Channel::Reliable, std::vector<std::uint8_t>{}).error() == Error::InvalidArgument);
    CHECK(f.server->send(ConnectionId{999}, Channel::Reliable, big).error() == Error::NotConnected);
}

TEST_CASE("a send beyond the queue limit fails with QueueFull instead of growing without bound") {
    Fixture f;
    ClientConfig cc;
    cc.limits.maxQueuedBytes = 350 * 1024;
    auto client = f.client(*f.token(), cc);
    REQUIRE(f.connect(*client));
    const auto chunk = pattern(100 * 1024, 1);
    REQUIRE(client->send(Channel::Reliable, chunk));
    REQUIRE(client->send(Channel::Reliable, chunk));
    REQUIRE(client->send(Channel::Reliable, chunk));
    CHECK(client->send(Channel::Reliable, chunk).error() == Error::QueueFull);
}

TEST_CASE("a server shutdown reaches the client with its reason") {
    Fixture f;
    auto client = f.client(*f.token());
    REQUIRE(f.connect(*client));
    // The client keeps servicing while the server waits for its goodbye to be acknowledged.
    std::optional<Event> gone;
    bool shutDown = false;
    REQUIRE(pumpUntil(
        [&] {
            if (!shutDown) {
                REQUIRE(f.server->disconnect(f.server->clients().front(), DisconnectReason::ServerShutdown));
                shutDown = true;
            }
            f.pumpServer();
            client->update(1);
            if (auto ev = client->poll(); ev && ev->type == Event::Type::Disconnected) gone = ev;
        },
        [&] { return gone.has_value(); }));
    CHECK(gone->reason == DisconnectReason::ServerShutdown);
    CHECK(client->state() == ClientState::Disconnected);
}

TEST_CASE("shutdown() disconnects every client with the given reason") {
    Fixture f;
    auto client = f.client(*f.token());
    REQUIRE(f.connect(*client));
    f.server->shutdown(DisconnectReason::ServerShutdown, 0);
    CHECK(f.server->connectedCount() == 0);
    std::optional<Event> gone;
    f.pumpServer();
    REQUIRE(f.serverEvents.size() == 1);
    CHECK(f.serverEvents[0].reason == DisconnectReason::ServerShutdown);
    // disconnect_now sends one unreliable goodbye; loopback delivers it.
    REQUIRE(pumpUntil(
        [&] {
            client->update(1);
            if (auto ev = client->poll(); ev && ev->type == Event::Type::Disconnected) gone = ev;
        },
        [&] { return gone.has_value(); }));
    CHECK(gone->reason == DisconnectReason::ServerShutdown);
}

TEST_CASE("a client that disconnects without waiting is still seen leaving, with its reason") {
    Fixture f;
    auto client = f.client(*f.token());
    REQUIRE(f.connect(*client));
    // Nothing is pumped between the last update and the goodbye: a process quitting at once.
    client->disconnect(DisconnectReason::Requested, 0);
    CHECK(client->state() == ClientState::Disconnected);
    std::optional<Event> gone;
    REQUIRE(pumpUntil(
        [&] {
            f.pumpServer();
            for (const auto& ev : f.serverEvents) {
                if (ev.type == Event::Type::Disconnected) gone = ev;
            }
        },
        [&] { return gone.has_value(); }, 2000));
    CHECK(gone->reason == DisconnectReason::Requested);
}

TEST_CASE("a silent client is disconnected within its timeout") {
    Fixture f;
    auto client = f.client(*f.token(1, /*timeoutSeconds=*/2));
    REQUIRE(f.connect(*client));
    const auto start = steadyMs();
    std::optional<Event> gone;
    // The client stops servicing its host entirely: it acks nothing any more.
    REQUIRE(pumpUntil(
        [&] {
            f.pumpServer();
            for (auto& ev : f.serverEvents) {
                if (ev.type == Event::Type::Disconnected) gone = ev;
            }
        },
        [&] { return gone.has_value(); }, 8000));
    CHECK(gone->reason == DisconnectReason::Timeout);
    // Dropped once the token's timeout of silence has passed (checked every 250 ms), not
    // whenever ENet's retransmission backoff next looks.
    CHECK(steadyMs() - start >= 2000 - 600);  // the last ping may predate `start` by up to 500 ms
    CHECK(steadyMs() - start <= 2000 + 1000);
}

TEST_CASE("a client whose server goes silent reports a timeout") {
    Fixture f;
    auto client = f.client(*f.token(1, /*timeoutSeconds=*/1));
    REQUIRE(f.connect(*client));
    std::optional<Event> gone;
    // The server stops servicing its host: nothing reaches the client any more.
    REQUIRE(pumpUntil(
        [&] {
            client->update(1);
            if (auto ev = client->poll(); ev && ev->type == Event::Type::Disconnected) gone = ev;
        },
        [&] { return gone.has_value(); }, 5000));
    CHECK(gone->reason == DisconnectReason::Timeout);
    CHECK(client->state() == ClientState::Disconnected);
}

TEST_CASE("the client reports the server's counters and its own stats") {
    Fixture f;
    auto client = f.client(*f.token());
    REQUIRE(f.connect(*client));
    REQUIRE(client->send(Channel::Reliable, pattern(10, 1)));
    REQUIRE(pumpUntil(
        [&] {
            client->update(1);
            f.pumpServer();
        },
        [&] { return f.server->hostStats().messagesIn == 1; }));
    const auto stats = client->stats();
    REQUIRE(stats);
    CHECK(stats->messagesOut == 1);
    CHECK(stats->bytesOut > 10);
    const std::string json = f.server->hostStats().toJson();
    CHECK(json.find("\"rejected_expired\":0") != std::string::npos);
    CHECK(json.find("\"dropped_auth_failed\":0") != std::string::npos);
    CHECK(json.find("\"messages_in\":1") != std::string::npos);
}

TEST_CASE("invalid configurations are refused with a reason") {
    ServerConfig server;
    CHECK(server.validate().error() == Error::InvalidConfig);
    CHECK(server.validate().detail().find("key") != std::string::npos);
    server.key = Key::generate();
    CHECK(server.validate());
    server.maxClients = 5000;
    CHECK_FALSE(server.validate());
    CHECK(server.validate().detail().find("maxClients") != std::string::npos);
    server.maxClients = 8;
    server.limits.maxUnreliableMessage = 1500;
    CHECK_FALSE(server.validate());
    CHECK(server.validate().detail().find("maxUnreliableMessage") != std::string::npos);
    const auto created = Server::create(server);
    CHECK(created.error() == Error::InvalidConfig);
    CHECK(created.detail().find("maxUnreliableMessage") != std::string::npos);  // the reason travels with it

    ClientConfig client;
    CHECK(client.validate().error() == Error::InvalidConfig);
    CHECK(Client::create(client).error() == Error::InvalidConfig);
}

TEST_CASE("a second server on a port in use fails to start with HostCreateFailed") {
    Fixture f;
    ServerConfig config;
    config.key = f.key;
    config.bind = f.server->address();
    CHECK(Server::create(config).error() == Error::HostCreateFailed);
}

TEST_CASE("a public address with port 0 names the port the server was given, and tokens for it connect") {
    ServerConfig config;
    config.publicAddresses = {Address::loopback(0)};
    Fixture f(config);
    REQUIRE(f.server->address().port != 0);
    auto client = f.client(*f.token(7));
    CHECK(f.connect(*client));
}
