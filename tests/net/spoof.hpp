#pragma once
// An off-path attacker for transport tests: UDP datagrams with a forged source address.
//
// SpoofSocket sends through a raw IPv4 socket (socket(AF_INET, SOCK_RAW, IPPROTO_RAW),
// which implies IP_HDRINCL), so the test writes the IPv4 and UDP headers itself and may
// put any address and port in the source fields. Opening such a socket needs root or
// CAP_NET_RAW; tests that need one check SpoofSocket::available() first and skip with a
// message when it is not.

#include <tickwire/net/address.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tickwire::net::test {

class SpoofSocket {
    static constexpr std::size_t kIpHeader = 20;
    static constexpr std::size_t kUdpHeader = 8;

public:
    /// The largest UDP payload send() accepts: one IPv4 datagram on loopback without
    /// fragmentation, which is more than ENet ever reads (4096 bytes).
    static constexpr std::size_t kMaxPayload = 65535 - kIpHeader - kUdpHeader;

    SpoofSocket() : fd_(::socket(AF_INET, SOCK_RAW, IPPROTO_RAW)) {}
    ~SpoofSocket() {
        if (fd_ >= 0) ::close(fd_);
    }
    SpoofSocket(const SpoofSocket&) = delete;
    SpoofSocket& operator=(const SpoofSocket&) = delete;

    /// Whether this process may open a raw socket (root, or CAP_NET_RAW).
    static bool available() {
        static const bool ok = [] {
            const int fd = ::socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
            if (fd < 0) return false;
            ::close(fd);
            return true;
        }();
        return ok;
    }

    /// Whether this socket opened.
    [[nodiscard]] bool open() const noexcept { return fd_ >= 0; }

    /// Sends `payload` to `to` in one UDP datagram that claims to come from `from`.
    /// True when the kernel accepted the whole datagram.
    bool send(const Address& from, const Address& to, std::span<const std::uint8_t> payload) const {
        if (fd_ < 0 || payload.size() > kMaxPayload) return false;
        const std::size_t udpLength = kUdpHeader + payload.size();
        const std::size_t total = kIpHeader + udpLength;
        std::vector<std::uint8_t> packet(total, 0);
        std::uint8_t* ip = packet.data();
        ip[0] = 0x45;  // version 4, header length 5 words (no options)
        put16(ip + 2, static_cast<std::uint16_t>(total));
        // Identification (4..5) and header checksum (10..11) stay zero: the kernel fills
        // both in for IP_HDRINCL packets. Flags and fragment offset (6..7) are zero too.
        ip[8] = 64;           // TTL
        ip[9] = IPPROTO_UDP;  // protocol
        put32(ip + 12, from.ipv4);
        put32(ip + 16, to.ipv4);
        std::uint8_t* udp = ip + kIpHeader;
        put16(udp + 0, from.port);
        put16(udp + 2, to.port);
        put16(udp + 4, static_cast<std::uint16_t>(udpLength));
        // UDP checksum (6..7) zero: "no checksum", which IPv4 allows.
        std::copy(payload.begin(), payload.end(), udp + kUdpHeader);

        sockaddr_in dest{};
        dest.sin_family = AF_INET;
        dest.sin_addr.s_addr = htonl(to.ipv4);
        const auto sent = ::sendto(fd_, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&dest),
                                   sizeof dest);
        return sent >= 0 && static_cast<std::size_t>(sent) == packet.size();
    }

private:
    static void put16(std::uint8_t* at, std::uint16_t v) noexcept {
        at[0] = static_cast<std::uint8_t>(v >> 8);
        at[1] = static_cast<std::uint8_t>(v);
    }
    static void put32(std::uint8_t* at, std::uint32_t v) noexcept {
        put16(at, static_cast<std::uint16_t>(v >> 16));
        put16(at + 2, static_cast<std::uint16_t>(v));
    }

    int fd_ = -1;
};

}  // namespace tickwire::net::test
