#include <tickwire/engine/checksum.hpp>
#include <tickwire/engine/replay.hpp>
#include <tickwire/net/messages.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

namespace tickwire::engine {

namespace {

constexpr std::uint8_t kFileMagic[8] = {'T', 'W', 'R', 'E', 'P', 'L', 'A', 'Y'};
constexpr std::uint8_t kChunkMagic[4] = {'T', 'W', 'C', 'K'};
constexpr std::uint8_t kIndexMagic[4] = {'T', 'W', 'I', 'X'};
constexpr std::uint8_t kTrailerMagic[4] = {'T', 'W', 'E', 'N'};
constexpr std::size_t kChunkHeaderBytes = 36;
constexpr std::size_t kIndexEntryBytes = 36;
constexpr std::size_t kTrailerBytes = 12;
// Fixed part of the header before the game id: magic, version, header length, schema hash,
// tick rate, start time, game id length.
constexpr std::size_t kHeaderFixedBytes = 8 + 2 + 2 + 8 + 4 + 8 + 1;

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    for (int i = 0; i < 2; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put64(std::vector<std::uint8_t>& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
std::uint64_t get(std::span<const std::uint8_t> bytes, std::size_t at, int size) {
    std::uint64_t v = 0;
    for (int i = 0; i < size; ++i) v |= static_cast<std::uint64_t>(bytes[at + static_cast<std::size_t>(i)]) << (8 * i);
    return v;
}

bool printableId(const std::string& id) {
    return !id.empty() && id.size() <= kReplayMaxGameId &&
           std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

std::string describeChunk(std::uint32_t sequence, std::uint64_t offset) {
    return "chunk " + std::to_string(sequence) + " (at byte " + std::to_string(offset) + ")";
}

/// The fields a chunk header and an index entry share, in their common order.
void putEntry(std::vector<std::uint8_t>& out, const ReplayChunkEntry& e) {
    for (std::uint32_t v : {e.sequence, e.firstTick, e.lastTick, e.frames, e.events, e.payloadBytes}) put32(out, v);
}

/// The chunk header's 36 bytes for `entry` and the payload's CRC.
std::vector<std::uint8_t> chunkHeader(const ReplayChunkEntry& entry, std::uint32_t payloadCrc) {
    std::vector<std::uint8_t> h(kChunkMagic, kChunkMagic + 4);
    putEntry(h, entry);
    put32(h, payloadCrc);
    put32(h, crc32(h));
    return h;
}

/// Reads up to `size` bytes at `offset`; fewer at the end of the file.
Result<std::vector<std::uint8_t>> readAt(std::ifstream& in, std::uint64_t offset, std::size_t size) {
    std::vector<std::uint8_t> bytes(size);
    in.clear();
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in) return fail(Error::IoError);
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    return bytes;
}

}  // namespace

Result<void> ReplayWriterConfig::validate() const {
    auto bad = [](const char* text) -> Result<void> { return fail(Error::InvalidConfig, text); };
    if (chunkTicks < 1 || chunkTicks > 100000) return bad("chunkTicks must be 1..100000");
    if (chunkBytes < 1024 || chunkBytes > kReplayMaxChunkBytes / 2) {
        return bad("chunkBytes must be 1 KiB..kReplayMaxChunkBytes/2");
    }
    return {};
}

namespace detail {

Result<std::vector<std::uint8_t>> encodeReplayHeader(const ReplayInfo& info) {
    if (!printableId(info.game) || info.tickRate < 1 || info.tickRate > 1000) return fail(Error::InvalidArgument);
    std::vector<std::uint8_t> out(kFileMagic, kFileMagic + 8);
    put16(out, kReplayVersion);
    put16(out, static_cast<std::uint16_t>(kHeaderFixedBytes + info.game.size() + 4));
    put64(out, info.schemaHash);
    put32(out, info.tickRate);
    put64(out, info.startUnixMs);
    out.push_back(static_cast<std::uint8_t>(info.game.size()));
    out.insert(out.end(), info.game.begin(), info.game.end());
    put32(out, crc32(out));
    return out;
}

Result<std::unique_ptr<ReplayFileWriter>> ReplayFileWriter::create(const std::string& path, const ReplayInfo& info) {
    ReplayInfo stamped = info;
    if (stamped.startUnixMs == 0) {
        using namespace std::chrono;
        stamped.startUnixMs =
            static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
    }
    auto header = encodeReplayHeader(stamped);
    if (!header) return fail(header.failure());
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail(Error::IoError);
    std::unique_ptr<ReplayFileWriter> w(new ReplayFileWriter(fd, 0));
    if (auto ok = w->writeAll(*header); !ok) return fail(ok.failure());
    return w;
}

ReplayFileWriter::~ReplayFileWriter() {
    if (fd_ >= 0) ::close(fd_);
}

Result<void> ReplayFileWriter::writeAll(std::span<const std::uint8_t> bytes) {
    if (fd_ < 0) return fail(Error::IoError);
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(Error::IoError);
        done += static_cast<std::size_t>(n);
    }
    offset_ += bytes.size();
    return {};
}

Result<void> ReplayFileWriter::writeChunk(ReplayChunkEntry& entry, std::span<const std::uint8_t> payload) {
    if (payload.size() > kReplayMaxChunkBytes) return fail(Error::LimitExceeded);
    entry.sequence = static_cast<std::uint32_t>(written_.size());
    entry.offset = offset_;
    entry.payloadBytes = static_cast<std::uint32_t>(payload.size());
    // Header and payload leave in one write, so a killed writer leaves either the whole
    // chunk or a tail the reader recognises as incomplete.
    std::vector<std::uint8_t> bytes = chunkHeader(entry, crc32(payload));
    bytes.insert(bytes.end(), payload.begin(), payload.end());
    if (auto ok = writeAll(bytes); !ok) return ok;
    written_.push_back(entry);
    return {};
}

Result<void> ReplayFileWriter::finish() {
    if (fd_ < 0) return {};
    std::vector<std::uint8_t> index(kIndexMagic, kIndexMagic + 4);
    put32(index, static_cast<std::uint32_t>(written_.size()));
    for (const auto& e : written_) {
        put64(index, e.offset);
        putEntry(index, e);
        put32(index, 0);  // reserved
    }
    put32(index, crc32(index));
    const std::uint64_t indexOffset = offset_;
    put64(index, indexOffset);
    index.insert(index.end(), kTrailerMagic, kTrailerMagic + 4);
    auto ok = writeAll(index);
    ::close(fd_);
    fd_ = -1;
    return ok;
}

Result<ReplayScan> scanReplay(const std::string& path) {
    auto say = [](Error e, std::string text) -> Result<ReplayScan> { return fail(e, std::move(text)); };
    std::ifstream in(path, std::ios::binary);
    if (!in) return say(Error::IoError, "cannot open '" + path + "'");
    in.seekg(0, std::ios::end);
    ReplayScan scan;
    scan.fileBytes = static_cast<std::uint64_t>(in.tellg());

    auto fixed = readAt(in, 0, kHeaderFixedBytes);
    if (!fixed) return say(Error::IoError, "cannot read '" + path + "'");
    if (fixed->size() < 8 || !std::equal(kFileMagic, kFileMagic + 8, fixed->begin())) {
        return say(Error::Malformed, "'" + path + "' is not a tickwire replay (no TWREPLAY signature)");
    }
    if (fixed->size() < kHeaderFixedBytes) return say(Error::Truncated, "'" + path + "' ends inside its header");
    const auto version = static_cast<std::uint16_t>(get(*fixed, 8, 2));
    if (version != kReplayVersion) {
        // Version 1 files hold snapshot packets of wire format 2, which this build no longer
        // decodes: they are refused here, by name, rather than failing chunk by chunk.
        return say(Error::UnsupportedVersion,
                   "'" + path + "' is replay format version " + std::to_string(version) + "; this build reads version " +
                       std::to_string(kReplayVersion) +
                       (version == 1 ? " (version 1 replays hold snapshot format 2, replaced by format 3: replay it "
                                       "with the tickwire release that recorded it)"
                                     : ""));
    }
    const auto headerBytes = static_cast<std::size_t>(get(*fixed, 10, 2));
    const std::size_t idBytes = (*fixed)[kHeaderFixedBytes - 1];
    if (idBytes < 1 || idBytes > kReplayMaxGameId || headerBytes != kHeaderFixedBytes + idBytes + 4) {
        return say(Error::Malformed, "'" + path + "' has a malformed header");
    }
    auto header = readAt(in, 0, headerBytes);
    if (!header) return say(Error::IoError, "cannot read '" + path + "'");
    if (header->size() < headerBytes) return say(Error::Truncated, "'" + path + "' ends inside its header");
    const auto headerCrc = static_cast<std::uint32_t>(get(*header, headerBytes - 4, 4));
    if (crc32(std::span(header->data(), headerBytes - 4)) != headerCrc) {
        return say(Error::Malformed, "'" + path + "' has a damaged header (checksum mismatch)");
    }
    scan.info.version = version;
    scan.info.schemaHash = get(*header, 12, 8);
    scan.info.tickRate = static_cast<std::uint32_t>(get(*header, 20, 4));
    scan.info.startUnixMs = get(*header, 24, 8);
    scan.info.game.assign(reinterpret_cast<const char*>(header->data() + kHeaderFixedBytes), idBytes);
    if (!printableId(scan.info.game) || scan.info.tickRate < 1 || scan.info.tickRate > 1000) {
        return say(Error::Malformed, "'" + path + "' has a malformed header");
    }

    // Walk the chunks; the first that is incomplete, damaged or out of order ends the
    // readable part. What follows the last chunk must be the index and trailer, or nothing.
    auto& v = scan.verification;
    std::uint64_t offset = headerBytes;
    std::uint32_t sequence = 0;
    auto stop = [&](const std::string& problem) {
        v.badChunk = sequence;
        v.badOffset = offset;
        v.problem = describeChunk(sequence, offset) + ": " + problem;
    };
    // The trailer, when intact, says where the index starts: bytes there are the index even
    // if its own signature was damaged.
    std::optional<std::uint64_t> trailerIndex;
    if (scan.fileBytes >= headerBytes + kTrailerBytes) {
        auto trailer = readAt(in, scan.fileBytes - kTrailerBytes, kTrailerBytes);
        if (trailer && trailer->size() == kTrailerBytes && std::equal(kTrailerMagic, kTrailerMagic + 4, trailer->begin() + 8)) {
            trailerIndex = get(*trailer, 0, 8);
        }
    }
    auto indexProblem = [&] {
        v.badOffset = offset;
        v.problem = "the index after chunk " + std::to_string(scan.chunks.size()) + " (at byte " + std::to_string(offset) +
                    ") is damaged or incomplete; every chunk is intact";
    };
    while (offset < scan.fileBytes) {
        auto head = readAt(in, offset, kChunkHeaderBytes);
        if (!head) return say(Error::IoError, "cannot read '" + path + "'");
        // A cut inside the index's signature ("T" and "TW" could as well start a chunk).
        const bool indexPrefix = head->size() == 3 && std::equal(head->begin(), head->end(), kIndexMagic);
        const bool indexMagic = head->size() >= 4 && std::equal(kIndexMagic, kIndexMagic + 4, head->begin());
        if (indexPrefix || (!indexMagic && trailerIndex == offset)) {
            indexProblem();
            break;
        }
        if (indexMagic) {
            // The index: its entries must match the chunks just read, and a trailer ends it.
            const std::uint64_t left = scan.fileBytes - offset;
            const std::uint64_t expected = 8 + kIndexEntryBytes * scan.chunks.size() + 4 + kTrailerBytes;
            auto index = readAt(in, offset, static_cast<std::size_t>(std::min<std::uint64_t>(left, expected)));
            if (!index) return say(Error::IoError, "cannot read '" + path + "'");
            const std::size_t body = 8 + kIndexEntryBytes * scan.chunks.size();
            bool good = left == expected && get(*index, 4, 4) == scan.chunks.size() &&
                        get(*index, body, 4) == crc32(std::span(index->data(), body)) &&
                        get(*index, body + 4, 8) == offset &&
                        std::equal(kTrailerMagic, kTrailerMagic + 4, index->begin() + static_cast<std::ptrdiff_t>(body + 12));
            for (std::size_t i = 0; good && i < scan.chunks.size(); ++i) {
                const std::size_t at = 8 + kIndexEntryBytes * i;
                const auto& c = scan.chunks[i];
                good = get(*index, at, 8) == c.offset && get(*index, at + 8, 4) == c.sequence &&
                       get(*index, at + 12, 4) == c.firstTick && get(*index, at + 16, 4) == c.lastTick;
            }
            if (!good) {
                indexProblem();
                break;
            }
            v.indexed = true;
            offset = scan.fileBytes;
            break;
        }
        if (head->size() < kChunkHeaderBytes) {
            stop("incomplete: the file ends inside its header");
            break;
        }
        if (!std::equal(kChunkMagic, kChunkMagic + 4, head->begin()) ||
            get(*head, 32, 4) != crc32(std::span(head->data(), 32))) {
            stop("damaged header (bad signature or checksum)");
            break;
        }
        ReplayChunkEntry e;
        e.sequence = static_cast<std::uint32_t>(get(*head, 4, 4));
        e.offset = offset;
        e.firstTick = static_cast<std::uint32_t>(get(*head, 8, 4));
        e.lastTick = static_cast<std::uint32_t>(get(*head, 12, 4));
        e.frames = static_cast<std::uint32_t>(get(*head, 16, 4));
        e.events = static_cast<std::uint32_t>(get(*head, 20, 4));
        e.payloadBytes = static_cast<std::uint32_t>(get(*head, 24, 4));
        const auto payloadCrc = static_cast<std::uint32_t>(get(*head, 28, 4));
        if (e.sequence != sequence || e.payloadBytes > kReplayMaxChunkBytes || e.frames > kReplayMaxChunkFrames ||
            e.lastTick < e.firstTick ||
            (!scan.chunks.empty() && e.firstTick < scan.chunks.back().lastTick)) {
            stop("out of sequence or out of range");
            break;
        }
        if (offset + kChunkHeaderBytes + e.payloadBytes > scan.fileBytes) {
            stop("incomplete: " + std::to_string(scan.fileBytes - offset - kChunkHeaderBytes) + " of its " +
                 std::to_string(e.payloadBytes) + " payload bytes are in the file");
            break;
        }
        auto payload = readAt(in, offset + kChunkHeaderBytes, e.payloadBytes);
        if (!payload) return say(Error::IoError, "cannot read '" + path + "'");
        if (crc32(*payload) != payloadCrc) {
            stop("damaged payload (checksum mismatch)");
            break;
        }
        scan.chunks.push_back(e);
        v.goodFrames += e.frames;
        if (e.frames > 0 || e.events > 0) v.lastGoodTick = e.lastTick;
        offset += kChunkHeaderBytes + e.payloadBytes;
        ++sequence;
    }
    v.goodChunks = scan.chunks.size();
    v.whole = v.problem.empty();
    return scan;
}

Result<std::vector<std::uint8_t>> readChunkPayload(const std::string& path, const ReplayChunkEntry& entry) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(Error::IoError);
    auto head = readAt(in, entry.offset, kChunkHeaderBytes);
    if (!head) return fail(head.failure());
    if (head->size() < kChunkHeaderBytes) return fail(Error::Truncated);
    if (get(*head, 32, 4) != crc32(std::span(head->data(), 32)) || get(*head, 24, 4) != entry.payloadBytes) {
        return fail(Error::Malformed);
    }
    auto payload = readAt(in, entry.offset + kChunkHeaderBytes, entry.payloadBytes);
    if (!payload) return fail(payload.failure());
    if (payload->size() < entry.payloadBytes) return fail(Error::Truncated);
    if (crc32(*payload) != get(*head, 28, 4)) return fail(Error::Malformed);
    return payload;
}

void appendReplayRecord(std::vector<std::uint8_t>& payload, ReplayRecord kind, std::uint32_t tick,
                        std::span<const std::uint8_t> bytes) {
    payload.push_back(static_cast<std::uint8_t>(kind));
    net::detail::encodeVarint(payload, tick);
    net::detail::encodeVarint(payload, bytes.size());
    payload.insert(payload.end(), bytes.begin(), bytes.end());
}

Result<ReplayRecordView> readReplayRecord(std::span<const std::uint8_t> payload, std::size_t& pos) {
    if (pos >= payload.size()) return fail(Error::Truncated);
    const std::uint8_t kind = payload[pos++];
    if (kind < 1 || kind > 3) return fail(Error::Malformed);
    std::uint64_t tick = 0;
    std::uint64_t length = 0;
    if (net::detail::decodeVarint(payload, pos, tick) != net::detail::VarintStatus::Ok ||
        net::detail::decodeVarint(payload, pos, length) != net::detail::VarintStatus::Ok) {
        return fail(Error::Malformed);
    }
    if (tick > UINT32_MAX) return fail(Error::Malformed);
    if (length > payload.size() - pos) return fail(Error::Truncated);
    ReplayRecordView r;
    r.kind = static_cast<ReplayRecord>(kind);
    r.tick = static_cast<std::uint32_t>(tick);
    r.bytes = payload.subspan(pos, static_cast<std::size_t>(length));
    pos += static_cast<std::size_t>(length);
    return r;
}

}  // namespace detail
}  // namespace tickwire::engine
