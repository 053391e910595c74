// Abuse under load: while 64 bots play through a lossy link, a hostile sender floods the
// server's port at 20,000 datagrams a second for 30 s with garbage, REQUESTs carrying
// expired, foreign and already-used tokens, and plain ENet CONNECTs. Every one must be
// dropped and counted under its own reason, the bots must see no disconnect and no stall
// above 1 %, and the server's update must stay inside the 60 Hz tick budget. The server's
// CPU cost per rejected datagram is reported.

#include "../support/made.hpp"
#include "arena_run.hpp"
#include "handshake.hpp"

#include <enet/enet.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

using namespace tickwire;
using namespace tickwire::test;

namespace {

enum Kind { kGarbage, kExpired, kForeign, kReused, kEnetConnect, kKinds };

/// Kernel drops on the UDP socket bound to `port` (the last column of /proc/net/udp).
std::uint64_t socketDrops(std::uint16_t port) {
    std::ifstream udp("/proc/net/udp");
    std::string line;
    std::getline(udp, line);  // header
    char wanted[8];
    std::snprintf(wanted, sizeof wanted, ":%04X", port);
    while (std::getline(udp, line)) {
        std::istringstream fields(line);
        std::string slot, local;
        fields >> slot >> local;
        if (local.size() < 5 || local.substr(local.size() - 5) != wanted) continue;
        std::string last, field;
        while (fields >> field) last = field;
        return std::stoull(last);
    }
    return 0;
}

std::vector<std::uint8_t> plainConnect() {
    ENetProtocolHeader header{};
    header.peerID = ENET_HOST_TO_NET_16(0x8FFF);
    ENetProtocolConnect c{};
    c.header.command = static_cast<enet_uint8>(ENET_PROTOCOL_COMMAND_CONNECT) |
                       static_cast<enet_uint8>(ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE);
    c.header.channelID = 0xFF;
    c.channelCount = ENET_HOST_TO_NET_32(3);
    std::vector<std::uint8_t> d(sizeof header + sizeof c);
    std::memcpy(d.data(), &header, sizeof header);
    std::memcpy(d.data() + sizeof header, &c, sizeof c);
    return d;
}

/// The hostile sender: its own sockets, its own thread, a fixed rate.
class Flood {
public:
    Flood(net::Address target, std::array<std::vector<std::uint8_t>, kKinds> samples, double perSecond,
          double seconds)
        : target_(target), samples_(std::move(samples)), perSecond_(perSecond), seconds_(seconds) {
        for (int& fd : fds_) {
            fd = ::socket(AF_INET, SOCK_DGRAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(0x7F000001u);
            ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        }
        thread_ = std::thread([this] { run(); });
    }
    ~Flood() {
        thread_.join();
        for (int fd : fds_) ::close(fd);
    }
    std::uint64_t sent(Kind k) const { return sent_[k].load(); }
    bool done() const { return done_.load(); }

private:
    void run() {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(target_.ipv4);
        to.sin_port = htons(target_.port);
        const auto start = std::chrono::steady_clock::now();
        std::uint64_t n = 0;
        std::uint32_t rng = 12345;
        for (;;) {
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (elapsed >= seconds_) break;
            // Catch up to the rate, one millisecond at a time.
            const auto due = static_cast<std::uint64_t>(elapsed * perSecond_);
            for (; n < due; ++n) {
                const Kind kind = static_cast<Kind>(n % kKinds);
                auto& bytes = samples_[kind];
                if (kind == kGarbage) {
                    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng = rng * 1103515245u + 12345u) | 1u;
                    bytes[0] = 0x01;  // never the handshake magic, never a sealed header
                }
                if (::sendto(fds_[n % fds_.size()], bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to),
                             sizeof to) == static_cast<ssize_t>(bytes.size())) {
                    ++sent_[kind];
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        done_ = true;
    }

    net::Address target_;
    std::array<std::vector<std::uint8_t>, kKinds> samples_;
    double perSecond_;
    double seconds_;
    std::array<int, 8> fds_{};
    std::array<std::atomic<std::uint64_t>, kKinds> sent_{};
    std::atomic<bool> done_{false};
    std::thread thread_;
};

std::uint64_t floodSeconds() {
    if (const char* env = std::getenv("TICKWIRE_ABUSE_SECONDS")) return static_cast<std::uint64_t>(std::max(5, std::atoi(env)));
    return 30;
}

}  // namespace

TEST_CASE("a flood of 20,000 hostile datagrams a second for 30 s while 64 bots play: all counted, no bot disturbed") {
    const double floodFor = static_cast<double>(floodSeconds());
    const double quiet = 10;  // the baseline: the same match without the flood
    ArenaRun run;
    run.bots = 64;
    run.link.latencyMs = 50;
    run.link.jitterMs = 15;
    run.link.lossPct = 5;
    run.link.seed = 20000;
    run.seconds = quiet + floodFor + 2;

    // A player connects directly with its own token before the flood; the attacker then
    // presents that token from other addresses (token_reused), an expired one (expired),
    // one sealed under another key (wrong_key), garbage and plain ENet CONNECTs (no_token).
    std::optional<net::ConnectToken> playerToken;
    std::unique_ptr<net::Client> player;
    std::unique_ptr<Flood> flood;
    net::HostStats atFloodStart, afterFlood;
    std::uint64_t dropsAtStart = 0, dropsAfter = 0;
    double cpuAtQuiet = 0, cpuAtFloodStart = 0, cpuAfterFlood = 0, quietStart = 0, floodStart = 0, floodEnd = 0;
    bool measured = false;

    run.during = [&](double elapsed, engine::ServerSession<ArenaGame>& server) {
        const net::Address at = server.transport().address();
        if (!player) {
            net::TokenParams p;
            p.playerId = 9000;
            p.servers = {at};
            p.expiresInSeconds = 120;
            playerToken = *net::issueToken(run.key, p, net::unixNow());
            net::ClientConfig cc;
            cc.token = *playerToken;
            cc.bind = net::Address::loopback(0);
            player = tickwire::test::made(net::Client::create(cc));
            REQUIRE(player->connect());
            cpuAtQuiet = threadCpuSeconds();
            quietStart = elapsed;
        }
        player->update(0);
        while (player->poll()) {
        }
        if (!flood && elapsed >= quiet) {
            REQUIRE(player->connected());
            net::TokenParams p;
            p.playerId = 9001;
            p.servers = {at};
            p.expiresInSeconds = 5;
            std::array<std::vector<std::uint8_t>, kKinds> samples;
            samples[kGarbage].assign(64, 0);
            samples[kExpired] = net::detail::writeRequest(*net::issueToken(run.key, p, net::unixNow() - 60), {});
            p.expiresInSeconds = 600;  // valid for the whole flood, but sealed under another key
            samples[kForeign] = net::detail::writeRequest(*net::issueToken(net::Key::generate(), p, net::unixNow()), {});
            samples[kReused] = net::detail::writeRequest(*playerToken, {});
            samples[kEnetConnect] = plainConnect();
            atFloodStart = server.transport().hostStats();
            dropsAtStart = socketDrops(at.port);
            cpuAtFloodStart = threadCpuSeconds();
            floodStart = elapsed;
            flood = std::make_unique<Flood>(at, samples, 20000.0, floodFor);
        }
        if (flood && !measured && flood->done() && elapsed >= floodStart + floodFor + 1) {
            measured = true;  // one second after the last datagram: everything sent was read
            afterFlood = server.transport().hostStats();
            dropsAfter = socketDrops(at.port);
            cpuAfterFlood = threadCpuSeconds();
            floodEnd = elapsed;
        }
    };
    const ArenaResult r = playArena(run);
    REQUIRE(flood);
    REQUIRE(measured);

    const auto delta = [&](net::Rejection why) {
        const auto i = static_cast<std::size_t>(why);
        return afterFlood.rejected[i] - atFloodStart.rejected[i];
    };
    const std::uint64_t kernelDrops = dropsAfter - dropsAtStart;
    std::uint64_t sent = 0;
    for (int k = 0; k < kKinds; ++k) sent += flood->sent(static_cast<Kind>(k));
    const std::uint64_t noToken = flood->sent(kGarbage) + flood->sent(kEnetConnect);
    const std::uint64_t rejected = delta(net::Rejection::NoToken) + delta(net::Rejection::Expired) +
                                   delta(net::Rejection::WrongKey) + delta(net::Rejection::TokenReused);
    const double quietCpu = (cpuAtFloodStart - cpuAtQuiet) / (floodStart - quietStart);
    const double floodCpu = (cpuAfterFlood - cpuAtFloodStart) / (floodEnd - floodStart);
    const double usPerRejected = (floodCpu - quietCpu) * (floodEnd - floodStart) * 1e6 / static_cast<double>(rejected);
    MESSAGE("flood: " << sent << " datagrams in " << floodFor << " s; counted no_token " << delta(net::Rejection::NoToken)
                      << "/" << noToken << ", expired " << delta(net::Rejection::Expired) << "/" << flood->sent(kExpired)
                      << ", wrong_key " << delta(net::Rejection::WrongKey) << "/" << flood->sent(kForeign)
                      << ", token_reused " << delta(net::Rejection::TokenReused) << "/" << flood->sent(kReused)
                      << "; kernel drops " << kernelDrops << "; server thread CPU " << quietCpu * 100 << " % quiet, "
                      << floodCpu * 100 << " % flooded: " << usPerRejected << " us per rejected datagram");
    CHECK(sent >= static_cast<std::uint64_t>(20000 * floodFor * 0.95));
    // Every datagram counted under its own reason (less any the kernel dropped for a full socket).
    CHECK(delta(net::Rejection::NoToken) + kernelDrops >= noToken);
    CHECK(delta(net::Rejection::NoToken) <= noToken);
    CHECK(delta(net::Rejection::Expired) + kernelDrops >= flood->sent(kExpired));
    CHECK(delta(net::Rejection::WrongKey) + kernelDrops >= flood->sent(kForeign));
    CHECK(delta(net::Rejection::TokenReused) + kernelDrops >= flood->sent(kReused));
    CHECK(rejected + kernelDrops >= sent);
    CHECK(kernelDrops <= sent / 100);
    // Nothing the flood sent got anywhere.
    CHECK(afterFlood.connected == atFloodStart.connected);
    // The match went on undisturbed.
    CHECK(r.disconnected == 0);
    CHECK(r.connected >= run.bots);
    CHECK(r.stallPct < 1.0);
    CHECK(r.updateP99Ms <= 1000.0 / 60.0);
    CHECK(player->connected());
}
