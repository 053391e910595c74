#pragma once
// The client's side of the handshake (docs/PROTOCOL.md, section 3): one attempt per
// server of the token, each with a fresh nonce; REQUEST until a CHALLENGE for this
// attempt opens, then RESPONSE until ENet connects. Pure logic over bytes and times:
// the Client sends what it says and feeds it what arrives.

#include "handshake.hpp"

#include <tickwire/net/token.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace tickwire::net::detail {

class ClientHandshake {
public:
    enum class State { Idle, SendingRequest, SendingResponse };

    /// What a handshake datagram from the server did.
    enum class Outcome {
        Ignored,     ///< not expected in this state (a late or repeated reply)
        Dropped,     ///< did not open for this attempt: forged, replayed from another attempt, another key
        Challenged,  ///< the cookie arrived: keys() hold this attempt's keys, the RESPONSE is due now
        Denied,      ///< the server refused this attempt; denial() says why
    };

    ClientHandshake(ConnectToken token, std::uint32_t handshakeTimeoutMs, std::uint32_t resendIntervalMs)
        : token_(std::move(token)), timeoutMs_(handshakeTimeoutMs), resendMs_(resendIntervalMs) {}

    /// Starts an attempt with the token's server `index`, with a nonce drawn for it.
    void start(std::size_t index, std::uint64_t nowMs);
    /// Stops resending (connected, or given up).
    void stop() noexcept { state_ = State::Idle; }

    State state() const noexcept { return state_; }
    std::size_t serverIndex() const noexcept { return index_; }
    const Address& server() const noexcept { return token_.servers[index_]; }
    bool timedOut(std::uint64_t nowMs) const noexcept { return state_ != State::Idle && nowMs >= deadlineMs_; }

    /// The datagram to send now (REQUEST or RESPONSE, every resend interval), if any.
    std::optional<std::vector<std::uint8_t>> due(std::uint64_t nowMs);
    /// A handshake datagram from server().
    Outcome onDatagram(std::span<const std::uint8_t> bytes, std::uint64_t nowMs);

    const SessionKeys& keys() const noexcept { return keys_; }
    std::optional<Rejection> denial() const noexcept { return denial_; }

private:
    ConnectToken token_;
    std::uint32_t timeoutMs_;
    std::uint32_t resendMs_;
    State state_ = State::Idle;
    std::size_t index_ = 0;
    AttemptNonce nonce_{};
    Cookie cookie_;
    SessionKeys keys_;
    std::optional<Rejection> denial_;
    std::uint64_t deadlineMs_ = 0;
    std::uint64_t nextSendMs_ = 0;
};

}  // namespace tickwire::net::detail
