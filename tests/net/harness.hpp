#pragma once
// Shared helpers for transport tests: a key, a server on loopback, tokens for it, and a
// bounded pump loop (every wait has a deadline; no fixed sleeps).

#include "../support/made.hpp"
#include <tickwire/net/transport.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace tickwire::net::test {

inline std::uint64_t steadyMs() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

/// Calls step() until done() holds or timeoutMs passes; returns done().
inline bool pumpUntil(const std::function<void()>& step, const std::function<bool()>& done,
                      std::uint32_t timeoutMs = 5000) {
    const std::uint64_t deadline = steadyMs() + timeoutMs;
    while (!done()) {
        if (steadyMs() >= deadline) return false;
        step();
    }
    return true;
}

struct Fixture {
    Key key = Key::generate();
    std::unique_ptr<Server> server;
    std::vector<Event> serverEvents;

    explicit Fixture(ServerConfig config = {}) {
        config.bind = Address::loopback(0);
        if (config.key.isZero()) config.key = key;
        key = config.key;
        server = tickwire::test::made(Server::create(std::move(config)));
    }

    Result<ConnectToken> token(std::uint64_t playerId = 1, std::uint32_t timeoutSeconds = 10,
                               std::uint32_t expiresIn = 30) const {
        TokenParams p;
        p.playerId = playerId;
        p.servers = {server->address()};
        p.timeoutSeconds = timeoutSeconds;
        p.expiresInSeconds = expiresIn;
        return issueToken(key, p, unixNow());
    }

    std::unique_ptr<Client> client(const ConnectToken& t, ClientConfig config = {}) const {
        config.token = t;
        config.bind = Address::loopback(0);
        return tickwire::test::made(Client::create(std::move(config)));
    }

    /// Services the server once (1 ms wait) and collects its events.
    void pumpServer() {
        server->update(1);
        while (auto ev = server->poll()) serverEvents.push_back(std::move(*ev));
    }

    /// Connects a client and waits for both sides to see it. Returns its server-side id.
    std::optional<ConnectionId> connect(Client& c) {
        if (!c.connect()) return std::nullopt;
        std::optional<ConnectionId> id;
        const bool ok = pumpUntil(
            [&] {
                pumpServer();
                c.update(1);
                for (const auto& ev : serverEvents) {
                    if (ev.type == Event::Type::Connected) id = ev.client;
                }
            },
            [&] { return c.connected() && id.has_value(); });
        serverEvents.clear();
        if (!ok) return std::nullopt;
        // Drop the client's own Connected event.
        while (c.poll()) {
        }
        return id;
    }
};

}  // namespace tickwire::net::test

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tickwire::net::test {

/// A plain UDP socket on 127.0.0.1, for sending hand-made datagrams at a server.
class RawSocket {
public:
    RawSocket() {
        fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(0x7F000001u);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    ~RawSocket() { ::close(fd_); }
    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;

    void sendTo(const Address& to, std::span<const std::uint8_t> bytes) const {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(to.ipv4);
        a.sin_port = htons(to.port);
        ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }

    /// One datagram if any arrives within timeoutMs.
    std::optional<std::vector<std::uint8_t>> receive(int timeoutMs) const {
        auto got = receiveFrom(timeoutMs);
        if (!got) return std::nullopt;
        return std::move(got->first);
    }

    /// One datagram and its sender if any arrives within timeoutMs.
    std::optional<std::pair<std::vector<std::uint8_t>, Address>> receiveFrom(int timeoutMs) const {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, timeoutMs) <= 0) return std::nullopt;
        std::vector<std::uint8_t> buf(2048);
        sockaddr_in a{};
        socklen_t len = sizeof a;
        const auto n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&a), &len);
        if (n < 0) return std::nullopt;
        buf.resize(static_cast<std::size_t>(n));
        return std::pair{std::move(buf), Address{ntohl(a.sin_addr.s_addr), ntohs(a.sin_port)}};
    }

    /// Where this socket is bound.
    Address address() const {
        sockaddr_in a{};
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        return Address{ntohl(a.sin_addr.s_addr), ntohs(a.sin_port)};
    }

private:
    int fd_ = -1;
};

}  // namespace tickwire::net::test

namespace tickwire::net::test {

/// A clock the test moves by hand: monotonic milliseconds and Unix seconds.
struct ManualClock {
    std::uint64_t ms = 1'000'000;
    std::uint64_t unix = unixNow();

    /// A Clock reading this one (which must outlive every host using it).
    Clock clock() {
        Clock c;
        c.monotonicMs = [this] { return ms; };
        c.unixSeconds = [this] { return unix; };
        return c;
    }
};

}  // namespace tickwire::net::test
