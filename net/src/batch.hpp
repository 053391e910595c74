#pragma once
// The batch (docs/PROTOCOL.md, 4.3): the messages queued for one channel of one
// connection between two flushes, travelling as the data of one ENet packet. Either every
// message has the same length, written once in front, or each carries its own.

#include "sealed_datagram.hpp"

#include <tickwire/net/detail/wire.hpp>
#include <tickwire/net/transport.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tickwire::net::detail {

/// Messages queued for one channel of one connection, waiting for the next flush.
struct Batch {
    std::vector<std::uint8_t> plain;  // [varint length][message] ...
    std::size_t messages = 0;
    std::size_t payload = 0;          // message bytes, lengths not counted
    std::size_t uniformLength = 0;    // the length every message has, 0 when they differ

    /// Size on the wire: a uniform batch writes its length once.
    std::size_t encodedSize() const noexcept;
    /// encodedSize() with one more message of `length` bytes.
    std::size_t encodedSizeWith(std::size_t length) const noexcept;
    /// Appends one message (at least one byte).
    void add(std::span<const std::uint8_t> message);
    /// Writes the batch's wire form into `out`, which holds exactly encodedSize() bytes.
    void writeTo(std::span<std::uint8_t> out) const;
    /// Empties the batch, keeping its buffer.
    void clear() noexcept;
};

/// Reliable messages of at least this size are batched up to kMaxReliableBatch, which
/// ENet sends as full fragments: fewer datagrams than one message per datagram.
inline constexpr std::size_t kLargeReliableMessage = 512;
inline constexpr std::size_t kMaxReliableBatch = 16 * kMaxBatchInOneDatagram;

/// A received batch whose every length was checked.
struct ReceivedBatch {
    std::uint64_t uniformLength = 0;      ///< 0: each message carries its own length
    std::span<const std::uint8_t> body;   ///< the messages, after the leading varint
    std::size_t count = 0;                ///< messages in it, at least 1
};

/// Checks a whole received batch before any of it is delivered: Malformed or Oversize
/// (a message longer than `maxMessage`) when it cannot be taken.
[[nodiscard]] std::optional<Drop> readBatch(std::span<const std::uint8_t> bytes, std::size_t maxMessage,
                                            ReceivedBatch& out) noexcept;

/// Calls `deliver` with each message of a batch readBatch() accepted, in order.
template <class F>
void forEachMessage(const ReceivedBatch& batch, F&& deliver) {
    if (batch.uniformLength != 0) {
        for (std::size_t pos = 0; pos < batch.body.size(); pos += batch.uniformLength) {
            deliver(batch.body.subspan(pos, batch.uniformLength));
        }
        return;
    }
    // Every length was checked by readBatch().
    for (Reader messages(batch.body); messages.remaining() > 0;) {
        std::uint64_t length = 0;
        std::span<const std::uint8_t> message;
        (void)messages.getVarint(length);
        (void)messages.view(length, message);
        deliver(message);
    }
}

}  // namespace tickwire::net::detail
