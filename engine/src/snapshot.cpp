#include <tickwire/engine/detail/snapshot_core.hpp>
#include <tickwire/net/messages.hpp>

namespace tickwire::engine::detail {

namespace {

constexpr std::uint8_t kKeyframe = 0x01;
constexpr std::uint8_t kEntropy = 0x02;
constexpr std::uint8_t kChained = 0x04;

// The header's varints are the wire format's (messages.hpp), bounded to 32 bits here.
Result<std::uint32_t> readU32(std::span<const std::uint8_t> bytes, std::size_t& pos) {
    std::uint64_t value = 0;
    switch (net::detail::decodeVarint(bytes, pos, value)) {
        case net::detail::VarintStatus::Ok: break;
        case net::detail::VarintStatus::Truncated: return fail(Error::Truncated);
        case net::detail::VarintStatus::Malformed: return fail(Error::Malformed);
    }
    if (value > UINT32_MAX) return fail(Error::Malformed);
    return static_cast<std::uint32_t>(value);
}

}  // namespace

void writeSnapshotHeader(std::vector<std::uint8_t>& out, const SnapshotHeader& header) {
    out.push_back(static_cast<std::uint8_t>((kSnapshotVersion << 4) | (header.keyframe ? kKeyframe : 0) |
                                            (header.entropyCoded ? kEntropy : 0) |
                                            (header.chained ? kChained : 0)));
    net::detail::encodeVarint(out, header.tick);
    if (!header.keyframe) {
        net::detail::encodeVarint(out, static_cast<std::uint32_t>(header.tick - header.baselineTick));
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
    if (h.chained && h.keyframe) return fail(Error::Malformed);
    std::size_t pos = 1;
    auto tick = readU32(bytes, pos);
    if (!tick) return fail(tick.failure());
    h.tick = *tick;
    if (!h.keyframe) {
        auto age = readU32(bytes, pos);
        if (!age) return fail(age.failure());
        h.baselineTick = h.tick - *age;
        if (pos + 2 > bytes.size()) return fail(Error::Truncated);
        h.baselineHash = static_cast<std::uint16_t>(bytes[pos] | (bytes[pos + 1] << 8));
        pos += 2;
    }
    h.headerBytes = pos;
    return h;
}

}  // namespace tickwire::engine::detail
