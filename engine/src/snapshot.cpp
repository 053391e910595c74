#include <tickwire/engine/snapshot.hpp>

namespace tickwire::engine::detail {

namespace {

constexpr std::uint8_t kKeyframe = 0x01;
constexpr std::uint8_t kEntropy = 0x02;
constexpr std::uint8_t kChained = 0x04;

Result<std::uint64_t> readVarint(std::span<const std::uint8_t> bytes, std::size_t& pos, std::uint64_t max) {
    std::uint64_t value = 0;
    for (unsigned i = 0; i < 10; ++i) {
        if (pos >= bytes.size()) return fail(Error::Truncated);
        const std::uint8_t b = bytes[pos++];
        if (i == 9 && b > 1) return fail(Error::Malformed);
        value |= std::uint64_t{b & 0x7Fu} << (7 * i);
        if ((b & 0x80) == 0) {
            if (value > max) return fail(Error::Malformed);
            return value;
        }
    }
    return fail(Error::Malformed);
}

}  // namespace

std::size_t writeHeaderVarint(std::vector<std::uint8_t>& out, std::uint64_t value) {
    std::size_t n = 0;
    do {
        std::uint8_t b = value & 0x7F;
        value >>= 7;
        if (value != 0) b |= 0x80;
        out.push_back(b);
        ++n;
    } while (value != 0);
    return n;
}

void writeSnapshotHeader(std::vector<std::uint8_t>& out, const SnapshotHeader& header) {
    out.push_back(static_cast<std::uint8_t>((kSnapshotVersion << 4) | (header.keyframe ? kKeyframe : 0) |
                                            (header.entropyCoded ? kEntropy : 0) |
                                            (header.chained ? kChained : 0)));
    writeHeaderVarint(out, header.tick);
    if (!header.keyframe) {
        writeHeaderVarint(out, static_cast<std::uint32_t>(header.tick - header.baselineTick));
        out.push_back(static_cast<std::uint8_t>(header.baselineHash));
        out.push_back(static_cast<std::uint8_t>(header.baselineHash >> 8));
    }
}

Result<SnapshotHeader> readSnapshotHeader(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) return fail(Error::Truncated);
    const std::uint8_t flags = bytes[0];
    if ((flags >> 4) != kSnapshotVersion) return fail(Error::UnsupportedVersion);
    if ((flags & 0x08) != 0) return fail(Error::Malformed);
    SnapshotHeader h;
    h.keyframe = (flags & kKeyframe) != 0;
    h.entropyCoded = (flags & kEntropy) != 0;
    h.chained = (flags & kChained) != 0;
    if (h.chained && (h.keyframe || !h.entropyCoded)) return fail(Error::Malformed);
    std::size_t pos = 1;
    auto tick = readVarint(bytes, pos, UINT32_MAX);
    if (!tick) return fail(tick.error());
    h.tick = static_cast<std::uint32_t>(*tick);
    if (!h.keyframe) {
        auto age = readVarint(bytes, pos, UINT32_MAX);
        if (!age) return fail(age.error());
        h.baselineTick = h.tick - static_cast<std::uint32_t>(*age);
        if (pos + 2 > bytes.size()) return fail(Error::Truncated);
        h.baselineHash = static_cast<std::uint16_t>(bytes[pos] | (bytes[pos + 1] << 8));
        pos += 2;
    }
    h.headerBytes = pos;
    return h;
}

}  // namespace tickwire::engine::detail
