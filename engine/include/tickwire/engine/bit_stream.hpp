#pragma once
/// \file bit_stream.hpp
/// Bit-level writer and bounds-checked reader.
///
/// Bit order: bit i of the stream is bit (i % 8) of byte i / 8 (LSB-first within each byte),
/// and every value is written least-significant bit first. So a value written at a byte
/// boundary with a multiple of 8 bits is stored little-endian.
///
/// Both classes work a 64-bit word at a time; write() and read() are inline because the
/// snapshot codec calls them per field.

#include <tickwire/engine/field.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace tickwire::engine {

/// Appends bits to a growing byte buffer. Copyable value type; not thread-safe (bytes()
/// fills in the partial tail of the buffer it returns).
class BitWriter {
public:
    /// An empty writer.
    BitWriter();
    /// A copy of the bits written so far.
    BitWriter(const BitWriter& other);
    /// Takes other's bits; other is left empty.
    BitWriter(BitWriter&& other);
    /// Replaces the contents with a copy of other's.
    BitWriter& operator=(const BitWriter& other);
    /// Replaces the contents with other's; other is left empty.
    BitWriter& operator=(BitWriter&& other);
    /// Frees the buffer.
    ~BitWriter() = default;

    /// Writes the low `bits` bits of `value` (bits 0..64; 0 writes nothing). Higher bits of
    /// `value` are ignored. A `bits` above 64 is treated as 64.
    void write(std::uint64_t value, unsigned bits) noexcept {
        if (bits == 0) return;
        if (bits >= 64) {
            bits = 64;
        } else {
            value &= (std::uint64_t{1} << bits) - 1;
        }
        const unsigned used = scratchBits_;
        scratch_ |= value << used;  // used < 64 always
        const unsigned total = used + bits;
        if (total < 64) {
            scratchBits_ = total;
            return;
        }
        flushWord(scratch_);
        // The bits of value that did not fit; none when the word was empty before.
        scratch_ = used == 0 ? 0 : value >> (64 - used);
        scratchBits_ = total - 64;
    }

    /// Bits written so far.
    [[nodiscard]] std::size_t bitCount() const noexcept { return flushed_ * 8 + scratchBits_; }

    /// The bytes written so far, the last one padded with zero bits; (bitCount() + 7) / 8
    /// bytes. Returns the writer's buffer: valid until the next non-const call.
    [[nodiscard]] const std::vector<std::uint8_t>& bytes() const noexcept;

    /// Returns the bytes written (as bytes() does) and leaves the writer empty.
    [[nodiscard]] std::vector<std::uint8_t> finish();

    /// Forgets everything written; keeps the allocated buffer.
    void clear() noexcept;

private:
    // The buffer holds flushed_ final bytes; bytes() appends the scratch word's bytes after
    // them, which the next flush overwrites. Capacity is kept at least flushed_ + 8 so that
    // neither needs to allocate except when flushWord grows it.
    static void storeLittleEndian(std::uint8_t* out, std::uint64_t word) noexcept {
        if constexpr (std::endian::native == std::endian::little) {
            std::memcpy(out, &word, 8);
        } else {
            for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(word >> (8 * i));
        }
    }

    void flushWord(std::uint64_t word) noexcept {
        bytes_.resize(flushed_ + 8);  // within capacity: no allocation
        storeLittleEndian(bytes_.data() + flushed_, word);
        flushed_ += 8;
        if (bytes_.capacity() < flushed_ + 8) grow();
    }

    // Reserves room for the next word; on allocation failure the process ends, as with any
    // other allocation in a noexcept path.
    void grow() noexcept;

    mutable std::vector<std::uint8_t> bytes_;
    std::size_t flushed_ = 0;
    std::uint64_t scratch_ = 0;
    unsigned scratchBits_ = 0;  // 0..63
};

/// Reads bits from a borrowed byte span (which must outlive the reader). Every read is
/// bounds-checked and returns an Error instead of reading past the end. A failed read
/// consumes nothing: the position stays where it was, so the reader is always in a
/// well-defined state. Padding bits of the last byte count as readable bits.
class BitReader {
public:
    /// Reads from `bytes`, starting at bit 0.
    explicit BitReader(std::span<const std::uint8_t> bytes) noexcept : bytes_(bytes), size_(bytes.size() * 8) {}

    /// Reads `bits` bits (0..64; 0 reads nothing and returns 0).
    /// Error::Truncated when fewer than `bits` bits are left; Error::InvalidArgument when
    /// `bits` > 64.
    [[nodiscard]] Result<std::uint64_t> read(unsigned bits) noexcept {
        if (bits == 0) return std::uint64_t{0};
        if (bits > 64) return fail(Error::InvalidArgument);
        if (bits > size_ - pos_) return fail(Error::Truncated);
        const std::size_t index = pos_ >> 3;
        const unsigned shift = static_cast<unsigned>(pos_ & 7);
        std::uint64_t value = loadLittleEndian(index) >> shift;
        if (shift + bits > 64) {
            // Byte index + 8 exists: the read ends inside it.
            value |= static_cast<std::uint64_t>(bytes_[index + 8]) << (64 - shift);
        }
        if (bits < 64) value &= (std::uint64_t{1} << bits) - 1;
        pos_ += bits;
        return value;
    }

    /// Bits not yet read (including the padding of the last byte).
    [[nodiscard]] std::size_t bitsLeft() const noexcept { return size_ - pos_; }

    /// Bits read so far.
    [[nodiscard]] std::size_t bitPosition() const noexcept { return pos_; }

    /// True when every bit has been read.
    [[nodiscard]] bool atEnd() const noexcept { return pos_ == size_; }

private:
    // Up to 8 bytes from `index`, little-endian; missing bytes past the end read as zero.
    [[nodiscard]] std::uint64_t loadLittleEndian(std::size_t index) const noexcept {
        const std::size_t available = bytes_.size() - index;
        if (available >= 8) {
            if constexpr (std::endian::native == std::endian::little) {
                std::uint64_t word;
                std::memcpy(&word, bytes_.data() + index, 8);
                return word;
            }
        }
        std::uint64_t word = 0;
        const std::size_t n = available < 8 ? available : 8;
        for (std::size_t i = 0; i < n; ++i) word |= static_cast<std::uint64_t>(bytes_[index + i]) << (8 * i);
        return word;
    }

    std::span<const std::uint8_t> bytes_;
    std::size_t size_ = 0;  // in bits
    std::size_t pos_ = 0;   // in bits, <= size_
};

}  // namespace tickwire::engine
