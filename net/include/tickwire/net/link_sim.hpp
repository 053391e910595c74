#pragma once
/// \file link_sim.hpp
/// A UDP relay that makes a bad network on purpose: latency, jitter, loss, duplication
/// and reordering, seeded and deterministic for a given sequence of datagrams.
/// Used in-process by tests and by the `tickwire-netsim` tool. Never enabled by default.

#include <tickwire/net/address.hpp>
#include <tickwire/net/result.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace tickwire::net {

/// Link conditions, applied independently to each direction.
struct LinkSimConfig {
    std::uint16_t listenPort = 0;     ///< clients send here; 0 picks a free port
    Address forward;                  ///< the real server
    std::uint32_t latencyMs = 0;      ///< one-way delay added to every datagram, 0..10000
    std::uint32_t jitterMs = 0;       ///< uniform extra delay in [-jitter, +jitter], 0..latencyMs
    double lossPct = 0;               ///< 0..100: chance a datagram is dropped
    double duplicatePct = 0;          ///< 0..100: chance a datagram is delivered twice
    double reorderPct = 0;            ///< 0..100: chance a datagram is held back behind later ones
                                      ///< (an extra 1..2*jitter+latency/2+5 ms)
    std::uint64_t seed = 1;           ///< same seed + same datagrams = same decisions
    std::size_t maxClients = 256;     ///< distinct client addresses relayed at once, 1..4096
    std::size_t maxQueued = 65536;    ///< datagrams held in flight, 1..1048576; more are dropped and counted
    std::size_t maxQueuedBytes = std::size_t{64} << 20;  ///< payload bytes held in flight,
                                                         ///< 65535..4 GiB; more are dropped and counted

    /// Checks every range above; forward must name a host (not 0.0.0.0) and a port (not 0).
    /// Errors: InvalidConfig, the detail naming the field and its valid range.
    [[nodiscard]] Result<void> validate() const;
};

/// Counters since creation.
struct LinkSimStats {
    std::uint64_t received = 0;    ///< datagrams read from either side
    std::uint64_t delivered = 0;   ///< datagrams written to either side (duplicates included)
    std::uint64_t dropped = 0;     ///< lost on purpose
    std::uint64_t duplicated = 0;
    std::uint64_t reordered = 0;
    std::uint64_t overflow = 0;    ///< dropped because maxQueued, maxQueuedBytes or maxClients was reached
    std::uint64_t socketErrors = 0;  ///< lost because the system refused a send or a new upstream socket
};

/// Direction of a datagram through the relay.
enum class LinkDirection { ToServer, ToClient };

/// The relay. Owns its sockets and the datagrams in flight; does nothing between calls
/// to update()/wait(), which the caller makes from its own loop.
class LinkSim {
public:
    /// Binds the listen socket on 127.0.0.1 (or every interface when bindAny is true, as the
    /// tool may). Each distinct client address gets its own upstream socket towards
    /// `forward`; clients silent for 60 s are forgotten. Starts no thread.
    /// Errors: InvalidConfig (see validate(); also when forward is the listen socket
    /// itself), SocketError (the port is taken, or no socket could be opened).
    [[nodiscard]] static Result<std::unique_ptr<LinkSim>> create(const LinkSimConfig& config,
                                                                 bool bindAny = false);
    /// Closes every socket; datagrams still in flight are discarded.
    ~LinkSim();
    LinkSim(const LinkSim&) = delete;
    LinkSim& operator=(const LinkSim&) = delete;

    /// Reads every datagram waiting on its sockets and sends every datagram whose time has
    /// come. Never blocks. Call it from the same loop that services the endpoints.
    /// (At most 256 datagrams are read per socket per call, so a flood on one socket
    /// cannot starve the others; the rest wait for the next call.)
    void update();
    /// Blocks up to timeoutMs for a datagram to arrive or one to fall due, then update().
    /// Returns early when a signal interrupts the wait.
    void wait(std::uint32_t timeoutMs);

    /// Where clients should send (127.0.0.1 and the bound port).
    [[nodiscard]] Address listenAddress() const noexcept;
    /// Counters since creation; the reference stays valid for the life of the LinkSim.
    [[nodiscard]] const LinkSimStats& stats() const noexcept;

    /// Test hook: called for each datagram after the loss decision and before it is queued;
    /// may change its bytes (tamper) or clear them (drop, counted in `dropped`). A datagram
    /// that is empty or longer than 65535 bytes after the hook is dropped. Called only from
    /// update()/wait(). An empty function removes the hook. Not used by the tool.
    using Mutator = std::function<void(LinkDirection, std::vector<std::uint8_t>&)>;
    /// Installs (or, with an empty function, removes) the hook described above.
    void setMutator(Mutator mutator);

private:
    struct Impl;
    explicit LinkSim(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tickwire::net
