#pragma once
// Per-connection AEAD framing (docs/PROTOCOL.md, "Sealed packets"): packet numbers with
// truncated encoding, the replay window, and seal/open of one batch.

#include <tickwire/net/key.hpp>
#include <tickwire/net/transport.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace tickwire::net::detail {

/// Largest sealed packet handed to ENet that ENet still sends as one datagram: the MTU
/// (1400) less ENet's 4-byte header and its 24-byte fragment command, the threshold
/// above which ENet fragments.
inline constexpr std::size_t kMaxSealedDatagram = 1372;
inline constexpr std::size_t kMaxPacketNumberSize = 4;
inline constexpr std::size_t kSealOverhead = 16;  // Poly1305 tag

/// Bytes of the encoded packet number for `pn` on `channel`: 1 on Reliable (ENet delivers
/// those in order, so the receiver always expects exactly the next one); on the unreliable
/// channels 2, and 4 on every 16th packet so a receiver that missed more than 8191 in a
/// row resynchronises.
std::size_t packetNumberSize(Channel channel, std::uint64_t pn) noexcept;
/// Writes the truncated packet number (size from packetNumberSize) and returns its size.
std::size_t writePacketNumber(std::uint8_t* out, std::size_t size, std::uint64_t pn) noexcept;

struct TruncatedPacketNumber {
    std::uint64_t value = 0;
    unsigned bits = 0;
    std::size_t size = 0;  // bytes it took
};
/// Reads an encoded packet number. Empty when the bytes are too short.
std::optional<TruncatedPacketNumber> readPacketNumber(std::span<const std::uint8_t> bytes) noexcept;
/// QUIC-style reconstruction: the full number closest to largestReceived + 1 whose low
/// `bits` bits equal `truncated`.
std::uint64_t reconstructPacketNumber(std::optional<std::uint64_t> largestReceived,
                                      std::uint64_t truncated, unsigned bits) noexcept;

/// Which packet numbers one channel has accepted.
class ReplayWindow {
public:
    static constexpr std::uint64_t kSize = 1024;
    /// nullopt when pn may be accepted; otherwise why not. Sequenced channels accept only
    /// numbers above the newest.
    std::optional<Drop> check(std::uint64_t pn, bool sequenced) const noexcept;
    /// Records pn as accepted (call only after the packet authenticated).
    void accept(std::uint64_t pn) noexcept;
    std::optional<std::uint64_t> largest() const noexcept { return largest_; }

private:
    std::optional<std::uint64_t> largest_;
    std::array<std::uint64_t, kSize / 64> bits_{};
};

/// The keys and counters of one connection, both directions.
class SecureLink {
public:
    SecureLink(const Key& sendKey, const Key& receiveKey, std::uint64_t protocolId) noexcept;

    /// The next packet number for channel; advances the counter.
    std::uint64_t takePacketNumber(Channel channel) noexcept;
    /// packet = [pn][plaintext][16 spare]: seals in place. pnSize from writePacketNumber.
    void seal(Channel channel, std::uint64_t pn, std::size_t pnSize, std::span<std::uint8_t> packet) const noexcept;

    /// Opens a received packet in place. On success returns the plaintext span inside
    /// `packet`; otherwise the reason to drop it. The replay window moves only on success.
    std::optional<Drop> open(Channel channel, std::span<std::uint8_t> packet,
                             std::span<std::uint8_t>& plaintext) noexcept;

private:
    Key sendKey_;
    Key receiveKey_;
    std::uint64_t protocolId_;
    std::array<std::uint64_t, kChannelCount> nextSend_{};
    std::array<ReplayWindow, kChannelCount> windows_{};
};

/// LEB128 varint used for message lengths inside a batch.
std::size_t writeVarint(std::uint8_t* out, std::uint64_t value) noexcept;
std::size_t varintSize(std::uint64_t value) noexcept;
/// Reads a varint of at most maxBytes bytes; empty when truncated or too long.
std::optional<std::uint64_t> readVarint(std::span<const std::uint8_t> bytes, std::size_t& used,
                                        std::size_t maxBytes = 10) noexcept;

}  // namespace tickwire::net::detail
