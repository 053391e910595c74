#pragma once
// Hand-made ENet 1.3 datagrams, for attack tests: what an off-path attacker who knows
// ENet's wire format (enet/protocol.h) can put in a UDP datagram.
//
// A datagram is a header then commands. Header: u16 peerID (the receiving host's index
// of the peer, 0xFFF for "no peer"; bit 15 SENT_TIME, bit 14 COMPRESSED, bits 12-13 the
// session id), then u16 sentTime when SENT_TIME is set, then — only on a host that set
// ENet's checksum callback — a 4-byte checksum slot. Each command starts with
// {u8 command (bit 7: acknowledge requested, bit 6: unsequenced), u8 channelID,
// u16 reliableSequenceNumber}. Every multi-byte field is big-endian.

#include <enet/enet.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tickwire::net::test::enet_forge {

inline constexpr std::uint8_t kAcknowledge = ENET_PROTOCOL_COMMAND_ACKNOWLEDGE;              // 1
inline constexpr std::uint8_t kDisconnect = ENET_PROTOCOL_COMMAND_DISCONNECT;                // 4
inline constexpr std::uint8_t kPing = ENET_PROTOCOL_COMMAND_PING;                            // 5
inline constexpr std::uint8_t kSendReliable = ENET_PROTOCOL_COMMAND_SEND_RELIABLE;           // 6
inline constexpr std::uint8_t kSendUnreliable = ENET_PROTOCOL_COMMAND_SEND_UNRELIABLE;       // 7
inline constexpr std::uint8_t kSendUnsequenced = ENET_PROTOCOL_COMMAND_SEND_UNSEQUENCED;     // 9
inline constexpr std::uint8_t kBandwidthLimit = ENET_PROTOCOL_COMMAND_BANDWIDTH_LIMIT;       // 10
inline constexpr std::uint8_t kThrottleConfigure = ENET_PROTOCOL_COMMAND_THROTTLE_CONFIGURE; // 11
inline constexpr std::uint8_t kFlagAcknowledge = ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE;     // 0x80
inline constexpr std::uint8_t kFlagUnsequenced = ENET_PROTOCOL_COMMAND_FLAG_UNSEQUENCED;     // 0x40
/// The channel id ENet uses for commands that belong to no channel (ping, disconnect...).
inline constexpr std::uint8_t kNoChannel = 0xFF;

/// Fixed part of each command, data excluded; checked against ENet's own structs so that
/// a forged command is exactly what ENet reads.
inline constexpr std::size_t kAcknowledgeSize = 8;
inline constexpr std::size_t kDisconnectSize = 8;
inline constexpr std::size_t kPingSize = 4;
inline constexpr std::size_t kSendReliableSize = 6;
inline constexpr std::size_t kSendUnreliableSize = 8;
inline constexpr std::size_t kSendUnsequencedSize = 8;
inline constexpr std::size_t kBandwidthLimitSize = 12;
inline constexpr std::size_t kThrottleConfigureSize = 16;
static_assert(kAcknowledgeSize == sizeof(ENetProtocolAcknowledge));
static_assert(kDisconnectSize == sizeof(ENetProtocolDisconnect));
static_assert(kPingSize == sizeof(ENetProtocolPing));
static_assert(kSendReliableSize == sizeof(ENetProtocolSendReliable));
static_assert(kSendUnreliableSize == sizeof(ENetProtocolSendUnreliable));
static_assert(kSendUnsequencedSize == sizeof(ENetProtocolSendUnsequenced));
static_assert(kBandwidthLimitSize == sizeof(ENetProtocolBandwidthLimit));
static_assert(kThrottleConfigureSize == sizeof(ENetProtocolThrottleConfigure));
static_assert(sizeof(ENetProtocolCommandHeader) == 4);

/// The header of one forged datagram.
struct Header {
    std::uint16_t peerId = 0;               ///< the receiving host's index of the peer, 0..0xFFF
    std::uint8_t sessionId = 0;             ///< 0..3
    std::optional<std::uint16_t> sentTime;  ///< set: the SENT_TIME flag and the field (ENet acknowledges only with it)
    std::optional<std::uint32_t> slot;      ///< set: 4 bytes where a host with a checksum callback expects its checksum
};

/// A sequence of ENet commands, written once and sent under many headers.
class Commands {
public:
    /// Acknowledges the command `receivedSequence` of `channel` sent at `receivedSentTime`.
    Commands& acknowledge(std::uint8_t channel, std::uint16_t receivedSequence, std::uint16_t receivedSentTime) {
        header(kAcknowledge, channel, 0);
        put16(receivedSequence);
        put16(receivedSentTime);
        return *this;
    }
    /// An immediate disconnect (no acknowledgement asked), with ENet's 32-bit event data.
    Commands& disconnect(std::uint32_t data) {
        header(kDisconnect, kNoChannel, 0);
        put32(data);
        return *this;
    }
    Commands& ping(std::uint16_t reliableSequence) {
        header(kPing | kFlagAcknowledge, kNoChannel, reliableSequence);
        return *this;
    }
    Commands& sendReliable(std::uint8_t channel, std::uint16_t reliableSequence, std::span<const std::uint8_t> data) {
        header(kSendReliable | kFlagAcknowledge, channel, reliableSequence);
        put16(static_cast<std::uint16_t>(data.size()));
        bytes_.insert(bytes_.end(), data.begin(), data.end());
        return *this;
    }
    /// `reliableSequence` is the channel's last reliable sequence number, which ENet puts
    /// in every unreliable send (0 on a channel that never carried a reliable one).
    Commands& sendUnreliable(std::uint8_t channel, std::uint16_t reliableSequence, std::uint16_t unreliableSequence,
                             std::span<const std::uint8_t> data) {
        header(kSendUnreliable, channel, reliableSequence);
        put16(unreliableSequence);
        put16(static_cast<std::uint16_t>(data.size()));
        bytes_.insert(bytes_.end(), data.begin(), data.end());
        return *this;
    }
    Commands& sendUnsequenced(std::uint8_t channel, std::uint16_t unsequencedGroup,
                              std::span<const std::uint8_t> data) {
        header(kSendUnsequenced | kFlagUnsequenced, channel, 0);
        put16(unsequencedGroup);
        put16(static_cast<std::uint16_t>(data.size()));
        bytes_.insert(bytes_.end(), data.begin(), data.end());
        return *this;
    }
    /// Bandwidths in bytes per second; 0 means unlimited.
    Commands& bandwidthLimit(std::uint16_t reliableSequence, std::uint32_t incoming, std::uint32_t outgoing) {
        header(kBandwidthLimit | kFlagAcknowledge, kNoChannel, reliableSequence);
        put32(incoming);
        put32(outgoing);
        return *this;
    }
    /// Interval in ms; acceleration and deceleration in 1/32 steps of the packet throttle.
    Commands& throttleConfigure(std::uint16_t reliableSequence, std::uint32_t interval, std::uint32_t acceleration,
                                std::uint32_t deceleration) {
        header(kThrottleConfigure | kFlagAcknowledge, kNoChannel, reliableSequence);
        put32(interval);
        put32(acceleration);
        put32(deceleration);
        return *this;
    }

    [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }

private:
    void header(std::uint8_t command, std::uint8_t channel, std::uint16_t reliableSequence) {
        bytes_.push_back(command);
        bytes_.push_back(channel);
        put16(reliableSequence);
    }
    void put16(std::uint16_t v) {
        bytes_.push_back(static_cast<std::uint8_t>(v >> 8));
        bytes_.push_back(static_cast<std::uint8_t>(v));
    }
    void put32(std::uint32_t v) {
        put16(static_cast<std::uint16_t>(v >> 16));
        put16(static_cast<std::uint16_t>(v));
    }

    std::vector<std::uint8_t> bytes_;
};

/// One datagram: `header` then `commands`.
inline std::vector<std::uint8_t> datagram(const Header& header, const Commands& commands) {
    std::vector<std::uint8_t> out;
    std::uint16_t peer = static_cast<std::uint16_t>(header.peerId & ENET_PROTOCOL_MAXIMUM_PEER_ID);
    peer = static_cast<std::uint16_t>(peer | ((header.sessionId << ENET_PROTOCOL_HEADER_SESSION_SHIFT) &
                                              ENET_PROTOCOL_HEADER_SESSION_MASK));
    if (header.sentTime) peer = static_cast<std::uint16_t>(peer | ENET_PROTOCOL_HEADER_FLAG_SENT_TIME);
    out.push_back(static_cast<std::uint8_t>(peer >> 8));
    out.push_back(static_cast<std::uint8_t>(peer));
    if (header.sentTime) {
        out.push_back(static_cast<std::uint8_t>(*header.sentTime >> 8));
        out.push_back(static_cast<std::uint8_t>(*header.sentTime));
    }
    if (header.slot) {
        // ENet compares the slot with its callback's result as a raw u32 in memory; the
        // byte order of a forged value does not matter, only that four bytes are there.
        for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(*header.slot >> shift));
    }
    const auto body = commands.bytes();
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

}  // namespace tickwire::net::test::enet_forge
