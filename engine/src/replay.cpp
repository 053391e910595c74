#include <tickwire/engine/checksum.hpp>
#include <tickwire/engine/replay.hpp>
#include <tickwire/net/detail/wire.hpp>

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

using net::detail::Reader;
using net::detail::VarintStatus;
using net::detail::Writer;

bool printableId(const std::string& id) {
    return !id.empty() && id.size() <= kReplayMaxGameId &&
           std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

std::string describeChunk(std::uint32_t sequence, std::uint64_t offset) {
    return "chunk " + std::to_string(sequence) + " (at byte " + std::to_string(offset) + ")";
}

/// The fields a chunk header and an index entry share, in their common order.
void putEntry(Writer& out, const ReplayChunkEntry& e) {
    for (std::uint32_t v : {e.sequence, e.firstTick, e.lastTick, e.frames, e.events, e.payloadBytes}) out.put(v);
}

/// The chunk header's 36 bytes for `entry` and the payload's CRC.
std::vector<std::uint8_t> chunkHeader(const ReplayChunkEntry& entry, std::uint32_t payloadCrc) {
    std::vector<std::uint8_t> h;
    Writer out = Writer::appendingTo(h);
    out.put(kChunkMagic);
    putEntry(out, entry);
    out.put(payloadCrc);
    out.put(crc32(h));
    return h;
}

/// A chunk header as read back: the entry's fields (all but its offset) and the two CRCs.
struct ChunkHeader {
    ReplayChunkEntry entry;
    std::uint32_t payloadCrc = 0;
    std::uint32_t headerCrc = 0;
};

/// Reads the fields of the kChunkHeaderBytes in `head` (the caller has checked there are
/// that many; the signature is not checked here).
ChunkHeader readChunkHeader(std::span<const std::uint8_t> head) {
    ChunkHeader h;
    ReplayChunkEntry& e = h.entry;
    Reader in(head);
    (void)(in.skip(sizeof kChunkMagic) && in.get(e.sequence) && in.get(e.firstTick) && in.get(e.lastTick) &&
           in.get(e.frames) && in.get(e.events) && in.get(e.payloadBytes) && in.get(h.payloadCrc) &&
           in.get(h.headerCrc));
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

std::string chunkProblem(std::size_t index, const ReplayChunkEntry& entry, const std::string& problem) {
    return describeChunk(static_cast<std::uint32_t>(index), entry.offset) + " does not decode: " + problem;
}

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
    std::vector<std::uint8_t> out;
    Writer w = Writer::appendingTo(out);
    w.put(kFileMagic);
    w.put(kReplayVersion);
    w.put(static_cast<std::uint16_t>(kHeaderFixedBytes + info.game.size() + 4));
    w.put(info.schemaHash);
    w.put(info.tickRate);
    w.put(info.startUnixMs);
    w.put(static_cast<std::uint8_t>(info.game.size()));
    w.put(std::span(reinterpret_cast<const std::uint8_t*>(info.game.data()), info.game.size()));
    w.put(crc32(out));
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
    std::vector<std::uint8_t> index;
    Writer out = Writer::appendingTo(index);
    out.put(kIndexMagic);
    out.put(static_cast<std::uint32_t>(written_.size()));
    for (const auto& e : written_) {
        out.put(e.offset);
        putEntry(out, e);
        out.put(std::uint32_t{0});  // reserved
    }
    out.put(crc32(index));
    const std::uint64_t indexOffset = offset_;
    out.put(indexOffset);
    out.put(kTrailerMagic);
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
    // The fixed part is all there (checked just above), so every read succeeds.
    std::uint16_t version = 0;
    std::uint16_t headerSize = 0;
    std::uint8_t idSize = 0;
    Reader fields(*fixed);
    (void)(fields.skip(sizeof kFileMagic) && fields.get(version) && fields.get(headerSize) &&
           fields.get(scan.info.schemaHash) && fields.get(scan.info.tickRate) && fields.get(scan.info.startUnixMs) &&
           fields.get(idSize));
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
    const std::size_t headerBytes = headerSize;
    const std::size_t idBytes = idSize;
    if (idBytes < 1 || idBytes > kReplayMaxGameId || headerBytes != kHeaderFixedBytes + idBytes + 4) {
        return say(Error::Malformed, "'" + path + "' has a malformed header");
    }
    auto header = readAt(in, 0, headerBytes);
    if (!header) return say(Error::IoError, "cannot read '" + path + "'");
    if (header->size() < headerBytes) return say(Error::Truncated, "'" + path + "' ends inside its header");
    std::uint32_t headerCrc = 0;
    (void)Reader(std::span(*header).subspan(headerBytes - 4)).get(headerCrc);
    if (crc32(std::span(header->data(), headerBytes - 4)) != headerCrc) {
        return say(Error::Malformed, "'" + path + "' has a damaged header (checksum mismatch)");
    }
    scan.info.version = version;
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
            std::uint64_t at = 0;
            (void)Reader(*trailer).get(at);
            trailerIndex = at;
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
            // A short index fails a read below, which leaves good false.
            Reader entries(*index);
            std::uint32_t count = 0;
            bool good = left == expected && entries.skip(sizeof kIndexMagic) && entries.get(count) &&
                        count == scan.chunks.size();
            for (std::size_t i = 0; good && i < scan.chunks.size(); ++i) {
                const auto& c = scan.chunks[i];
                std::uint64_t at = 0;
                std::uint32_t number = 0;
                std::uint32_t first = 0;
                std::uint32_t last = 0;
                good = entries.get(at) && entries.get(number) && entries.get(first) && entries.get(last) &&
                       entries.skip(kIndexEntryBytes - 20) && at == c.offset && number == c.sequence &&
                       first == c.firstTick && last == c.lastTick;
            }
            std::uint32_t indexCrc = 0;
            std::uint64_t indexAt = 0;
            std::span<const std::uint8_t> trailerMagic;
            good = good && entries.get(indexCrc) && indexCrc == crc32(std::span(index->data(), body)) &&
                   entries.get(indexAt) && indexAt == offset && entries.view(sizeof kTrailerMagic, trailerMagic) &&
                   std::equal(kTrailerMagic, kTrailerMagic + 4, trailerMagic.begin());
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
        const ChunkHeader fields = readChunkHeader(*head);
        if (!std::equal(kChunkMagic, kChunkMagic + 4, head->begin()) ||
            fields.headerCrc != crc32(std::span(head->data(), 32))) {
            stop("damaged header (bad signature or checksum)");
            break;
        }
        ReplayChunkEntry e = fields.entry;
        e.offset = offset;
        const std::uint32_t payloadCrc = fields.payloadCrc;
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
    const ChunkHeader fields = readChunkHeader(*head);
    if (fields.headerCrc != crc32(std::span(head->data(), 32)) || fields.entry.payloadBytes != entry.payloadBytes) {
        return fail(Error::Malformed);
    }
    auto payload = readAt(in, entry.offset + kChunkHeaderBytes, entry.payloadBytes);
    if (!payload) return fail(payload.failure());
    if (payload->size() < entry.payloadBytes) return fail(Error::Truncated);
    if (crc32(*payload) != fields.payloadCrc) return fail(Error::Malformed);
    return payload;
}

void appendReplayRecord(std::vector<std::uint8_t>& payload, ReplayRecord kind, std::uint32_t tick,
                        std::span<const std::uint8_t> bytes) {
    Writer out = Writer::appendingTo(payload);
    out.put(static_cast<std::uint8_t>(kind));
    out.putVarint(tick);
    out.putVarint(bytes.size());
    out.put(bytes);
}

Result<ReplayRecordView> readReplayRecord(std::span<const std::uint8_t> payload, std::size_t& pos) {
    if (pos >= payload.size()) return fail(Error::Truncated);
    Reader in(payload.subspan(pos));
    std::uint8_t kind = 0;
    (void)in.get(kind);
    if (kind < 1 || kind > 3) return fail(Error::Malformed);
    std::uint64_t tick = 0;
    std::uint64_t length = 0;
    if (in.getVarint(tick) != VarintStatus::Ok || in.getVarint(length) != VarintStatus::Ok) {
        return fail(Error::Malformed);
    }
    if (tick > UINT32_MAX) return fail(Error::Malformed);
    ReplayRecordView r;
    if (!in.view(static_cast<std::size_t>(length), r.bytes)) return fail(Error::Truncated);
    r.kind = static_cast<ReplayRecord>(kind);
    r.tick = static_cast<std::uint32_t>(tick);
    pos += in.position();
    return r;
}

}  // namespace detail
}  // namespace tickwire::engine
