#include "batch.hpp"

namespace tickwire::net::detail {

std::size_t Batch::encodedSize() const noexcept {
    return uniformLength != 0 ? varintSize(uniformLength) + payload : 1 + plain.size();
}

std::size_t Batch::encodedSizeWith(std::size_t length) const noexcept {
    if (messages == 0 || length == uniformLength) return varintSize(length) + payload + length;
    return 1 + plain.size() + varintSize(length) + length;
}

void Batch::add(std::span<const std::uint8_t> message) {
    if (messages == 0) uniformLength = message.size();
    else if (uniformLength != message.size()) uniformLength = 0;
    Writer out = Writer::appendingTo(plain);
    out.putVarint(message.size());
    out.put(message);
    ++messages;
    payload += message.size();
}

void Batch::writeTo(std::span<std::uint8_t> bytes) const {
    Writer out(bytes);
    const std::span<const std::uint8_t> queued(plain);
    if (uniformLength != 0) {
        // [length][message][message]...: copy the messages without their own lengths.
        out.putVarint(uniformLength);
        const std::size_t skip = varintSize(uniformLength);
        const std::size_t stride = skip + uniformLength;
        for (std::size_t i = 0; i < messages; ++i) out.put(queued.subspan(i * stride + skip, uniformLength));
    } else {
        out.put(std::uint8_t{0});
        out.put(queued);
    }
}

void Batch::clear() noexcept {
    plain.clear();
    messages = 0;
    payload = 0;
    uniformLength = 0;
}

std::optional<Drop> readBatch(std::span<const std::uint8_t> bytes, std::size_t maxMessage,
                              ReceivedBatch& out) noexcept {
    // The batch starts with the length every message has, or 0 when each carries its own.
    Reader in(bytes);
    std::uint64_t uniform = 0;
    if (in.getVarint(uniform) != VarintStatus::Ok) return Drop::Malformed;
    const std::span<const std::uint8_t> body = in.rest();
    if (uniform > maxMessage) return Drop::Oversize;

    std::size_t count = 0;
    if (uniform != 0) {
        if (body.empty() || body.size() % uniform != 0) return Drop::Malformed;
        count = body.size() / uniform;
    } else {
        for (Reader messages(body); messages.remaining() > 0; ++count) {
            std::uint64_t length = 0;
            if (messages.getVarint(length) != VarintStatus::Ok || length == 0 || length > messages.remaining()) {
                return Drop::Malformed;
            }
            if (length > maxMessage) return Drop::Oversize;
            (void)messages.skip(length);
        }
        if (count == 0) return Drop::Malformed;
    }
    out = ReceivedBatch{uniform, body, count};
    return std::nullopt;
}

}  // namespace tickwire::net::detail
