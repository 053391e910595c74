#include <doctest/doctest.h>

#include <tickwire/net/link_sim.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace tickwire::net;
using Clock = std::chrono::steady_clock;
using Bytes = std::vector<std::uint8_t>;

namespace {

constexpr auto kDeadline = std::chrono::seconds(5);

/// A non-blocking UDP socket bound to 127.0.0.1 on a free port.
class UdpSocket {
public:
    UdpSocket() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {
        REQUIRE(fd_ >= 0);
        sockaddr_in local = toSockaddr(Address::loopback(0));
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
        socklen_t len = sizeof local;
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len) == 0);
        address_ = Address::loopback(ntohs(local.sin_port));
    }
    ~UdpSocket() { ::close(fd_); }
    UdpSocket(const UdpSocket&) = delete;
    UdpSocket& operator=(const UdpSocket&) = delete;

    [[nodiscard]] Address address() const { return address_; }

    void sendTo(const Address& to, const Bytes& bytes) const {
        const sockaddr_in target = toSockaddr(to);
        const auto sent = ::sendto(fd_, bytes.data(), bytes.size(), 0,
                                   reinterpret_cast<const sockaddr*>(&target), sizeof target);
        REQUIRE(sent == static_cast<ssize_t>(bytes.size()));
    }

    /// One waiting datagram and its source, or nothing; never blocks.
    std::optional<std::pair<Bytes, Address>> tryReceive() {
        sockaddr_in from{};
        socklen_t len = sizeof from;
        const auto n = ::recvfrom(fd_, buffer_.data(), buffer_.size(), 0,
                                  reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) {
            return std::nullopt;
        }
        return std::pair{Bytes(buffer_.begin(), buffer_.begin() + n),
                         Address{ntohl(from.sin_addr.s_addr), ntohs(from.sin_port)}};
    }

private:
    static sockaddr_in toSockaddr(const Address& a) {
        sockaddr_in out{};
        out.sin_family = AF_INET;
        out.sin_addr.s_addr = htonl(a.ipv4);
        out.sin_port = htons(a.port);
        return out;
    }

    int fd_;
    Address address_;
    Bytes buffer_ = Bytes(65535);
};

/// Sends every datagram it receives back to its source, and remembers how many it saw.
class EchoServer {
public:
    void service() {
        while (auto got = socket_.tryReceive()) {
            ++received_;
            socket_.sendTo(got->second, got->first);
        }
    }
    [[nodiscard]] Address address() const { return socket_.address(); }
    [[nodiscard]] std::size_t received() const { return received_; }

private:
    UdpSocket socket_;
    std::size_t received_ = 0;
};

/// Receives and keeps every datagram, for one-way tests.
class Sink {
public:
    void service() {
        while (auto got = socket_.tryReceive()) {
            datagrams.push_back(std::move(got->first));
        }
    }
    [[nodiscard]] Address address() const { return socket_.address(); }
    std::vector<Bytes> datagrams;

private:
    UdpSocket socket_;
};

/// Runs the relay and `service` until `done` holds or the deadline passes; returns done().
template <class Service, class Done>
bool pumpUntil(LinkSim& sim, Service service, Done done,
               Clock::duration limit = kDeadline) {
    const auto deadline = Clock::now() + limit;
    while (!done()) {
        if (Clock::now() >= deadline) {
            return false;
        }
        sim.wait(2);
        service();
    }
    return true;
}

std::unique_ptr<LinkSim> makeSim(LinkSimConfig config) {
    auto sim = LinkSim::create(config);
    REQUIRE(sim.has_value());
    return std::move(*sim);
}

Bytes numbered(std::uint32_t n, std::size_t size = 16) {
    Bytes bytes(size, static_cast<std::uint8_t>(n * 7));
    std::memcpy(bytes.data(), &n, sizeof n);
    return bytes;
}

std::uint32_t numberOf(const Bytes& bytes) {
    std::uint32_t n = 0;
    REQUIRE(bytes.size() >= sizeof n);
    std::memcpy(&n, bytes.data(), sizeof n);
    return n;
}

/// Sends `count` numbered datagrams from a client through the relay to a sink, in batches
/// small enough for the socket buffers, and waits until the relay has read them all.
void sendThrough(LinkSim& sim, Sink& sink, std::uint32_t count) {
    UdpSocket client;
    const auto before = sim.stats().received;
    for (std::uint32_t i = 0; i < count; ++i) {
        client.sendTo(sim.listenAddress(), numbered(i));
        if (i % 50 == 49) {
            const auto target = before + i + 1;
            REQUIRE(pumpUntil(sim, [&] { sink.service(); },
                              [&] { return sim.stats().received >= target; }));
        }
    }
    REQUIRE(pumpUntil(sim, [&] { sink.service(); },
                      [&] { return sim.stats().received >= before + count; }));
}

/// Waits until every datagram the relay accepted has been written out and read by the sink.
void drain(LinkSim& sim, Sink& sink) {
    REQUIRE(pumpUntil(sim, [&] { sink.service(); }, [&] {
        const auto& s = sim.stats();
        return s.delivered == s.received - s.dropped - s.overflow + s.duplicated &&
               sink.datagrams.size() == s.delivered;
    }));
}

/// Sends datagrams 0..count-1 one at a time through the relay to an echo server and
/// waits for each to come back or be dropped; returns one letter per datagram:
/// 'o' echoed, 'x' lost on the way.
std::string lossPattern(std::uint64_t seed, std::uint32_t count) {
    EchoServer echo;
    auto sim = makeSim({.forward = echo.address(), .lossPct = 30, .seed = seed});
    UdpSocket client;
    std::string pattern;
    for (std::uint32_t i = 0; i < count; ++i) {
        const auto droppedBefore = sim->stats().dropped;
        client.sendTo(sim->listenAddress(), numbered(i));
        bool echoed = false;
        REQUIRE(pumpUntil(*sim, [&] {
            echo.service();
            if (auto got = client.tryReceive()) {
                CHECK(numberOf(got->first) == i);
                echoed = true;
            }
        }, [&] { return echoed || sim->stats().dropped > droppedBefore; }));
        pattern += echoed ? 'o' : 'x';
    }
    return pattern;
}

}  // namespace

TEST_CASE("datagrams pass both ways unchanged when no impairment is configured") {
    EchoServer echo;
    auto sim = makeSim({.forward = echo.address()});
    UdpSocket client;
    const std::vector<std::size_t> sizes = {1, 17, 1200, 1400, 9000, 60000};
    for (std::uint32_t i = 0; i < sizes.size(); ++i) {
        const Bytes sent = numbered(i, std::max<std::size_t>(sizes[i], 4));
        client.sendTo(sim->listenAddress(), sent);
        std::optional<std::pair<Bytes, Address>> got;
        REQUIRE(pumpUntil(*sim, [&] { echo.service(); got = client.tryReceive(); },
                          [&] { return got.has_value(); }));
        CHECK(got->first == sent);
        CHECK(got->second == sim->listenAddress());
    }
    const auto& s = sim->stats();
    CHECK(s.received == 2 * sizes.size());
    CHECK(s.delivered == 2 * sizes.size());
    CHECK(s.dropped == 0);
    CHECK(s.duplicated == 0);
    CHECK(s.reordered == 0);
    CHECK(s.overflow == 0);
}

TEST_CASE("each client gets its own replies") {
    EchoServer echo;
    auto sim = makeSim({.forward = echo.address()});
    UdpSocket first;
    UdpSocket second;
    first.sendTo(sim->listenAddress(), numbered(1));
    second.sendTo(sim->listenAddress(), numbered(2));
    std::optional<std::uint32_t> firstGot;
    std::optional<std::uint32_t> secondGot;
    REQUIRE(pumpUntil(*sim, [&] {
        echo.service();
        if (auto got = first.tryReceive()) firstGot = numberOf(got->first);
        if (auto got = second.tryReceive()) secondGot = numberOf(got->first);
    }, [&] { return firstGot && secondGot; }));
    CHECK(*firstGot == 1);
    CHECK(*secondGot == 2);
}

TEST_CASE("a round trip through two 50 ms links takes at least 100 ms") {
    EchoServer echo;
    auto sim = makeSim({.forward = echo.address(), .latencyMs = 50});
    UdpSocket client;
    const auto start = Clock::now();
    client.sendTo(sim->listenAddress(), numbered(1));
    bool echoed = false;
    REQUIRE(pumpUntil(*sim, [&] { echo.service(); echoed = echoed || client.tryReceive(); },
                      [&] { return echoed; }));
    const auto elapsed = Clock::now() - start;
    CHECK(elapsed >= std::chrono::milliseconds(100));
    CHECK(elapsed < std::chrono::seconds(3));
}

TEST_CASE("with 20% loss about a fifth of the datagrams go missing and each is counted") {
    Sink sink;
    auto sim = makeSim({.forward = sink.address(), .lossPct = 20, .seed = 7});
    constexpr std::uint32_t kCount = 2000;
    sendThrough(*sim, sink, kCount);
    drain(*sim, sink);
    const auto& s = sim->stats();
    CHECK(s.received == kCount);
    const auto missing = kCount - sink.datagrams.size();
    CHECK(s.dropped == missing);
    const double fraction = static_cast<double>(missing) / kCount;
    CHECK(fraction > 0.14);
    CHECK(fraction < 0.26);
}

TEST_CASE("with 10% duplication extra copies arrive and are counted") {
    Sink sink;
    auto sim = makeSim({.forward = sink.address(), .duplicatePct = 10, .seed = 11});
    constexpr std::uint32_t kCount = 500;
    sendThrough(*sim, sink, kCount);
    drain(*sim, sink);
    std::set<std::uint32_t> distinct;
    for (const auto& d : sink.datagrams) {
        distinct.insert(numberOf(d));
    }
    const auto& s = sim->stats();
    CHECK(distinct.size() == kCount);
    CHECK(sink.datagrams.size() == kCount + s.duplicated);
    CHECK(s.duplicated > 10);
    CHECK(s.duplicated < 100);
}

TEST_CASE("with 20% reordering some datagrams are overtaken and counted") {
    Sink sink;
    auto sim = makeSim({.forward = sink.address(), .latencyMs = 20, .reorderPct = 20, .seed = 3});
    constexpr std::uint32_t kCount = 300;
    sendThrough(*sim, sink, kCount);
    drain(*sim, sink);
    const auto& s = sim->stats();
    CHECK(sink.datagrams.size() == kCount);
    CHECK(s.reordered > 20);
    std::size_t outOfOrder = 0;
    std::uint32_t highest = 0;
    for (const auto& d : sink.datagrams) {
        const auto n = numberOf(d);
        if (n < highest) {
            ++outOfOrder;
        }
        highest = std::max(highest, n);
    }
    CHECK(outOfOrder > 0);
    CHECK(outOfOrder <= s.reordered);
}

TEST_CASE("the same seed drops the same datagrams and another seed drops others") {
    constexpr std::uint32_t kCount = 100;
    const std::string first = lossPattern(42, kCount);
    const std::string again = lossPattern(42, kCount);
    const std::string other = lossPattern(43, kCount);
    CHECK(first == again);
    CHECK(first != other);
    CHECK(first.find('x') != std::string::npos);
    CHECK(first.find('o') != std::string::npos);
}

TEST_CASE("the mutator can tamper with a datagram in one direction") {
    EchoServer echo;
    auto sim = makeSim({.forward = echo.address()});
    sim->setMutator([](LinkDirection direction, Bytes& bytes) {
        if (direction == LinkDirection::ToServer) {
            bytes[5] ^= 0xFF;
        }
    });
    UdpSocket client;
    const Bytes sent = numbered(9);
    client.sendTo(sim->listenAddress(), sent);
    std::optional<Bytes> got;
    REQUIRE(pumpUntil(*sim, [&] {
        echo.service();
        if (auto d = client.tryReceive()) got = d->first;
    }, [&] { return got.has_value(); }));
    Bytes expected = sent;
    expected[5] ^= 0xFF;
    CHECK(*got == expected);
    CHECK(sim->stats().dropped == 0);
}

TEST_CASE("the mutator can drop a datagram and the drop is counted") {
    EchoServer echo;
    auto sim = makeSim({.forward = echo.address()});
    sim->setMutator([](LinkDirection direction, Bytes& bytes) {
        if (direction == LinkDirection::ToClient) {
            bytes.clear();
        }
    });
    UdpSocket client;
    client.sendTo(sim->listenAddress(), numbered(1));
    bool echoed = false;
    const auto service = [&] { echo.service(); echoed = echoed || client.tryReceive(); };
    REQUIRE(pumpUntil(*sim, service, [&] { return sim->stats().dropped == 1; }));
    CHECK(echo.received() == 1);
    // Nothing may arrive afterwards either.
    CHECK_FALSE(pumpUntil(*sim, service, [&] { return echoed; }, std::chrono::milliseconds(50)));
    CHECK(sim->stats().delivered == 1);
}

TEST_CASE("a client beyond maxClients is dropped and counted as overflow") {
    EchoServer echo;
    auto sim = makeSim({.forward = echo.address(), .maxClients = 1});
    UdpSocket first;
    UdpSocket second;
    first.sendTo(sim->listenAddress(), numbered(1));
    REQUIRE(pumpUntil(*sim, [&] { echo.service(); }, [&] { return echo.received() == 1; }));
    second.sendTo(sim->listenAddress(), numbered(2));
    REQUIRE(pumpUntil(*sim, [&] { echo.service(); }, [&] { return sim->stats().received == 3; }));
    CHECK(sim->stats().overflow == 1);
    CHECK(echo.received() == 1);
}

TEST_CASE("datagrams beyond maxQueued are dropped and counted as overflow") {
    Sink sink;
    auto sim = makeSim({.forward = sink.address(), .latencyMs = 1000, .maxQueued = 5});
    UdpSocket client;
    for (std::uint32_t i = 0; i < 10; ++i) {
        client.sendTo(sim->listenAddress(), numbered(i));
    }
    REQUIRE(pumpUntil(*sim, [&] { sink.service(); }, [&] { return sim->stats().received == 10; }));
    CHECK(sim->stats().overflow == 5);
    CHECK(sink.datagrams.empty());
}

TEST_CASE("validate accepts sensible values and rejects each out-of-range field") {
    const LinkSimConfig good{.forward = Address::loopback(4000), .latencyMs = 100, .jitterMs = 20,
                             .lossPct = 5, .duplicatePct = 1, .reorderPct = 2};
    CHECK(good.validate().has_value());

    const auto rejects = [](LinkSimConfig config, const std::string& field) {
        const auto result = config.validate();
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error() == Error::InvalidConfig);
        CHECK(result.detail().find(field) != std::string::npos);
        CHECK_FALSE(config.validate().has_value());
        const auto created = LinkSim::create(config);
        REQUIRE_FALSE(created.has_value());
        CHECK(created.error() == Error::InvalidConfig);
    };
    auto c = good;
    c.lossPct = 101;
    rejects(c, "lossPct");
    c = good;
    c.lossPct = -0.5;
    rejects(c, "lossPct");
    c = good;
    c.lossPct = std::numeric_limits<double>::quiet_NaN();
    rejects(c, "lossPct");
    c = good;
    c.duplicatePct = -1;
    rejects(c, "duplicatePct");
    c = good;
    c.reorderPct = 100.5;
    rejects(c, "reorderPct");
    c = good;
    c.jitterMs = 101;
    rejects(c, "jitterMs");
    c = good;
    c.latencyMs = static_cast<std::uint32_t>(-1);  // what a negative number becomes
    rejects(c, "latencyMs");
    c = good;
    c.forward.port = 0;
    rejects(c, "forward");
    c = good;
    c.forward.ipv4 = 0;
    rejects(c, "forward");
    c = good;
    c.maxClients = 0;
    rejects(c, "maxClients");
    c = good;
    c.maxQueued = 0;
    rejects(c, "maxQueued");
    c = good;
    c.listenPort = 4000;
    rejects(c, "forward");
}
