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
    std::uint64_t seed = 1;           ///< same seed + same datagrams = same decisions
    std::size_t maxClients = 256;     ///< distinct client addresses relayed at once
    std::size_t maxQueued = 65536;    ///< datagrams held in flight; more are dropped and counted

    /// Errors: InvalidConfig naming the field in `why` of validate().
    [[nodiscard]] Result<void> validate() const;
};

/// Counters since creation.
struct LinkSimStats {
    std::uint64_t received = 0;    ///< datagrams read from either side
    std::uint64_t delivered = 0;   ///< datagrams written to either side (duplicates included)
    std::uint64_t dropped = 0;     ///< lost on purpose
    std::uint64_t duplicated = 0;
    std::uint64_t reordered = 0;
    std::uint64_t overflow = 0;    ///< dropped because maxQueued or maxClients was reached
};

/// Direction of a datagram through the relay.
enum class LinkDirection { ToServer, ToClient };

class LinkSim {
public:
    /// Binds the listen socket on 127.0.0.1 (or any address for the tool, see bindAny).
    /// Errors: InvalidConfig, SocketError.
    [[nodiscard]] static Result<std::unique_ptr<LinkSim>> create(const LinkSimConfig& config,
                                                                 bool bindAny = false);
    ~LinkSim();
    LinkSim(const LinkSim&) = delete;
    LinkSim& operator=(const LinkSim&) = delete;

    /// Reads every datagram waiting on its sockets and sends every datagram whose time has
    /// come. Never blocks. Call it from the same loop that services the endpoints.
    void update();
    /// Blocks up to timeoutMs for a datagram to arrive or one to fall due, then update().
    void wait(std::uint32_t timeoutMs);

    /// Where clients should send (127.0.0.1 and the bound port).
    [[nodiscard]] Address listenAddress() const noexcept;
    [[nodiscard]] const LinkSimStats& stats() const noexcept;

    /// Test hook: called for each datagram after the loss decision and before it is queued;
    /// may change its bytes (tamper) or clear them (drop). Not used by the tool.
    using Mutator = std::function<void(LinkDirection, std::vector<std::uint8_t>&)>;
    void setMutator(Mutator mutator);

private:
    struct Impl;
    explicit LinkSim(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tickwire::net
