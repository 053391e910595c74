#pragma once
// What the server and client share: the ENet host, the two hooks through which every
// datagram passes (the receive intercept opens it before ENet parses it; the checksum
// callback seals every datagram ENet sends), handshake datagrams on the same socket,
// the event queue and the counters.

#include "sealed_datagram.hpp"

#include <tickwire/net/transport.hpp>

#include <enet/enet.h>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace tickwire::net::detail {

/// enet_initialize() once per process (and sodium_init()). False when either fails.
bool ensureLibraries() noexcept;

ENetAddress toEnet(const Address& a) noexcept;
Address fromEnet(const ENetAddress& a) noexcept;

struct HostDeleter {
    void operator()(ENetHost* host) const noexcept { enet_host_destroy(host); }
};
using HostPtr = std::unique_ptr<ENetHost, HostDeleter>;

/// Disconnect reason from ENet's event data (0, sent by nobody, means a timeout).
DisconnectReason reasonFromEnet(std::uint32_t data) noexcept;
/// enet_peer_timeout values for a token's timeout: ENet drops a peer only when reliable
/// data went unacknowledged for the whole timeout, so heavy loss alone never does.
void applyTimeout(ENetPeer* peer, std::uint32_t timeoutSeconds) noexcept;

class Host {
public:
    Host(LogSink log, Clock clock) : log_(std::move(log)), clock_(std::move(clock)) {}
    virtual ~Host() = default;
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;

    /// Creates the ENet host and installs both hooks. False when ENet refuses.
    bool createHost(const ENetAddress* bind, std::size_t peers, std::size_t maxPacket);
    void log(LogLevel level, const std::string& line) const;

    /// The configured clock, read once per call.
    std::uint64_t nowMs() const { return clock_.monotonicMs(); }
    std::uint64_t unixSeconds() const { return clock_.unixSeconds(); }

    /// Sends a handshake datagram on the host's own socket and counts it.
    void sendRaw(const Address& to, std::span<const std::uint8_t> bytes);
    /// Folds ENet's 32-bit traffic totals into the 64-bit host stats.
    void accountTraffic() noexcept;

    void pushEvent(Event&& ev) { events_.push_back(std::move(ev)); }

    HostPtr host_;
    HostStats stats_;
    std::deque<Event> events_;

protected:
    /// A datagram arrived from `from`. Return the size to hand to ENet, having opened it in
    /// place (`header` = its clear header), or nothing to keep it from ENet.
    virtual std::optional<std::size_t> intercept(const Address& from, std::span<std::uint8_t> datagram,
                                                 DatagramHeader& header) = 0;
    /// The keys that seal datagrams for the peer whose ENet connect id is `connectId` (0:
    /// a peer that is still connecting), or null when there are none.
    virtual SealedLink* sendLink(std::uint32_t connectId) = 0;

private:
    static int ENET_CALLBACK interceptThunk(ENetHost* host, ENetEvent* event);
    static enet_uint32 ENET_CALLBACK checksumThunk(const ENetBuffer* buffers, std::size_t bufferCount);
    enet_uint32 sealOutgoing(ENetHost& host);

    LogSink log_;
    Clock clock_;
    // ENet sends one datagram at a time: each is gathered and sealed here.
    std::array<std::uint8_t, kMaxDatagram + 64> scratch_{};
    bool warnedUnsealable_ = false;
};

}  // namespace tickwire::net::detail
