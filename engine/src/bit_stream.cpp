#include <tickwire/engine/bit_stream.hpp>

#include <utility>

namespace tickwire::engine {

namespace {

constexpr std::size_t kInitialCapacity = 64;

}  // namespace

BitWriter::BitWriter() { bytes_.reserve(kInitialCapacity); }

BitWriter::BitWriter(const BitWriter& other)
    : flushed_(other.flushed_), scratch_(other.scratch_), scratchBits_(other.scratchBits_) {
    bytes_.reserve(std::max(kInitialCapacity, other.flushed_ + 8));
    bytes_.assign(other.bytes_.begin(), other.bytes_.begin() + static_cast<std::ptrdiff_t>(other.flushed_));
}

BitWriter::BitWriter(BitWriter&& other) : BitWriter() { *this = std::move(other); }

BitWriter& BitWriter::operator=(const BitWriter& other) {
    if (this != &other) {
        BitWriter copy(other);
        *this = std::move(copy);
    }
    return *this;
}

BitWriter& BitWriter::operator=(BitWriter&& other) {
    if (this != &other) {
        // Swapping buffers keeps both sides' capacity invariant without allocating.
        bytes_.swap(other.bytes_);
        flushed_ = std::exchange(other.flushed_, 0);
        scratch_ = std::exchange(other.scratch_, 0);
        scratchBits_ = std::exchange(other.scratchBits_, 0);
        other.bytes_.clear();
    }
    return *this;
}

void BitWriter::grow() noexcept { bytes_.reserve(std::max(bytes_.capacity() * 2, flushed_ + 8)); }

const std::vector<std::uint8_t>& BitWriter::bytes() const noexcept {
    const std::size_t tail = (scratchBits_ + 7) / 8;
    bytes_.resize(flushed_ + tail);  // capacity >= flushed_ + 8: no allocation
    for (std::size_t i = 0; i < tail; ++i) bytes_[flushed_ + i] = static_cast<std::uint8_t>(scratch_ >> (8 * i));
    return bytes_;
}

std::vector<std::uint8_t> BitWriter::finish() {
    static_cast<void>(bytes());
    std::vector<std::uint8_t> out;
    out.reserve(kInitialCapacity);
    out.swap(bytes_);
    flushed_ = 0;
    scratch_ = 0;
    scratchBits_ = 0;
    return out;
}

void BitWriter::clear() noexcept {
    bytes_.clear();
    flushed_ = 0;
    scratch_ = 0;
    scratchBits_ = 0;
}

}  // namespace tickwire::engine
