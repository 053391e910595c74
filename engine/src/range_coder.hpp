#pragma once
// Internal to the engine library (the snapshot codec's core). Adaptive binary range coder (the LZMA construction): 12-bit probabilities, carry
// propagation through a cached byte, and a flush that keeps only the bytes the decoder
// needs. The decoder treats bytes past the end as zero, so the encoder drops trailing
// zero bytes (at most RangeEncoder::kMaxDroppedZeros); it never reads outside its span.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tickwire::engine::detail {

/// Probability that the next bit is 0, in 1/4096ths, adapted after each bit: the mean of a
/// fast estimate (which follows a packet's few dozen decisions) and a slow one (which keeps
/// what the chain of packets taught).
struct BitModel {
    static constexpr unsigned kBits = 12;
    static constexpr std::uint32_t kOne = 1u << kBits;
    static constexpr unsigned kFast = 4;
    static constexpr unsigned kSlow = 7;
    std::uint16_t fast = 1u << 15;  // 1/65536ths
    std::uint16_t slow = 1u << 15;

    /// In 1/4096ths, 1..4095.
    [[nodiscard]] std::uint32_t p() const noexcept { return (std::uint32_t{fast} + slow) >> 5; }
    void update(unsigned bit) noexcept {
        if (bit == 0) {
            fast = static_cast<std::uint16_t>(fast + ((65536u - fast) >> kFast));
            slow = static_cast<std::uint16_t>(slow + ((65536u - slow) >> kSlow));
        } else {
            fast = static_cast<std::uint16_t>(fast - (fast >> kFast));
            slow = static_cast<std::uint16_t>(slow - (slow >> kSlow));
        }
    }
};

/// -log2 of a probability in 1/4096ths, in 1/16 bits, by the top 8 bits of the
/// probability: what coding a decision against a model costs, for estimates only.
std::uint32_t bitCost16(std::uint32_t probabilityOfBit) noexcept;

class RangeEncoder {
public:
    /// Most trailing zero bytes finish() drops; a decoder that needs more than this many
    /// bytes past the end (plus slack) may take the stream as truncated.
    static constexpr std::size_t kMaxDroppedZeros = 12;

    void encode(BitModel& model, unsigned bit) {
        const std::uint32_t bound = (range_ >> BitModel::kBits) * model.p();
        if (bit == 0) {
            range_ = bound;
        } else {
            low_ += bound;
            range_ -= bound;
        }
        model.update(bit);
        normalize();
    }

    /// `bits` equiprobable bits of value, most significant first.
    void encodeDirect(std::uint64_t value, unsigned bits) {
        while (bits > 0) {
            --bits;
            range_ >>= 1;
            if ((value >> bits) & 1u) low_ += range_;
            normalize();
        }
    }

    /// Finishes the stream and returns it (the encoder is reset).
    std::vector<std::uint8_t> finish() {
        // Any value in [low, low + range) decodes the same; pick the one with the most
        // trailing zero bits so that the bytes that carry them can be dropped.
        for (int shift = 32; shift >= 0; --shift) {
            const std::uint64_t mask = (shift == 0) ? 0 : ((std::uint64_t{1} << shift) - 1);
            const std::uint64_t candidate = (low_ + mask) & ~mask;
            if (candidate >= low_ && candidate - low_ < range_) {
                low_ = candidate;
                break;
            }
        }
        for (int i = 0; i < 5; ++i) shiftLow();
        std::vector<std::uint8_t> out = std::move(out_);
        // The first byte of this construction is always zero: the decoder assumes it.
        if (!out.empty()) out.erase(out.begin());
        // The decoder reads exactly as many bytes as were written, supplying zeros past the
        // end, so trailing zeros can go; but only kMaxDroppedZeros of them, because it takes
        // a longer run of missing bytes as a truncated packet. (A highly compressible world,
        // e.g. thousands of idle entities, codes to long runs of zeros.)
        std::size_t dropped = 0;
        while (!out.empty() && out.back() == 0 && dropped < kMaxDroppedZeros) {
            out.pop_back();
            ++dropped;
        }
        *this = RangeEncoder{};
        return out;
    }

private:
    void normalize() {
        while (range_ < (1u << 24)) {
            range_ <<= 8;
            shiftLow();
        }
    }

    void shiftLow() {
        if (static_cast<std::uint32_t>(low_) < 0xFF000000u || (low_ >> 32) != 0) {
            const auto carry = static_cast<std::uint8_t>(low_ >> 32);
            std::uint8_t temp = cache_;
            do {
                out_.push_back(static_cast<std::uint8_t>(temp + carry));
                temp = 0xFF;
            } while (--cacheSize_ != 0);
            cache_ = static_cast<std::uint8_t>(low_ >> 24);
        }
        ++cacheSize_;
        low_ = (low_ & 0x00FFFFFFu) << 8;
    }

    std::uint64_t low_ = 0;
    std::uint32_t range_ = 0xFFFFFFFFu;
    std::uint8_t cache_ = 0;
    std::uint64_t cacheSize_ = 1;
    std::vector<std::uint8_t> out_;
};

class RangeDecoder {
public:
    explicit RangeDecoder(std::span<const std::uint8_t> bytes) noexcept : bytes_(bytes) {
        for (int i = 0; i < 4; ++i) code_ = (code_ << 8) | next();
    }

    unsigned decode(BitModel& model) noexcept {
        const std::uint32_t bound = (range_ >> BitModel::kBits) * model.p();
        unsigned bit;
        if (code_ < bound) {
            range_ = bound;
            bit = 0;
        } else {
            code_ -= bound;
            range_ -= bound;
            bit = 1;
        }
        model.update(bit);
        normalize();
        return bit;
    }

    std::uint64_t decodeDirect(unsigned bits) noexcept {
        std::uint64_t value = 0;
        while (bits > 0) {
            --bits;
            range_ >>= 1;
            unsigned bit = 0;
            if (code_ >= range_) {
                code_ -= range_;
                bit = 1;
            }
            value = (value << 1) | bit;
            normalize();
        }
        return value;
    }

    /// Bytes consumed beyond the input (zeros supplied). A valid stream needs at most 4.
    std::size_t overrun() const noexcept { return overrun_; }

private:
    std::uint8_t next() noexcept {
        if (pos_ < bytes_.size()) return bytes_[pos_++];
        ++overrun_;
        return 0;
    }
    void normalize() noexcept {
        while (range_ < (1u << 24)) {
            range_ <<= 8;
            code_ = (code_ << 8) | next();
        }
    }

    std::span<const std::uint8_t> bytes_;
    std::size_t pos_ = 0;
    std::size_t overrun_ = 0;
    std::uint32_t code_ = 0;
    std::uint32_t range_ = 0xFFFFFFFFu;
};

}  // namespace tickwire::engine::detail
