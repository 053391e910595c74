#include "test_game.hpp"

#include <tickwire/engine/client_session.hpp>
#include <tickwire/engine/server_session.hpp>
#include <tickwire/net/link_sim.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <functional>

using namespace tickwire;
using namespace tickwire::engine;
using tickwire::test::PawnInput;
using tickwire::test::TestGame;

namespace {

using Server = ServerSession<TestGame>;
using Client = ClientSession<TestGame>;

double nowSeconds() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

/// A server, a link simulator in front of it, and clients that connect through it.
struct Rig {
    net::Key key = net::Key::generate();
    std::unique_ptr<Server> server;
    std::unique_ptr<net::LinkSim> relay;
    std::vector<std::unique_ptr<Client>> clients;
    std::vector<std::function<PawnInput(std::uint32_t)>> inputs;

    Rig(const net::LinkSimConfig& link, ServerSessionConfig config = {}) {
        config.transport.bind = net::Address::loopback(0);
        config.transport.key = key;
        server = std::move(*Server::create(config));
        net::LinkSimConfig sim = link;
        sim.forward = server->transport().address();
        relay = std::move(*net::LinkSim::create(sim));
    }

    Client& addClient(std::uint64_t playerId, std::function<PawnInput(std::uint32_t)> input = {},
                      ClientSessionConfig config = {}) {
        net::TokenParams p;
        p.clientId = playerId;
        p.servers = {server->transport().address()};
        p.timeoutSeconds = 30;
        auto token = *net::issueToken(key, p, net::unixNow());
        token.servers = {relay->listenAddress()};
        config.transport.token = token;
        config.transport.bind = net::Address::loopback(0);
        config.transport.handshakeTimeoutMs = 10000;
        clients.push_back(std::move(*Client::create(config)));
        inputs.push_back(input ? std::move(input) : [](std::uint32_t) { return PawnInput{}; });
        REQUIRE(clients.back()->connect());
        return *clients.back();
    }

    void pump() {
        const double now = nowSeconds();
        server->update(static_cast<std::uint64_t>(now * 1e6));
        relay->update();
        for (std::size_t i = 0; i < clients.size(); ++i) clients[i]->update(now, inputs[i]);
        relay->wait(1);
    }

    /// Pumps for `seconds` of real time, calling `each` after every pump.
    void run(double seconds, const std::function<void()>& each = {}) {
        const double end = nowSeconds() + seconds;
        while (nowSeconds() < end) {
            pump();
            if (each) each();
        }
    }

    bool waitJoined(double timeout = 10) {
        const double end = nowSeconds() + timeout;
        while (nowSeconds() < end) {
            pump();
            bool all = true;
            for (auto& c : clients) all = all && c->authoritative() != nullptr;
            if (all) return true;
        }
        return false;
    }

    const TestGame::World::State* serverState(EntityId id) { return server->world().find(id); }
};

net::LinkSimConfig link(std::uint32_t oneWayMs, std::uint32_t jitterMs, double lossPct) {
    net::LinkSimConfig c;
    c.latencyMs = oneWayMs;
    c.jitterMs = jitterMs;
    c.lossPct = lossPct;
    c.seed = 17;
    return c;
}

/// A scripted walk: a pattern of moves, then standing still from `stopTick` on.
std::function<PawnInput(std::uint32_t)> scripted(std::uint32_t stopTick) {
    return [stopTick](std::uint32_t tick) {
        PawnInput in;
        if (tick >= stopTick) return in;
        in.dx = static_cast<std::int8_t>((tick / 20) % 3) - 1;
        in.dy = static_cast<std::int8_t>((tick / 33) % 2 == 0 ? 1 : -1);
        return in;
    };
}

}  // namespace

TEST_CASE("a client alone at 100 ms RTT, +-20 ms jitter and 5% loss ends where the server has it, with no correction") {
    Rig rig(link(50, 10, 5));
    std::uint32_t stop = 0;
    auto& client = rig.addClient(1, [&stop](std::uint32_t tick) {
        if (stop == 0) stop = tick + 240;  // four seconds of scripted walking from the first tick
        return scripted(stop)(tick);
    });
    REQUIRE(rig.waitJoined());
    rig.run(5.5);
    const auto* truth = rig.serverState(1);
    const auto mine = client.visibleLocal(nowSeconds());
    REQUIRE(truth);
    REQUIRE(mine);
    CHECK(std::get<test::Pawn>(*mine) == std::get<test::Pawn>(*truth));
    CHECK(std::get<test::Pawn>(*truth).x.get() != 0);  // it did walk
    const auto stats = client.stats();
    CHECK(stats.corrections == 0);
    CHECK(stats.missingInputs == 0);
    CHECK(stats.lateInputs == 0);
    CHECK(stats.snapshotsReceived > 100);
}
