#pragma once
// Per-connection protection of every ENet datagram (docs/PROTOCOL.md, section 4): ENet's
// header stays in clear but authenticated; its 4-byte checksum slot carries the low 24
// bits of a 64-bit datagram number and the first byte of the tag; everything after it is
// encrypted; the other 6 bytes of the tag follow. ChaCha20-Poly1305-IETF under
// per-connection, per-direction keys, with the Poly1305 tag truncated to 56 bits.

#include <tickwire/net/key.hpp>
#include <tickwire/net/transport.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace tickwire::net::detail {

/// ENet's checksum slot: the low 24 bits of the datagram number, little-endian, then the
/// tag's first byte.
inline constexpr std::size_t kSlotSize = 4;
inline constexpr std::size_t kNumberBytes = 3;
/// Bytes the seal appends to the datagram: the rest of the 7-byte (56-bit) tag.
inline constexpr std::size_t kTagSize = 6;
/// The MTU tickwire gives ENet on both sides. ENet keeps a datagram's header and commands
/// within it and adds the 4-byte slot; with the tag a datagram is at most 1,400 bytes.
inline constexpr std::uint32_t kEnetMtu = 1390;
/// The largest ENet packet (one batch) that ENet sends unfragmented: the MTU less ENet's
/// 4-byte header, its 24-byte fragment command and the slot. A batch of up to this many
/// bytes travels in one datagram; a longer one is split into fragments by ENet.
inline constexpr std::size_t kMaxBatchInOneDatagram = kEnetMtu - 4 - 24 - kSlotSize;
/// The largest datagram a tickwire host sends or accepts (with the tag).
inline constexpr std::size_t kMaxDatagram = kEnetMtu + kSlotSize + kTagSize;

/// ENet's peer id value meaning "no peer yet": only a CONNECT travels under it.
inline constexpr std::uint16_t kNoPeer = 0xFFF;

/// What a sealed datagram's clear header says.
struct DatagramHeader {
    std::size_t size = 0;       ///< ENet header + slot: where the encrypted part starts
    std::uint16_t peerId = 0;   ///< ENet's peer id (kNoPeer on a CONNECT)
};
/// Parses the clear header of a sealed ENet datagram. Empty when the bytes are too short
/// to hold header, slot and tag, or claim ENet compression (which tickwire never uses).
std::optional<DatagramHeader> readDatagramHeader(std::span<const std::uint8_t> datagram) noexcept;

class SealedLink;
/// Opens a datagram from an address that has keys: its header in `header` on success,
/// otherwise why it was refused (a datagram too short to carry a tag did not authenticate).
std::optional<Drop> openDatagram(SealedLink& link, std::span<std::uint8_t> datagram, DatagramHeader& header) noexcept;

/// The connect id an ENet CONNECT command carries (ENet copies it without byte-order
/// conversion), when `plaintext` (the decrypted commands) starts with a well-formed
/// CONNECT whose outgoing peer id names a real peer; else empty.
std::optional<std::uint32_t> connectIdOfConnect(std::span<const std::uint8_t> plaintext) noexcept;

/// The keys of one connection attempt, derived in the handshake.
struct SessionKeys {
    Key send;
    Key receive;
    std::uint32_t connectId = 0;  ///< ENet's connectID for this connection: never 0
};

/// Which datagram numbers one direction has accepted.
class ReplayWindow {
public:
    static constexpr std::uint64_t kSize = 1024;
    /// nullopt when n may be accepted; otherwise Replayed (seen) or TooOld (below the window).
    std::optional<Drop> check(std::uint64_t n) const noexcept;
    /// Records n as accepted (call only after the datagram authenticated).
    void accept(std::uint64_t n) noexcept;
    std::optional<std::uint64_t> largest() const noexcept { return largest_; }

private:
    std::optional<std::uint64_t> largest_;
    std::array<std::uint64_t, kSize / 64> bits_{};
};

/// QUIC-style reconstruction: the full number closest to largest + 1 whose low 24 bits
/// are `low`.
std::uint64_t reconstructDatagramNumber(std::optional<std::uint64_t> largest, std::uint32_t low) noexcept;

/// One connection's datagram protection, both directions.
class SealedLink {
public:
    explicit SealedLink(const SessionKeys& keys) noexcept;

    std::uint32_t connectId() const noexcept { return connectId_; }

    /// Seals in place. `datagram` = ENet header (headerSize bytes, the slot last) + the
    /// commands + kTagSize spare bytes. Takes the next datagram number and writes it and
    /// the tag's first byte into the slot.
    void seal(std::span<std::uint8_t> datagram, std::size_t headerSize) noexcept;

    /// Opens in place. On success the commands are decrypted where they were and the
    /// datagram is kTagSize bytes shorter; otherwise the reason to drop it (the window
    /// moves only on success).
    std::optional<Drop> open(std::span<std::uint8_t> datagram, std::size_t headerSize) noexcept;

    /// Datagrams sealed so far.
    std::uint64_t sent() const noexcept { return nextSend_; }
    /// Datagrams accepted so far, and the numbers the other side has used (the largest
    /// accepted + 1): their difference is what was lost on the way (or is still late).
    std::uint64_t accepted() const noexcept { return accepted_; }
    std::uint64_t numbersSeen() const noexcept { return window_.largest() ? *window_.largest() + 1 : 0; }

private:
    Key sendKey_;
    Key receiveKey_;
    std::uint32_t connectId_;
    std::uint64_t nextSend_ = 0;
    std::uint64_t accepted_ = 0;
    ReplayWindow window_;
};

}  // namespace tickwire::net::detail
