#pragma once
/// \file session_protocol.hpp
/// The messages ServerSession and ClientSession exchange (docs/PROTOCOL.md §7) and the
/// parts of their protocol that do not depend on the game: the opening agreement on
/// schema and rates, snapshots split into datagram-sized parts and put back together,
/// the per-client byte budget, and the counters of every message a session drops. The
/// code is in engine/src/session_protocol.cpp; only the game's own types stay templates.

#include <tickwire/net/messages.hpp>
#include <tickwire/net/result.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tickwire::engine {

/// What a server and a client must agree on before play: the entity types' layouts (the
/// codec's schema hash) and both rates.
struct SessionTerms {
    std::uint64_t schemaHash = 0;   ///< SnapshotCodec<...>::schemaHash()
    std::uint32_t tickRate = 0;     ///< simulation ticks per second
    std::uint32_t snapshotRate = 0; ///< snapshots per second
    friend bool operator==(const SessionTerms&, const SessionTerms&) = default;
    /// Cereal: the three fields in order, as the Welcome, Hello and Refused messages carry them.
    template <class A>
    void serialize(A& a) {
        a(schemaHash, tickRate, snapshotRate);
    }
};

/// Why the two ends of a session cannot play together.
enum class SessionMismatch : std::uint8_t {
    None = 0,          ///< they agree
    Schema = 1,        ///< built with other entity types (schema hash)
    TickRate = 2,      ///< another tick rate
    SnapshotRate = 3,  ///< another snapshot rate
};

/// The first disagreement between two sets of terms, in the order schema, tick rate,
/// snapshot rate (None when they agree).
[[nodiscard]] SessionMismatch compareTerms(const SessionTerms& mine, const SessionTerms& theirs) noexcept;

/// One sentence naming what differs and both values, e.g. "the server runs 30 ticks per
/// second, this client 60" (empty for None).
[[nodiscard]] std::string describeMismatch(SessionMismatch what, const SessionTerms& server,
                                           const SessionTerms& client);

/// Why a client could not join: which term differs, both sides' terms, and a sentence
/// saying so.
struct SessionRefusal {
    SessionMismatch what = SessionMismatch::None;
    SessionTerms server;
    SessionTerms client;
    std::string reason;  ///< describeMismatch(what, server, client)
};

/// Messages a session threw away, each counted under exactly one reason.
struct SessionDropStats {
    std::uint64_t unknownType = 0;           ///< no readable type id, or a type this version does not know
    std::uint64_t undecodable = 0;           ///< a known type whose body does not decode within its limits
    std::uint64_t unexpected = 0;            ///< a known message out of place (wrong direction, before the
                                             ///< opening agreement, a second Hello)
    std::uint64_t unknownSender = 0;         ///< server: from a connection it does not hold
    std::uint64_t snapshotsUndecodable = 0;  ///< client: the codec refused the packet (baseline not held, malformed)
    std::uint64_t snapshotsStale = 0;        ///< client: a snapshot of a tick it already has
    std::uint64_t partsDropped = 0;          ///< client: snapshot parts malformed, duplicated, late or beyond the limits
    std::uint64_t snapshotsIncomplete = 0;   ///< client: split snapshots abandoned with parts missing
    /// The sum of every counter above.
    [[nodiscard]] std::uint64_t total() const noexcept {
        return unknownType + undecodable + unexpected + unknownSender + snapshotsUndecodable + snapshotsStale +
               partsDropped + snapshotsIncomplete;
    }
};

namespace detail {

/// Message type ids of the session protocol (docs/PROTOCOL.md §7).
inline constexpr std::uint16_t kHello = 1;
inline constexpr std::uint16_t kInput = 2;
inline constexpr std::uint16_t kSnapshot = 3;
inline constexpr std::uint16_t kEvent = 4;
inline constexpr std::uint16_t kWelcome = 5;
inline constexpr std::uint16_t kSnapshotPart = 6;
inline constexpr std::uint16_t kRefused = 7;
/// Most inputs one Input message may carry.
inline constexpr std::size_t kMaxRedundantInputs = 32;
/// Most parts one snapshot may be split into.
inline constexpr std::uint16_t kMaxSnapshotParts = 4096;

/// Server -> client, reliable, first: the terms this server plays by.
using WelcomeMessage = SessionTerms;

/// Client -> server, reliable, once the Welcome agreed: join, with the client's own terms.
struct HelloMessage {
    bool spectator = false;
    SessionTerms terms;
    template <class A>
    void serialize(A& a) {
        a(spectator, terms);
    }
};

/// Server -> client, reliable, before it disconnects a client whose Hello disagreed: which
/// term differs, then the server's terms.
struct RefusedMessage {
    std::uint8_t mismatch = 0;  ///< SessionMismatch
    SessionTerms terms;
    template <class A>
    void serialize(A& a) {
        a(mismatch, terms);
    }
};

/// Client -> server, unreliable, every client tick: the newest inputs (newest first),
/// the newest snapshot it has (its acknowledgement) and what it is rendering.
template <class Input>
struct InputMessage {
    std::uint32_t ackTick = 0;          ///< newest snapshot tick decoded + 1 (0: none)
    std::uint32_t newestTick = 0;       ///< tick of inputs[0]
    std::uint32_t renderTickQ = 0;      ///< render tick x 16
    std::vector<Input> inputs;          ///< inputs[i] is for newestTick - i
    template <class A>
    void serialize(A& a) {
        a(ackTick, newestTick, renderTickQ, inputs);
    }
};

/// Server -> client: one snapshot packet and the input feedback. Sent whole on the
/// Sequenced channel when it fits one unreliable message, else as SnapshotPart messages.
struct SnapshotMessage {
    std::uint32_t tick = 0;             ///< server tick of the snapshot
    std::uint32_t entity = 0;           ///< the client's entity + 1 (0: spectator / none)
    std::int32_t inputLead = 0;         ///< newest input tick received - tick (negative: late)
    std::uint64_t lateInputs = 0;       ///< inputs that arrived after their tick was simulated
    std::uint64_t missingInputs = 0;    ///< ticks simulated without this client's input
    std::vector<std::uint8_t> body;     ///< SnapshotCodec packet
    template <class A>
    void serialize(A& a) {
        a(tick, entity, inputLead, lateInputs, missingInputs, body);
    }
};

/// Server -> client, Unreliable: part `index` of `count` of an encoded SnapshotMessage.
struct SnapshotPartMessage {
    std::uint32_t tick = 0;
    std::uint16_t index = 0;
    std::uint16_t count = 0;
    std::vector<std::uint8_t> data;
    template <class A>
    void serialize(A& a) {
        a(tick, index, count, data);
    }
};

/// Either way, reliable: a game event / RPC, opaque to the engine.
struct EventMessage {
    std::vector<std::uint8_t> data;
    template <class A>
    void serialize(A& a) {
        a(data);
    }
};

/// What a server does with a message from a client (routeToServer()).
enum class ServerRoute : std::uint8_t {
    Drop = 0,   ///< counted in the drop stats already: nothing to do
    Input = 1,  ///< decode as InputMessage<Input>
    Hello = 2,  ///< decode as HelloMessage
    Event = 3,  ///< decode as EventMessage
};

/// Routes a message a server received from a client: by its type id, and whether the
/// client's Hello was accepted (`joined`). Counts every message it drops in `drops`: no
/// readable or known type (unknownType), a server -> client message or anything but a Hello
/// before the client joined, a second Hello (unexpected).
[[nodiscard]] ServerRoute routeToServer(std::span<const std::uint8_t> message, bool joined,
                                        SessionDropStats& drops) noexcept;

/// What a client does with a message from the server (routeToClient()).
enum class ClientRoute : std::uint8_t {
    Drop = 0,          ///< counted in the drop stats already: nothing to do
    Welcome = 1,       ///< decode as WelcomeMessage
    Refused = 2,       ///< decode as RefusedMessage
    Event = 3,         ///< decode as EventMessage
    Snapshot = 4,      ///< decode as SnapshotMessage
    SnapshotPart = 5,  ///< decode as SnapshotPartMessage
};

/// Routes a message a client received from the server: by its type id, and whether the
/// server's Welcome was accepted (`agreed`). Counts every message it drops in `drops`: no
/// readable or known type (unknownType), a client -> server message, a second Welcome, or
/// an event or snapshot before the Welcome (unexpected).
[[nodiscard]] ClientRoute routeToClient(std::span<const std::uint8_t> message, bool agreed,
                                        SessionDropStats& drops) noexcept;

/// Splits an encoded SnapshotMessage for `tick` into SnapshotPart messages of at most
/// `limit` bytes each (the transport's ChannelLimits::maxUnreliableMessage). Empty when it
/// cannot: a limit too small for a part's header, or more than kMaxSnapshotParts parts.
[[nodiscard]] std::vector<std::vector<std::uint8_t>> splitSnapshot(std::uint32_t tick,
                                                                   std::span<const std::uint8_t> message,
                                                                   std::size_t limit);

/// What a message of `bytes` costs on the wire when it travels unreliably: the message,
/// its length in the batch, the sealed datagram's trailer and ENet's headers.
[[nodiscard]] std::size_t unreliableWireBytes(std::size_t bytes) noexcept;

/// Puts split snapshots back together. Parts of up to kMaxAssemblies snapshots at once;
/// a snapshot completed drops every older one still incomplete.
class SnapshotAssembler {
public:
    static constexpr std::size_t kMaxAssemblies = 4;

    /// `maxBytes`: the largest snapshot message accepted.
    explicit SnapshotAssembler(std::size_t maxBytes) : maxBytes_(maxBytes) {}

    /// Takes one part (from the wire, decoded). Returns the whole SnapshotMessage once its
    /// last part arrives; counts what it drops in `drops`. `newestTick` is the newest
    /// snapshot the client has: parts of older ones are dropped as late.
    [[nodiscard]] std::optional<std::vector<std::uint8_t>> add(SnapshotPartMessage&& part,
                                                               std::optional<std::uint32_t> newestTick,
                                                               SessionDropStats& drops);
    /// Snapshots being assembled.
    [[nodiscard]] std::size_t pending() const noexcept { return assemblies_.size(); }
    /// Forgets every part (a new connection).
    void clear() noexcept { assemblies_.clear(); }

private:
    struct Assembly {
        std::uint16_t count = 0;
        std::uint16_t received = 0;
        std::size_t bytes = 0;
        std::vector<std::vector<std::uint8_t>> parts;
    };
    std::size_t maxBytes_;
    std::map<std::uint32_t, Assembly> assemblies_;
};

}  // namespace detail

}  // namespace tickwire::engine
