#include <tickwire/net/link_sim.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <unordered_map>
#include <utility>

namespace tickwire::net {

namespace {

using Clock = std::chrono::steady_clock;
using Micros = std::chrono::microseconds;

/// Largest UDP payload a socket can hand us; one read buffer of this size is reused.
constexpr std::size_t kMaxDatagram = 65535;
constexpr std::uint32_t kMaxLatencyMs = 10000;
constexpr std::size_t kMaxClientsLimit = 4096;
constexpr std::size_t kMaxQueuedLimit = std::size_t{1} << 20;
constexpr std::uint64_t kMaxQueuedBytesLimit = std::uint64_t{4} << 30;
constexpr auto kClientIdle = std::chrono::seconds(60);
constexpr auto kExpiryInterval = std::chrono::seconds(1);
constexpr int kMaxReadsPerSocket = 256;
constexpr int kSocketBufferBytes = 1 << 20;

/// splitmix64: expands one 64-bit seed into the xoshiro state.
std::uint64_t splitMix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/// xoshiro256**: small, fast and fully determined by its seed, unlike std::random_device
/// or the implementation-defined std:: distributions.
class Rng {
public:
    explicit Rng(std::uint64_t seed) noexcept {
        for (auto& word : state_) {
            word = splitMix64(seed);
        }
    }

    std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    /// Uniform in [0, 1).
    double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    /// True with probability pct/100 (pct in 0..100).
    bool chance(double pct) noexcept { return unit() * 100.0 < pct; }

    /// Uniform in [lo, hi]. The modulo bias is below 2^-40 for the ranges used here.
    std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
        const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
        return lo + static_cast<std::int64_t>(next() % span);
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    std::array<std::uint64_t, 4> state_{};
};

/// Every random value one datagram may need, always drawn in this order and all of them,
/// so the decisions for datagram N do not depend on what happened to datagram N-1.
struct Decisions {
    bool lose = false;
    std::int64_t jitterUs = 0;
    bool reorder = false;
    std::int64_t holdBackUs = 0;
    bool duplicate = false;
    std::int64_t duplicateJitterUs = 0;
};

/// Owns one file descriptor.
class Socket {
public:
    Socket() = default;
    explicit Socket(int fd) noexcept : fd_(fd) {}
    Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Socket& operator=(Socket&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket() { reset(); }

    [[nodiscard]] int fd() const noexcept { return fd_; }
    [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }

private:
    void reset() noexcept {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    int fd_ = -1;
};

sockaddr_in toSockaddr(const Address& address) noexcept {
    sockaddr_in out{};
    out.sin_family = AF_INET;
    out.sin_addr.s_addr = htonl(address.ipv4);
    out.sin_port = htons(address.port);
    return out;
}

Address fromSockaddr(const sockaddr_in& in) noexcept {
    return Address{ntohl(in.sin_addr.s_addr), ntohs(in.sin_port)};
}

Socket openUdpSocket() noexcept {
    Socket socket(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (socket.valid()) {
        // Larger buffers absorb bursts between two update() calls; the kernel caps the
        // value at net.core.{r,w}mem_max, and a refusal only leaves the default.
        const int size = kSocketBufferBytes;
        (void)::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        (void)::setsockopt(socket.fd(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    }
    return socket;
}

bool validPct(double pct) noexcept { return pct >= 0.0 && pct <= 100.0; }  // false for NaN

Result<void> invalid(const char* text) { return fail(Error::InvalidConfig, text); }

}  // namespace

Result<void> LinkSimConfig::validate() const {
    if (forward.port == 0) {
        return invalid("forward: port must be 1..65535");
    }
    if (forward.ipv4 == 0) {
        return invalid("forward: address must name a host, not 0.0.0.0");
    }
    if (latencyMs > kMaxLatencyMs) {
        return invalid("latencyMs: must be 0..10000");
    }
    if (jitterMs > latencyMs) {
        return invalid("jitterMs: must be 0..latencyMs");
    }
    if (!validPct(lossPct)) {
        return invalid("lossPct: must be 0..100");
    }
    if (!validPct(duplicatePct)) {
        return invalid("duplicatePct: must be 0..100");
    }
    if (!validPct(reorderPct)) {
        return invalid("reorderPct: must be 0..100");
    }
    if (maxClients < 1 || maxClients > kMaxClientsLimit) {
        return invalid("maxClients: must be 1..4096");
    }
    if (maxQueued < 1 || maxQueued > kMaxQueuedLimit) {
        return invalid("maxQueued: must be 1..1048576");
    }
    if (maxQueuedBytes < kMaxDatagram || maxQueuedBytes > kMaxQueuedBytesLimit) {
        return invalid("maxQueuedBytes: must be 65535..4294967296");
    }
    if (forward.port == listenPort && (forward.ipv4 >> 24) == 127) {
        return invalid("forward: must not be the relay's own listen port");
    }
    return {};
}

struct LinkSim::Impl {
    /// One datagram in flight.
    struct Pending {
        Clock::time_point due;
        std::uint64_t sequence = 0;  // arrival order: breaks ties between equal due times
        LinkDirection direction = LinkDirection::ToServer;
        Address client;
        std::vector<std::uint8_t> bytes;
    };

    /// Min-heap order on (due, sequence) for std::push_heap / std::pop_heap.
    static bool later(const Pending& a, const Pending& b) noexcept {
        return a.due != b.due ? a.due > b.due : a.sequence > b.sequence;
    }

    struct Client {
        Socket upstream;  // connected to forward: the kernel filters out other senders
        Clock::time_point lastActive;
    };

    LinkSimConfig config;
    Socket listen;
    Address boundAddress;
    LinkSimStats stats;
    Mutator mutator;
    std::array<Rng, 2> rngs;  // indexed by direction, so each direction has its own stream
    std::unordered_map<Address, Client, AddressHash> clients;
    std::vector<Pending> queue;  // heap ordered by later()
    std::size_t queuedBytes = 0;
    std::uint64_t nextSequence = 0;
    Clock::time_point nextExpiry;
    std::vector<std::uint8_t> readBuffer = std::vector<std::uint8_t>(kMaxDatagram);
    std::vector<pollfd> pollFds;           // reused between calls
    std::vector<Address> pollClients;      // pollFds[i + 1] belongs to pollClients[i]

    explicit Impl(const LinkSimConfig& cfg)
        : config(cfg),
          rngs{Rng(cfg.seed), Rng(cfg.seed ^ 0xD1B54A32D192ED03ull)},
          nextExpiry(Clock::now() + kExpiryInterval) {}

    Decisions draw(LinkDirection direction) noexcept {
        Rng& rng = rngs[direction == LinkDirection::ToServer ? 0 : 1];
        const auto jitterUs = std::int64_t{config.jitterMs} * 1000;
        const auto holdBackMaxMs =
            2 * std::int64_t{config.jitterMs} + std::int64_t{config.latencyMs} / 2 + 5;
        Decisions d;
        d.lose = rng.chance(config.lossPct);
        d.jitterUs = rng.between(-jitterUs, jitterUs);
        d.reorder = rng.chance(config.reorderPct);
        d.holdBackUs = rng.between(1000, holdBackMaxMs * 1000);
        d.duplicate = rng.chance(config.duplicatePct);
        d.duplicateJitterUs = rng.between(-jitterUs, jitterUs);
        return d;
    }

    Clock::time_point dueAfter(Clock::time_point now, std::int64_t jitterUs) const noexcept {
        const std::int64_t delayUs = std::max<std::int64_t>(0, std::int64_t{config.latencyMs} * 1000 + jitterUs);
        return now + Micros(delayUs);
    }

    bool enqueue(Pending pending) {
        if (queue.size() >= config.maxQueued ||
            pending.bytes.size() > config.maxQueuedBytes - queuedBytes) {
            ++stats.overflow;
            return false;
        }
        pending.sequence = nextSequence++;
        queuedBytes += pending.bytes.size();
        queue.push_back(std::move(pending));
        std::push_heap(queue.begin(), queue.end(), later);
        return true;
    }

    void relay(LinkDirection direction, const Address& client, std::size_t size,
               Clock::time_point now) {
        ++stats.received;
        const Decisions d = draw(direction);
        if (d.lose) {
            ++stats.dropped;
            return;
        }
        std::vector<std::uint8_t> bytes(readBuffer.begin(),
                                        readBuffer.begin() + static_cast<std::ptrdiff_t>(size));
        if (mutator) {
            mutator(direction, bytes);
            if (bytes.empty() || bytes.size() > kMaxDatagram) {
                ++stats.dropped;
                return;
            }
        }
        Clock::time_point due = dueAfter(now, d.jitterUs);
        if (d.reorder) {
            due += Micros(d.holdBackUs);
        }
        std::vector<std::uint8_t> copy;
        if (d.duplicate) {
            copy = bytes;
        }
        if (enqueue(Pending{due, 0, direction, client, std::move(bytes)}) && d.reorder) {
            ++stats.reordered;
        }
        if (d.duplicate &&
            enqueue(Pending{dueAfter(now, d.duplicateJitterUs), 0, direction, client, std::move(copy)})) {
            ++stats.duplicated;
        }
    }

    /// Finds or opens the upstream socket for a client; null when maxClients is reached or
    /// the system refuses a socket (both counted by the caller's choice of counter).
    Client* clientFor(const Address& address, Clock::time_point now) {
        if (auto it = clients.find(address); it != clients.end()) {
            it->second.lastActive = now;
            return &it->second;
        }
        if (clients.size() >= config.maxClients) {
            ++stats.overflow;
            return nullptr;
        }
        Socket upstream = openUdpSocket();
        const sockaddr_in target = toSockaddr(config.forward);
        if (!upstream.valid() ||
            ::connect(upstream.fd(), reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0) {
            ++stats.socketErrors;
            return nullptr;
        }
        auto [it, inserted] = clients.emplace(address, Client{std::move(upstream), now});
        (void)inserted;
        return &it->second;
    }

    void readListen(Clock::time_point now) {
        for (int i = 0; i < kMaxReadsPerSocket; ++i) {
            sockaddr_in from{};
            socklen_t fromLen = sizeof from;
            const ssize_t n = ::recvfrom(listen.fd(), readBuffer.data(), readBuffer.size(), 0,
                                         reinterpret_cast<sockaddr*>(&from), &fromLen);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return;  // EAGAIN: drained; anything else is transient for UDP
            }
            if (fromLen < sizeof from || from.sin_family != AF_INET) {
                continue;
            }
            const Address source = fromSockaddr(from);
            if (clientFor(source, now) == nullptr) {
                ++stats.received;  // counted as received and as overflow / socketErrors
                continue;
            }
            relay(LinkDirection::ToServer, source, static_cast<std::size_t>(n), now);
        }
    }

    void readUpstream(const Address& clientAddress, Clock::time_point now) {
        auto it = clients.find(clientAddress);
        if (it == clients.end()) {
            return;
        }
        for (int i = 0; i < kMaxReadsPerSocket; ++i) {
            const ssize_t n = ::recv(it->second.upstream.fd(), readBuffer.data(), readBuffer.size(), 0);
            if (n < 0) {
                // ECONNREFUSED reports an ICMP error from a server that is not listening
                // yet; reading again clears it. EAGAIN means drained.
                if (errno == EINTR || errno == ECONNREFUSED) {
                    continue;
                }
                return;
            }
            it->second.lastActive = now;
            relay(LinkDirection::ToClient, clientAddress, static_cast<std::size_t>(n), now);
        }
    }

    void send(const Pending& pending) {
        ssize_t sent = -1;
        if (pending.direction == LinkDirection::ToClient) {
            const sockaddr_in to = toSockaddr(pending.client);
            sent = ::sendto(listen.fd(), pending.bytes.data(), pending.bytes.size(), 0,
                            reinterpret_cast<const sockaddr*>(&to), sizeof to);
        } else if (auto it = clients.find(pending.client); it != clients.end()) {
            const int fd = it->second.upstream.fd();
            sent = ::send(fd, pending.bytes.data(), pending.bytes.size(), 0);
            if (sent < 0 && errno == ECONNREFUSED) {
                // The error belonged to an earlier datagram (ICMP port unreachable) and is
                // cleared by reporting it; this one has not been sent yet.
                sent = ::send(fd, pending.bytes.data(), pending.bytes.size(), 0);
            }
        }
        if (sent == static_cast<ssize_t>(pending.bytes.size())) {
            ++stats.delivered;
        } else {
            ++stats.socketErrors;
        }
    }

    void deliverDue(Clock::time_point now) {
        while (!queue.empty() && queue.front().due <= now) {
            std::pop_heap(queue.begin(), queue.end(), later);
            Pending pending = std::move(queue.back());
            queue.pop_back();
            queuedBytes -= pending.bytes.size();
            send(pending);
        }
    }

    void expireIdle(Clock::time_point now) {
        if (now < nextExpiry) {
            return;
        }
        nextExpiry = now + kExpiryInterval;
        // Any queued datagram arrived less than 60 s ago (the longest possible delay is
        // well under that), which refreshed lastActive, so no expired client has one.
        std::erase_if(clients, [&](const auto& entry) { return now - entry.second.lastActive >= kClientIdle; });
    }

    /// Polls every socket for up to timeoutMs (0: just look), reads what is readable,
    /// sends what is due.
    void service(int timeoutMs) {
        pollFds.clear();
        pollClients.clear();
        pollFds.push_back(pollfd{listen.fd(), POLLIN, 0});
        for (const auto& [address, client] : clients) {
            pollFds.push_back(pollfd{client.upstream.fd(), POLLIN, 0});
            pollClients.push_back(address);
        }
        const int ready = ::poll(pollFds.data(), pollFds.size(), timeoutMs);
        const Clock::time_point now = Clock::now();
        if (ready > 0) {
            if (pollFds[0].revents != 0) {
                readListen(now);
            }
            for (std::size_t i = 1; i < pollFds.size(); ++i) {
                if (pollFds[i].revents != 0) {
                    readUpstream(pollClients[i - 1], now);
                }
            }
        }
        deliverDue(now);
        expireIdle(now);
    }

    /// Milliseconds until the earliest queued datagram is due, rounded up so a wait does
    /// not wake a moment too early and spin; `limit` when nothing is queued.
    int msUntilDue(std::uint32_t limit) const {
        const auto capped = static_cast<std::int64_t>(std::min<std::uint32_t>(limit, INT_MAX));
        if (queue.empty()) {
            return static_cast<int>(capped);
        }
        const auto untilUs =
            std::chrono::duration_cast<Micros>(queue.front().due - Clock::now()).count();
        const std::int64_t ms = untilUs <= 0 ? 0 : (untilUs + 999) / 1000;
        return static_cast<int>(std::min(ms, capped));
    }
};

Result<std::unique_ptr<LinkSim>> LinkSim::create(const LinkSimConfig& config, bool bindAny) {
    if (auto valid = config.validate(); !valid) {
        return fail(valid.failure());
    }
    auto impl = std::make_unique<Impl>(config);
    impl->listen = openUdpSocket();
    if (!impl->listen.valid()) {
        return fail(Error::SocketError);
    }
    const sockaddr_in bindTo = toSockaddr(Address{bindAny ? 0u : Address::loopback(0).ipv4, config.listenPort});
    if (::bind(impl->listen.fd(), reinterpret_cast<const sockaddr*>(&bindTo), sizeof bindTo) != 0) {
        return fail(Error::SocketError);
    }
    sockaddr_in bound{};
    socklen_t boundLen = sizeof bound;
    if (::getsockname(impl->listen.fd(), reinterpret_cast<sockaddr*>(&bound), &boundLen) != 0) {
        return fail(Error::SocketError);
    }
    impl->boundAddress = Address::loopback(ntohs(bound.sin_port));
    // With port 0 the bound port is only known now; relaying to ourselves would loop forever.
    if (config.forward.port == impl->boundAddress.port && config.forward.ipv4 >> 24 == 127) {
        return fail(Error::InvalidConfig);
    }
    return std::unique_ptr<LinkSim>(new LinkSim(std::move(impl)));
}

LinkSim::LinkSim(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LinkSim::~LinkSim() = default;

void LinkSim::update() { impl_->service(0); }

void LinkSim::wait(std::uint32_t timeoutMs) { impl_->service(impl_->msUntilDue(timeoutMs)); }

Address LinkSim::listenAddress() const noexcept { return impl_->boundAddress; }

const LinkSimStats& LinkSim::stats() const noexcept { return impl_->stats; }

void LinkSim::setMutator(Mutator mutator) { impl_->mutator = std::move(mutator); }

}  // namespace tickwire::net
