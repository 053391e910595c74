#pragma once
// Who may talk to the server's ENet host (docs/PROTOCOL.md, section 3): per source
// address, nothing, ALLOWED (it echoed a valid cookie: it receives at its address and
// holds the token's keys) or CONNECTED. Handshake datagrams are answered from here.
// REQUESTs leave no state behind: the cookie in the CHALLENGE carries what the server
// needs, under a MAC only the server can make, so spoofed REQUESTs cannot fill any table.

#include "handshake.hpp"
#include "sealed_datagram.hpp"

#include <tickwire/net/address.hpp>
#include <tickwire/net/token.hpp>
#include <tickwire/net/transport.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tickwire::net::detail {

/// The parts of ServerConfig that admission decides with.
struct AdmissionConfig {
    Key key;
    std::uint64_t protocolId = kDefaultProtocolId;
    std::vector<Address> publicAddresses;
    std::size_t maxClients = 64;
    std::size_t maxPending = 256;
    std::uint32_t handshakeTimeoutMs = 5000;
    std::size_t maxRememberedTokens = 65536;
    DuplicatePlayerPolicy duplicatePlayers = DuplicatePlayerPolicy::Reject;
};

/// An address that completed the handshake and may now complete one ENet connection.
struct Allowed {
    TokenTag tag{};
    TokenPrivate token;
    AttemptNonce clientNonce{};
    AttemptNonce serverNonce{};
    std::unique_ptr<SealedLink> link;  // the connection's keys; moves to the Connection
    std::uint64_t sinceMs = 0;      // when the RESPONSE was accepted
    std::uint64_t lastHeardMs = 0;  // the last authentic datagram of this attempt
};

class Admission {
public:
    /// `rejected` is the host's counter array (indexed by Rejection); it must outlive this.
    Admission(AdmissionConfig config, std::array<std::uint64_t, kRejectionCount>& rejected);

    /// The addresses tokens must name (known once the host is bound).
    void setPublicAddresses(std::vector<Address> addresses) { config_.publicAddresses = std::move(addresses); }

    /// A handshake datagram from `from`. Returns the datagram to send back (empty: none).
    /// Every refusal is counted under its Rejection.
    std::vector<std::uint8_t> onHandshake(const Address& from, std::span<const std::uint8_t> bytes,
                                          std::uint64_t nowMs, std::uint64_t unixSeconds);

    /// The entry of an ALLOWED address, or null.
    Allowed* allowed(const Address& from);
    /// The keys of the ALLOWED entry whose connection id is `connectId`, or null.
    SealedLink* linkFor(std::uint32_t connectId);
    /// Moves an ALLOWED entry out: its ENet connection completed.
    std::optional<Allowed> take(const Address& from);

    /// A connection started or ended at `from` (the Server reports both).
    void connected(const Address& from, std::uint64_t playerId, const Allowed& entry);
    void disconnected(const Address& from, std::uint64_t playerId, std::uint32_t connectId);
    [[nodiscard]] bool isConnected(const Address& from) const { return connected_.count(from) != 0; }
    [[nodiscard]] bool playerConnected(std::uint64_t playerId) const { return playerConnections_.count(playerId) != 0; }
    [[nodiscard]] std::size_t allowedCount() const noexcept { return allowed_.size(); }
    [[nodiscard]] std::size_t rememberedTokens() const noexcept { return tokenUses_.size(); }
    [[nodiscard]] std::size_t rememberedCookies() const noexcept { return usedCookies_.size(); }

    /// Forgets ALLOWED entries older than the handshake timeout, token uses whose token
    /// expired and used cookies that could no longer be accepted. Returns the addresses
    /// whose ALLOWED entry was forgotten.
    std::vector<Address> prune(std::uint64_t nowMs, std::uint64_t unixSeconds);

    void count(Rejection why) noexcept { ++rejected_[static_cast<std::size_t>(why)]; }

private:
    struct Live {
        std::uint32_t connectId = 0;
        AttemptNonce clientNonce{};  // so that late resends of its handshake are told apart
        AttemptNonce serverNonce{};
    };
    struct TokenUse {
        Address from;
        std::uint64_t expireTime = 0;
    };

    std::vector<std::uint8_t> onRequest(const Address& from, std::span<const std::uint8_t> bytes,
                                        std::uint64_t nowMs, std::uint64_t unixSeconds);
    std::vector<std::uint8_t> onResponse(const Address& from, std::span<const std::uint8_t> bytes,
                                         std::uint64_t nowMs, std::uint64_t unixSeconds);
    /// Checks shared by REQUEST and RESPONSE once the token opened; the refusal to send, if any.
    std::optional<Rejection> refuse(const Address& from, const Request& request, const TokenPrivate& token) const;
    bool namesUs(const TokenPrivate& token) const;
    std::vector<std::uint8_t> deny(Rejection why, const TokenPrivate& token, const AttemptNonce& clientNonce);

    AdmissionConfig config_;
    std::array<std::uint64_t, kRejectionCount>& rejected_;
    Key cookieSecret_;  // drawn at start: a restart invalidates every cookie in flight
    std::unordered_map<Address, Allowed, AddressHash> allowed_;
    std::unordered_map<Address, Live, AddressHash> connected_;
    std::unordered_map<std::uint64_t, std::size_t> playerConnections_;  // player id -> live connections
    std::unordered_set<std::uint32_t> connectIds_;                       // connected connect ids
    std::map<TokenTag, TokenUse> tokenUses_;
    std::map<AttemptNonce, std::uint64_t> usedCookies_;  // server nonce -> cookie time
};

}  // namespace tickwire::net::detail
