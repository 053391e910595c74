#pragma once
/// \file detail/wire.hpp
/// The one little-endian writer, bounded reader and varint of every tickwire format:
/// connect tokens, handshake datagrams, sealed datagrams, batches, messages, snapshot
/// headers and replay files.
///
/// Not public API: everything here is in `tickwire::net::detail` and may change in any
/// release. It sits under include/ only because messages.hpp, a public header-only part
/// of the API, codes its varints with it, and the engine library (which links net but
/// cannot see net/src) writes its snapshot headers and replay files with it.
///
/// Integers are unsigned and little-endian at their own width (or at a narrower width
/// the caller names). Varints are unsigned LEB128 in their one minimal form: 7 value
/// bits per byte, least significant group first, the high bit set on every byte but the
/// last; at most kMaxVarintBytes bytes for a 64-bit value. A reader refuses any other
/// form: a multi-byte varint ending in a zero byte (non-minimal, e.g. 0x80 0x00 for 0),
/// more than 10 bytes, or a tenth byte carrying bits above bit 63.

#include <algorithm>
#include <cassert>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tickwire::net::detail {

/// Longest varint: a 64-bit value in groups of 7 bits.
inline constexpr std::size_t kMaxVarintBytes = 10;

/// Outcome of Reader::getVarint.
enum class VarintStatus : std::uint8_t {
    Ok,
    Truncated,  ///< the bytes end inside the varint
    Malformed,  ///< non-minimal, longer than kMaxVarintBytes, or above 2^64 - 1
};

/// Bytes of the varint of `value` (1 to kMaxVarintBytes).
[[nodiscard]] constexpr std::size_t varintSize(std::uint64_t value) noexcept {
    std::size_t n = 1;
    for (; value >= 0x80u; value >>= 7) ++n;
    return n;
}

/// Writes little-endian integers, byte strings and varints, either into a buffer whose
/// size the caller computed beforehand or appended to a growing vector (appendingTo).
/// Running past the end of a fixed buffer is a bug in the caller, not bad input (asserted
/// in debug builds); appending throws only std::bad_alloc.
class Writer {
public:
    /// Writes into `out` from its first byte; `out` must outlive the writer. (A vector
    /// passed here is a fixed buffer of its current size: see appendingTo.)
    explicit Writer(std::span<std::uint8_t> out) noexcept : fixed_(out) {}

    /// A writer appending to `out`, which must outlive it.
    [[nodiscard]] static Writer appendingTo(std::vector<std::uint8_t>& out) noexcept {
        Writer w;
        w.grow_ = &out;
        return w;
    }

    /// Writes the low `width` bytes of `value` (1..sizeof(T), default all of them),
    /// least significant first.
    template <std::unsigned_integral T>
    void put(T value, std::size_t width = sizeof(T)) {
        assert(width >= 1 && width <= sizeof(T));
        std::uint8_t raw[sizeof(T)];
        for (std::size_t i = 0; i < sizeof(T); ++i) raw[i] = static_cast<std::uint8_t>(value >> (8 * i));
        put(std::span<const std::uint8_t>(raw, width));
    }

    /// Writes `bytes` as they are.
    void put(std::span<const std::uint8_t> bytes) {
        if (grow_ != nullptr) {
            grow_->insert(grow_->end(), bytes.begin(), bytes.end());
        } else {
            assert(pos_ + bytes.size() <= fixed_.size());
            std::copy(bytes.begin(), bytes.end(), fixed_.begin() + static_cast<std::ptrdiff_t>(pos_));
        }
        pos_ += bytes.size();
    }

    /// Writes `value` as a varint (varintSize(value) bytes).
    void putVarint(std::uint64_t value) {
        std::uint8_t raw[kMaxVarintBytes];
        std::size_t n = 0;
        for (; value >= 0x80u; value >>= 7) raw[n++] = static_cast<std::uint8_t>(value | 0x80u);
        raw[n++] = static_cast<std::uint8_t>(value);
        put(std::span<const std::uint8_t>(raw, n));
    }

    /// Bytes written by this writer.
    [[nodiscard]] std::size_t position() const noexcept { return pos_; }

private:
    Writer() noexcept = default;

    std::span<std::uint8_t> fixed_;
    std::vector<std::uint8_t>* grow_ = nullptr;
    std::size_t pos_ = 0;
};

/// Reads what Writer writes from untrusted bytes: every read says whether the bytes were
/// there (and, for a varint, well-formed), never reads past the end, and consumes nothing
/// when it fails.
class Reader {
public:
    /// Reads `in` from its first byte; `in` must outlive the reader.
    explicit Reader(std::span<const std::uint8_t> in) noexcept : in_(in) {}

    /// Reads a little-endian integer of `width` bytes (1..sizeof(T), default all of them)
    /// into `value`. False, and `value` untouched, when fewer bytes remain.
    template <std::unsigned_integral T>
    [[nodiscard]] bool get(T& value, std::size_t width = sizeof(T)) noexcept {
        assert(width >= 1 && width <= sizeof(T));
        if (remaining() < width) return false;
        T result = 0;
        for (std::size_t i = 0; i < width; ++i) {
            result = static_cast<T>(result | (static_cast<T>(in_[pos_ + i]) << (8 * i)));
        }
        pos_ += width;
        value = result;
        return true;
    }

    /// Copies the next out.size() bytes into `out`. False when fewer remain.
    [[nodiscard]] bool get(std::span<std::uint8_t> out) noexcept {
        if (remaining() < out.size()) return false;
        std::copy_n(in_.begin() + static_cast<std::ptrdiff_t>(pos_), out.size(), out.begin());
        pos_ += out.size();
        return true;
    }

    /// Borrows the next `size` bytes (no copy; they live as long as the reader's input).
    /// False when fewer remain.
    [[nodiscard]] bool view(std::size_t size, std::span<const std::uint8_t>& out) noexcept {
        if (remaining() < size) return false;
        out = in_.subspan(pos_, size);
        pos_ += size;
        return true;
    }

    /// Steps over `size` bytes. False when fewer remain.
    [[nodiscard]] bool skip(std::size_t size) noexcept {
        if (remaining() < size) return false;
        pos_ += size;
        return true;
    }

    /// Reads a varint (see the file comment for the one form accepted).
    [[nodiscard]] VarintStatus getVarint(std::uint64_t& value) noexcept {
        std::uint64_t result = 0;
        for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
            if (i >= remaining()) return VarintStatus::Truncated;
            const std::uint8_t byte = in_[pos_ + i];
            // The tenth byte carries bit 63 only; anything more overflows or runs on.
            if (i == kMaxVarintBytes - 1 && byte > 1) return VarintStatus::Malformed;
            result |= static_cast<std::uint64_t>(byte & 0x7Fu) << (7 * i);
            if ((byte & 0x80u) == 0) {
                // A zero last byte adds nothing: the same value has a shorter form.
                if (byte == 0 && i > 0) return VarintStatus::Malformed;
                pos_ += i + 1;
                value = result;
                return VarintStatus::Ok;
            }
        }
        return VarintStatus::Malformed;  // unreachable: the tenth byte either ends or fails above
    }

    /// Bytes not read yet.
    [[nodiscard]] std::size_t remaining() const noexcept { return in_.size() - pos_; }
    /// Bytes read so far.
    [[nodiscard]] std::size_t position() const noexcept { return pos_; }
    /// The bytes not read yet.
    [[nodiscard]] std::span<const std::uint8_t> rest() const noexcept { return in_.subspan(pos_); }

private:
    std::span<const std::uint8_t> in_;
    std::size_t pos_ = 0;
};

}  // namespace tickwire::net::detail
