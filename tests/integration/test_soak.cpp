// The transport under a bad network for a long time: 64 clients through the link
// simulator at 10 % loss, 100 +- 30 ms round trip, 2 % duplication and 1 % reordering,
// each sending sequence-numbered reliable messages of 1 B to 200 KiB and a stream of
// unreliable ones, the server echoing everything. Nothing may be lost, repeated,
// reordered or damaged on the reliable channel, nobody may be disconnected, memory must
// stay flat, and each connection's loss and RTT must be what the simulator was set to.
//
// Short form in the suite (30 s); tools/soak.sh runs it for 10 minutes
// (TICKWIRE_SOAK_SECONDS=600).

#include "../support/made.hpp"
#include "../net/harness.hpp"
#include "memory_trend.hpp"

#include <tickwire/net/link_sim.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <numeric>
#include <array>

using namespace tickwire::net;
using namespace tickwire::net::test;

namespace {

std::uint32_t soakSeconds() {
    const char* env = std::getenv("TICKWIRE_SOAK_SECONDS");
    return env ? static_cast<std::uint32_t>(std::max(10, std::atoi(env))) : 30;
}

std::uint64_t fnv(std::span<const std::uint8_t> bytes) {
    std::uint64_t h = 14695981039346656037ull;
    for (const std::uint8_t b : bytes) h = (h ^ b) * 1099511628211ull;
    return h;
}

/// The bytes of a client's message `seq`: its sequence number (when there is room), then a
/// pattern that depends on the client, the sequence number and the offset.
std::vector<std::uint8_t> message(std::size_t client, std::uint32_t seq, std::size_t size) {
    std::vector<std::uint8_t> m(size);
    for (std::size_t i = 0; i < size; ++i) m[i] = static_cast<std::uint8_t>(client * 31 + seq * 7 + i * 13 + i / 251);
    if (size >= 4) std::memcpy(m.data(), &seq, 4);
    return m;
}

// Reliable sizes, cycled: mostly small, some a datagram or more; plus 200 KiB every 10 s,
// the clients' turns spread over those 10 s.
constexpr std::size_t kSizes[] = {1, 7, 33, 64, 200, 64, 512, 1000, 1400, 64, 4096, 16384};
constexpr std::size_t kHuge = 200 * 1024;

/// Which unreliable sequence numbers arrived, in a window behind the newest: a set of
/// every number would itself grow for the whole run and hide or fake a leak.
class SeenWindow {
public:
    /// False when seq arrived before (or is too far behind to tell).
    bool insert(std::uint32_t seq) {
        if (count_ == 0 || seq > newest_) {
            for (std::uint32_t s = count_ == 0 ? seq : newest_ + 1; s < seq && seq - s < kSize; ++s) bits_[s % kSize] = false;
            if (count_ != 0 && seq - newest_ >= kSize) bits_.fill(false);
            newest_ = seq;
        } else if (newest_ - seq >= kSize || bits_[seq % kSize]) {
            return false;
        }
        bits_[seq % kSize] = true;
        ++count_;
        return true;
    }
    std::uint64_t size() const { return count_; }

private:
    static constexpr std::uint32_t kSize = 8192;
    std::array<bool, kSize> bits_{};
    std::uint32_t newest_ = 0;
    std::uint64_t count_ = 0;
};

struct Peer {
    std::unique_ptr<Client> client;
    std::uint32_t tick = 0;
    std::uint32_t nextReliable = 0;
    std::deque<std::pair<std::size_t, std::uint64_t>> awaited;  // size and hash of each reliable echo due
    std::uint32_t nextUnreliable = 0;
    SeenWindow unreliableBack;
    std::uint64_t reliableBack = 0;
    std::uint64_t damaged = 0;
    std::uint64_t duplicates = 0;
    bool disconnected = false;
};

}  // namespace

TEST_CASE("64 clients through 10% loss, 100 +- 30 ms, 2% duplication, 1% reordering: nothing lost, nothing leaks") {
    constexpr std::size_t kClients = 64;
    const std::uint32_t seconds = soakSeconds();
    ServerConfig config;
    config.maxClients = kClients;
    Fixture f(config);
    LinkSimConfig sim;
    sim.forward = f.server->address();
    sim.latencyMs = 50;
    sim.jitterMs = 15;
    sim.lossPct = 10;
    sim.duplicatePct = 2;
    sim.reorderPct = 1;
    sim.seed = 2026;
    auto relay = tickwire::test::made(LinkSim::create(sim));

    std::vector<Peer> peers(kClients);
    for (std::size_t i = 0; i < kClients; ++i) {
        auto token = *f.token(i + 1, /*timeoutSeconds=*/30);
        token.servers = {relay->listenAddress()};
        ClientConfig cc;
        cc.handshakeTimeoutMs = 20000;
        peers[i].client = f.client(token, cc);
        REQUIRE(peers[i].client->connect());
    }
    std::size_t serverDisconnects = 0;
    const auto step = [&](bool sending) {
        relay->update();
        f.server->update(0);
        while (auto ev = f.server->poll()) {
            if (ev->type == Event::Type::Message) {
                REQUIRE(f.server->send(ev->client, ev->channel, ev->data));
            } else if (ev->type == Event::Type::Disconnected) {
                ++serverDisconnects;
                MESSAGE("server dropped client " << ev->playerId << ": " << describe(ev->reason));
            }
        }
        relay->update();
        for (std::size_t i = 0; i < kClients; ++i) {
            Peer& p = peers[i];
            p.client->update(0);
            while (auto ev = p.client->poll()) {
                if (ev->type == Event::Type::Disconnected) {
                    p.disconnected = true;
                    MESSAGE("client " << i << " disconnected: " << describe(ev->reason));
                } else if (ev->type == Event::Type::Message && ev->channel == Channel::Reliable) {
                    if (p.awaited.empty()) {
                        ++p.duplicates;
                        continue;
                    }
                    const auto [size, hash] = p.awaited.front();
                    p.awaited.pop_front();
                    if (ev->data.size() != size || fnv(ev->data) != hash) ++p.damaged;
                    ++p.reliableBack;
                } else if (ev->type == Event::Type::Message) {
                    std::uint32_t seq = 0;
                    std::memcpy(&seq, ev->data.data(), 4);
                    if (ev->data != message(i, seq, ev->data.size())) ++p.damaged;
                    if (!p.unreliableBack.insert(seq)) ++p.duplicates;
                }
            }
        }
        (void)sending;
    };

    REQUIRE(pumpUntil([&] { step(false); relay->wait(1); },
                      [&] {
                          return f.server->connectedCount() == kClients &&
                                 std::all_of(peers.begin(), peers.end(), [](const Peer& p) { return p.client->connected(); });
                      },
                      30000));
    for (auto& p : peers) {
        while (p.client->poll()) {
        }
    }

    // Send at 60 Hz for the run, then drain until every reliable echo is back.
    const std::uint64_t start = steadyMs();
    tickwire::test::MemoryTrend memory;
    std::uint64_t nextTick = start;
    std::uint64_t nextTrace = start;
    while (steadyMs() < start + seconds * 1000u) {
        if (steadyMs() >= nextTick) {
            nextTick += 1000 / 60;
            for (std::size_t i = 0; i < kClients; ++i) {
                Peer& p = peers[i];
                const std::uint32_t t = p.tick++;
                const auto unreliable = message(i, p.nextUnreliable++, 24 + (t % 40));
                (void)p.client->send(Channel::Unreliable, unreliable);
                std::size_t size = 0;
                if (t % 6 == i % 6) size = kSizes[(t / 6 + i) % std::size(kSizes)];
                if ((t + i * 9) % 600 == 0) size = kHuge;
                if (size != 0) {
                    const auto m = message(i, p.nextReliable, size);
                    REQUIRE(p.client->send(Channel::Reliable, m));
                    p.awaited.emplace_back(size, fnv(m));
                    ++p.nextReliable;
                }
            }
        }
        memory.sample(static_cast<double>(steadyMs() - start) / 1000.0);
        if (std::getenv("SOAK_TRACE") && steadyMs() >= nextTrace) {
            nextTrace += 5000;
            MESSAGE("t=" << (steadyMs() - start) / 1000 << " s RSS " << tickwire::test::residentBytes() / 1024
                         << " KiB, heap in use " << tickwire::test::heapInUseBytes() / 1024 << " KiB");
        }
        step(true);
        relay->wait(1);
    }
    memory.sample(seconds, 0);
    const bool drained = pumpUntil([&] { step(false); relay->wait(1); },
                                   [&] {
                                       return std::all_of(peers.begin(), peers.end(),
                                                          [](const Peer& p) { return p.awaited.empty(); });
                                   },
                                   60000);

    std::uint64_t reliableSent = 0, reliableBack = 0, unreliableSent = 0, unreliableBack = 0, damaged = 0,
                  duplicates = 0, disconnected = 0;
    double lossSum = 0, rttSum = 0, lossMin = 100, lossMax = 0;
    for (std::size_t i = 0; i < kClients; ++i) {
        Peer& p = peers[i];
        reliableSent += p.nextReliable;
        reliableBack += p.reliableBack;
        unreliableSent += p.nextUnreliable;
        unreliableBack += p.unreliableBack.size();
        damaged += p.damaged;
        duplicates += p.duplicates;
        disconnected += p.disconnected;
        const auto stats = p.client->stats();
        if (!stats) continue;  // counted as disconnected above
        const double loss = 100.0 * static_cast<double>(stats->datagramsLost) /
                            static_cast<double>(std::max<std::uint64_t>(1, stats->datagramsIn + stats->datagramsLost));
        lossSum += loss;
        lossMin = std::min(lossMin, loss);
        lossMax = std::max(lossMax, loss);
        rttSum += stats->rttMs;
    }
    // Heap in use, medians of the third and last quarters (memory_trend.hpp): a client sends
    // its 200 KiB message every 10 s, so every buffer has been used by half time.
    const auto [second, last] = memory.halves(seconds / 2.0, seconds);
    REQUIRE(second.samples > 0);
    REQUIRE(last.samples > 0);
    const double growthPct = 100.0 * (static_cast<double>(last.heap) - static_cast<double>(second.heap)) /
                             static_cast<double>(second.heap);
    MESSAGE("soak " << seconds << " s: reliable " << reliableBack << "/" << reliableSent << ", unreliable "
                    << unreliableBack << "/" << unreliableSent << ", loss per connection " << lossMin << ".." << lossMax
                    << " % (mean " << lossSum / kClients << "), RTT mean " << rttSum / kClients << " ms, heap in use "
                    << second.heap / 1024 << " KiB -> " << last.heap / 1024 << " KiB (" << growthPct << " %), RSS "
                    << second.resident / 1024 << " KiB -> " << last.resident / 1024 << " KiB, relay dropped " << relay->stats().dropped << ", duplicated " << relay->stats().duplicated
                    << ", reordered " << relay->stats().reordered);
    CHECK(drained);
    CHECK(reliableBack == reliableSent);  // every reliable message, exactly once, in order
    CHECK(damaged == 0);
    CHECK(duplicates == 0);
    CHECK(disconnected == 0);
    CHECK(serverDisconnects == 0);
    CHECK(unreliableBack <= unreliableSent);
    CHECK(unreliableBack > unreliableSent * 7 / 10);  // about 0.9 x 0.9 get there and back
    CHECK(growthPct <= 5.0);
    // What the simulator was set to: 10 % loss each way, 100 ms round trip (+- 30 ms jitter).
    CHECK(lossMin >= 7.0);
    CHECK(lossMax <= 13.0);
    CHECK(rttSum / kClients >= 90.0);
    CHECK(rttSum / kClients <= 180.0);
}
