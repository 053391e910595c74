#include <tickwire/engine/detail/snapshot_core.hpp>
#include <tickwire/net/detail/wire.hpp>

namespace tickwire::engine::detail {

namespace {

constexpr std::uint8_t kKeyframe = 0x01;
constexpr std::uint8_t kEntropy = 0x02;
constexpr std::uint8_t kChained = 0x04;

// The header's varints are the wire format's, bounded to 32 bits here.
Result<std::uint32_t> readU32(net::detail::Reader& in) {
    std::uint64_t value = 0;
    switch (in.getVarint(value)) {
        case net::detail::VarintStatus::Ok: break;
        case net::detail::VarintStatus::Truncated: return fail(Error::Truncated);
        case net::detail::VarintStatus::Malformed: return fail(Error::Malformed);
    }
    if (value > UINT32_MAX) return fail(Error::Malformed);
    return static_cast<std::uint32_t>(value);
}

}  // namespace

void writeSnapshotHeader(std::vector<std::uint8_t>& out, const SnapshotHeader& header) {
    auto w = net::detail::Writer::appendingTo(out);
    w.put(static_cast<std::uint8_t>((kSnapshotVersion << 4) | (header.keyframe ? kKeyframe : 0) |
                                    (header.entropyCoded ? kEntropy : 0) | (header.chained ? kChained : 0)));
    w.putVarint(header.tick);
    if (!header.keyframe) {
        w.putVarint(static_cast<std::uint32_t>(header.tick - header.baselineTick));
        w.put(header.baselineHash);
    }
}

Result<SnapshotHeader> readSnapshotHeader(std::span<const std::uint8_t> bytes) {
    net::detail::Reader in(bytes);
    std::uint8_t flags = 0;
    if (!in.get(flags)) return fail(Error::Truncated);
    if ((flags >> 4) != kSnapshotVersion) return fail(Error::UnsupportedVersion);
    if ((flags & 0x08) != 0) return fail(Error::Malformed);
    SnapshotHeader h;
    h.keyframe = (flags & kKeyframe) != 0;
    h.entropyCoded = (flags & kEntropy) != 0;
    h.chained = (flags & kChained) != 0;
    if (h.chained && h.keyframe) return fail(Error::Malformed);
    auto tick = readU32(in);
    if (!tick) return fail(tick.failure());
    h.tick = *tick;
    if (!h.keyframe) {
        auto age = readU32(in);
        if (!age) return fail(age.failure());
        h.baselineTick = h.tick - *age;
        if (!in.get(h.baselineHash)) return fail(Error::Truncated);
    }
    h.headerBytes = in.position();
    return h;
}

}  // namespace tickwire::engine::detail
