#pragma once
/// \file transport.hpp
/// The secure transport: an authoritative Server and a Client over ENet, with connect
/// tokens, a stateless-cookie handshake and every datagram sealed under keys fresh to
/// each connection (docs/PROTOCOL.md). The game owns the loop:
///
///     server.update();
///     while (auto ev = server.poll()) { ... }
///     server.send(client, Channel::Reliable, bytes);
///
/// No threads are started; user code (the log sink) runs only inside these calls.

#include <tickwire/net/address.hpp>
#include <tickwire/net/key.hpp>
#include <tickwire/net/log.hpp>
#include <tickwire/net/result.hpp>
#include <tickwire/net/token.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tickwire::net {

/// The three channels every connection has.
enum class Channel : std::uint8_t {
    Reliable = 0,     ///< reliable, ordered: events, RPCs. Large messages fragment.
    Sequenced = 1,    ///< unreliable, sequenced: never delivers an older message after a newer one (snapshots)
    Unreliable = 2,   ///< unreliable, unordered, may duplicate at the ENet level (dropped here): inputs
};
inline constexpr std::size_t kChannelCount = 3;

/// Opaque handle for one connection on a Server. Never reused while the server lives.
struct ConnectionId {
    std::uint64_t value = 0;
    friend constexpr auto operator<=>(const ConnectionId&, const ConnectionId&) = default;
};

/// Why a connection ended; travels to the other side in the ENet disconnect.
enum class DisconnectReason : std::uint32_t {
    Unknown = 0,
    Requested = 1,         ///< the other side called disconnect() without a more specific reason
    ServerShutdown = 2,    ///< the server is shutting down
    Kicked = 3,            ///< the server removed this client
    Timeout = 4,           ///< the other side went silent for longer than the token's timeout
    Replaced = 5,          ///< the same player connected again and replaced this connection
    HandshakeTimeout = 6,  ///< no answer to the connect token from any server in it
    Denied = 7,            ///< the server refused the token (see ConnectDenial)
    ProtocolError = 8,     ///< the other side broke the protocol (not sent by this version; kept for the wire)
    TokenExpired = 9,      ///< the client's token expired before it could connect
    ReceiveOverflow = 10,  ///< the other side sent more reliable messages than this side's receive budget holds
    Full = 11,             ///< the game has no room for another player (a spectator may still join)
};
inline constexpr DisconnectReason kLastDisconnectReason = DisconnectReason::Full;
/// "server shutting down", "timed out", ...
[[nodiscard]] std::string_view describe(DisconnectReason reason) noexcept;

/// Why the server refused a handshake datagram. Each has a counter in HostStats::rejected.
enum class Rejection : std::uint8_t {
    Malformed = 0,        ///< not a well-formed handshake datagram, or wrong protocol id
    Expired = 1,          ///< the token's expiry time has passed
    WrongServer = 2,      ///< the token does not name this server's address
    WrongKey = 3,         ///< the token's private part is sealed under another key (or tampered)
    TokenReused = 4,      ///< the token was already used from another address
    NoToken = 5,          ///< a datagram (e.g. a plain ENet CONNECT) from an address that never presented a valid token
    PendingLimit = 6,     ///< too many connections are in the handshake at once
    PlayerAlreadyConnected = 7,  ///< the token's player is connected already and the policy is Reject
    ServerFull = 8,       ///< every connection slot is taken
    BadCookie = 9,        ///< a RESPONSE whose cookie is forged, stale or already used
    AddressInUse = 10,    ///< a handshake from an address that is connected, or allowed with another token
};
inline constexpr std::size_t kRejectionCount = 11;
/// snake_case name, used as the JSON key: "expired", "wrong_server", ...
[[nodiscard]] std::string_view describe(Rejection r) noexcept;

/// Why a datagram (or a batch of messages inside one) from an address that passed the
/// handshake was dropped. Each has a counter, per connection and per host.
enum class Drop : std::uint8_t {
    AuthFailed = 0,     ///< the datagram carries no valid tag: forged, tampered, cut short, or sealed under other keys
    Replayed = 1,       ///< a datagram number accepted before (a replay, or a duplicate made by the network)
    TooOld = 2,         ///< a datagram number more than 1,024 below the newest accepted
    Malformed = 3,      ///< an authentic batch whose lengths do not add up, or on a channel that does not exist
    Oversize = 4,       ///< a message larger than the channel's maximum
    QueueOverflow = 5,  ///< messages beyond the connection's receive budget (maxReceiveEvents / maxReceiveBytes)
    BadConnect = 6,     ///< an authentic ENet CONNECT the handshake did not allow: a second one, or another connect id
};
inline constexpr std::size_t kDropCount = 7;
/// snake_case name, used as the JSON key: "auth_failed", "replayed", ...
[[nodiscard]] std::string_view describe(Drop d) noexcept;

/// What to do when a token's player is already connected.
enum class DuplicatePlayerPolicy { Reject, Replace };

/// Limits shared by both ends.
struct ChannelLimits {
    std::size_t maxReliableMessage = 256 * 1024;  ///< bytes; 1..16 MiB. Larger sends fail with MessageTooLarge
    std::size_t maxUnreliableMessage = 1200;      ///< bytes; 1..1200: an unreliable batch must fit one datagram
    std::size_t maxQueuedBytes = 4 * 1024 * 1024; ///< per connection, unsent + unacked; more fails with QueueFull
    /// Per connection: messages received and not yet taken with poll(), at most. A batch
    /// that would go beyond it (or beyond maxReceiveBytes) is dropped and counted as
    /// QueueOverflow; on the Reliable channel the sender is then disconnected with
    /// ReceiveOverflow, since a reliable message must never be lost silently. One
    /// connection's flood never costs another connection a message.
    std::size_t maxReceiveEvents = 16384;
    std::size_t maxReceiveBytes = 8 * 1024 * 1024;  ///< per connection: payload bytes waiting in poll(); >= maxReliableMessage

    /// Checks every range above; the detail names the field. Errors: InvalidConfig.
    [[nodiscard]] Result<void> validate() const;
};

/// Where a host reads the time: at the start and the end of each update(), never elsewhere.
/// Tests replace both functions to drive time instead of sleeping. ENet's own
/// retransmission and ping timers keep reading the system's monotonic clock.
struct Clock {
    /// Milliseconds on a clock that never goes back: handshake and silence timeouts,
    /// handshake resends, rates. Default: std::chrono::steady_clock.
    std::function<std::uint64_t()> monotonicMs = defaultMonotonicMs;
    /// Seconds since the Unix epoch: connect-token expiry. Default: the system clock.
    std::function<std::uint64_t()> unixSeconds = unixNow;

    [[nodiscard]] static std::uint64_t defaultMonotonicMs() noexcept;
};

/// Server configuration. Aggregate with safe defaults; validate() runs in every build.
struct ServerConfig {
    Address bind{0, 0};                       ///< 0.0.0.0:0 = any address, a free port
    std::vector<Address> publicAddresses;     ///< addresses tokens must name; default: the bound address (127.0.0.1 when bound to 0.0.0.0); port 0 = the bound port
    Key key;                                  ///< the fleet's 32-byte server key; required
    std::uint64_t protocolId = kDefaultProtocolId;
    std::size_t maxClients = 64;              ///< 1..4095 connected at once
    std::size_t maxPending = 256;             ///< 1..65536 in the handshake at once
    std::uint32_t handshakeTimeoutMs = 5000;  ///< a pending entry is forgotten after this
    /// 1..16M tokens remembered until they expire, so that none is used from two
    /// addresses (about 64 bytes each). When full, new tokens are denied as PendingLimit.
    std::size_t maxRememberedTokens = 65536;
    DuplicatePlayerPolicy duplicatePlayers = DuplicatePlayerPolicy::Reject;
    ChannelLimits limits;
    LogSink log;                              ///< optional
    Clock clock;

    /// Errors: InvalidConfig; the detail says why, and goes to `log` when set.
    [[nodiscard]] Result<void> validate() const;
};

/// Client configuration.
struct ClientConfig {
    ConnectToken token;                       ///< from the backend; servers tried in order
    Address bind{0, 0};                       ///< local address; default any, free port
    std::uint32_t handshakeTimeoutMs = 5000;  ///< per server in the token
    std::uint32_t resendIntervalMs = 100;     ///< handshake datagram resend interval
    ChannelLimits limits;
    LogSink log;
    Clock clock;

    [[nodiscard]] Result<void> validate() const;
};

/// Per-connection statistics.
struct ConnectionStats {
    std::uint32_t rttMs = 0;            ///< smoothed round-trip time (ENet)
    std::uint32_t rttVarianceMs = 0;
    /// Datagrams from the other side lost on the way in over the last full second, 0..100,
    /// measured from the sealed datagrams' numbers: every datagram counts, on every channel,
    /// acks and pings included (a duplicate is not a loss undone).
    double lossPct = 0;
    double bytesInPerSecond = 0;        ///< sealed payload bytes received, last full second
    double bytesOutPerSecond = 0;
    double packetsInPerSecond = 0;      ///< sealed packets (batches) received, last full second
    double packetsOutPerSecond = 0;
    std::uint64_t bytesIn = 0, bytesOut = 0;      ///< totals since connect
    std::uint64_t packetsIn = 0, packetsOut = 0;
    std::uint64_t messagesIn = 0, messagesOut = 0;
    /// Authentic datagrams received since connect, and those the other side sent that never
    /// arrived (or arrived more than 1,024 late): datagramsLost / (datagramsIn + datagramsLost)
    /// is the loss since connect.
    std::uint64_t datagramsIn = 0, datagramsLost = 0;
    std::array<std::uint64_t, kDropCount> dropped{};  ///< indexed by Drop
};

/// Host-wide statistics (totals over every connection since the host was created).
struct HostStats {
    std::uint64_t connected = 0;       ///< connections accepted (server) or made (client)
    std::uint64_t disconnected = 0;
    std::uint64_t udpBytesOut = 0;     ///< every UDP payload byte sent (ENet + handshake)
    std::uint64_t udpBytesIn = 0;
    std::uint64_t udpPacketsOut = 0;
    std::uint64_t udpPacketsIn = 0;
    std::uint64_t messagesIn = 0, messagesOut = 0;
    std::array<std::uint64_t, kRejectionCount> rejected{};  ///< indexed by Rejection
    std::array<std::uint64_t, kDropCount> dropped{};        ///< indexed by Drop
    std::uint64_t handshakeDropped = 0;  ///< client side: handshake replies that failed to verify

    /// One JSON object with every counter, keys named after the reasons.
    [[nodiscard]] std::string toJson() const;
};

/// Something that happened; returned by poll().
struct Event {
    enum class Type { Connected, Message, Disconnected };
    Type type = Type::Message;
    ConnectionId client;                      ///< server side: which connection. Client side: always {1}
    std::uint64_t playerId = 0;      ///< server side: the player the token names
    Channel channel = Channel::Reliable;  ///< Message only
    std::vector<std::uint8_t> data;       ///< Message only: the payload, owned by the event
    DisconnectReason reason = DisconnectReason::Unknown;  ///< Disconnected only
    std::optional<Rejection> denial;      ///< client side, reason == Denied: what the server said
};

class Server {
public:
    /// Creates the ENet host and binds. Errors: InvalidConfig, HostCreateFailed.
    [[nodiscard]] static Result<std::unique_ptr<Server>> create(ServerConfig config);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Sends what was queued (flush()), receives everything waiting, expires handshakes.
    /// Never blocks when timeoutMs is 0; otherwise waits up to timeoutMs for traffic.
    void update(std::uint32_t timeoutMs = 0);
    /// The next event, or nothing. Events are queued by update().
    [[nodiscard]] std::optional<Event> poll();

    /// Queues bytes for one client; they leave on the next flush()/update(), coalesced
    /// with other messages to that client and channel. Errors: NotConnected,
    /// MessageTooLarge, QueueFull, InvalidArgument (empty message).
    [[nodiscard]] Result<void> send(ConnectionId client, Channel channel, std::span<const std::uint8_t> bytes);
    /// send() to every connected client; returns how many accepted it.
    std::size_t broadcast(Channel channel, std::span<const std::uint8_t> bytes);
    /// Seals and hands every queued batch to ENet and sends the datagrams.
    void flush();

    /// Starts a graceful disconnect; the client receives `reason`. Errors: NotConnected.
    [[nodiscard]] Result<void> disconnect(ConnectionId client, DisconnectReason reason = DisconnectReason::Kicked);
    /// Disconnects every client with `reason` and services the host until they are gone
    /// or waitMs passes.
    void shutdown(DisconnectReason reason = DisconnectReason::ServerShutdown, std::uint32_t waitMs = 1000);

    /// The bound address (the real port when 0 was asked for).
    [[nodiscard]] Address address() const noexcept;
    /// Live connections, not counting those being disconnected.
    [[nodiscard]] std::size_t connectedCount() const noexcept;
    /// Handles of the live connections (not those being disconnected), in ascending order.
    [[nodiscard]] std::vector<ConnectionId> clients() const;
    /// Errors: NotConnected.
    [[nodiscard]] Result<ConnectionStats> stats(ConnectionId client) const;
    [[nodiscard]] const HostStats& hostStats() const noexcept;

private:
    struct Impl;
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// Connection state of a Client.
enum class ClientState { Disconnected, SendingRequest, SendingResponse, Connected };

class Client {
public:
    /// Creates the ENet host; does not connect yet. Errors: InvalidConfig, HostCreateFailed.
    [[nodiscard]] static Result<std::unique_ptr<Client>> create(ClientConfig config);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// Starts the handshake with the token's first server. Errors: Busy (not
    /// disconnected), Expired (the token expired: no datagram is sent).
    [[nodiscard]] Result<void> connect();
    /// As Server::update().
    void update(std::uint32_t timeoutMs = 0);
    [[nodiscard]] std::optional<Event> poll();

    /// Errors: NotConnected, MessageTooLarge, QueueFull, InvalidArgument.
    [[nodiscard]] Result<void> send(Channel channel, std::span<const std::uint8_t> bytes);
    void flush();
    /// Graceful disconnect with a reason for the server; waits up to waitMs for it to leave.
    void disconnect(DisconnectReason reason = DisconnectReason::Requested, std::uint32_t waitMs = 200);

    [[nodiscard]] ClientState state() const noexcept;
    [[nodiscard]] bool connected() const noexcept { return state() == ClientState::Connected; }
    /// The local bound address.
    [[nodiscard]] Address address() const noexcept;
    /// Errors: NotConnected.
    [[nodiscard]] Result<ConnectionStats> stats() const;
    [[nodiscard]] const HostStats& hostStats() const noexcept;

private:
    struct Impl;
    explicit Client(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tickwire::net
