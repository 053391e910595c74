#pragma once
/// \file replay.hpp
/// Replay files: a versioned header, then chunks that each hold a keyframe, the delta
/// snapshots after it and the reliable events of those ticks, each chunk with its length
/// and CRC-32, then (when the writer was closed) an index of the chunks for seeking.
/// Byte layout: docs/REPLAY_FORMAT.md.
///
/// The writer appends one whole chunk per write and keeps nothing buffered that a later
/// chunk depends on, so a writer killed at any moment leaves a file whose complete chunks
/// all read back; the reader stops at the first chunk that is incomplete or damaged.
///
///     auto w = ReplayWriter<Game::Codec>::create("match.twr", {.game = "my-game", .tickRate = 60});
///     (*w)->addFrame(world);                        // every tick (or every snapshot)
///     (*w)->addEvent(world.tick, bytes);            // a reliable game event of that tick
///     (*w)->close();                                // writes the index
///
///     auto r = ReplayReader<Game::Codec>::open("match.twr", "my-game");  // r.message() says why not
///     for (std::size_t i = 0; i < (*r)->chunks().size(); ++i) { auto c = (*r)->readChunk(i); ... }

#include <tickwire/engine/snapshot.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tickwire::engine {

/// Version of the replay format this build writes and reads.
inline constexpr std::uint16_t kReplayVersion = 2;
/// Most bytes in one chunk's payload; a reader refuses larger claims.
inline constexpr std::uint32_t kReplayMaxChunkBytes = 64u << 20;
/// Most entity states one chunk may hold, summed over its frames: a reader refuses a chunk
/// that would decode to more (a small file can describe a great many unchanged frames), and
/// the writer starts a new chunk before reaching it.
inline constexpr std::size_t kReplayMaxChunkEntities = 1u << 20;
/// Most frames in one chunk: a chunk spans at most ReplayWriterConfig::chunkTicks ticks
/// (100,000 at most), one frame per tick; a reader refuses a chunk that claims more.
inline constexpr std::uint32_t kReplayMaxChunkFrames = 100000;
/// Most bytes of a game id.
inline constexpr std::size_t kReplayMaxGameId = 32;

/// The file header: what was recorded.
struct ReplayInfo {
    std::string game;                ///< game id: 1..kReplayMaxGameId printable ASCII characters
    std::uint32_t tickRate = 60;     ///< the game's ticks per second, 1..1000
    std::uint64_t schemaHash = 0;    ///< SnapshotCodec::schemaHash() of the entity types (the writer sets it)
    std::uint64_t startUnixMs = 0;   ///< wall-clock time of the first frame, ms since the Unix epoch (0: now)
    std::uint16_t version = kReplayVersion;  ///< as read from the file
};

/// How the writer cuts chunks. validate() runs in create().
struct ReplayWriterConfig {
    std::uint32_t chunkTicks = 60;          ///< a chunk closes once it spans this many ticks, 1..100000
    std::size_t chunkBytes = 256 * 1024;    ///< ... or once its payload reaches this, 1 KiB..kReplayMaxChunkBytes/2

    /// Errors: InvalidConfig, the detail naming the field.
    [[nodiscard]] Result<void> validate() const;
};

/// One chunk as listed by the file's index or found by scanning it.
struct ReplayChunkEntry {
    std::uint32_t sequence = 0;     ///< 0, 1, 2... in file order
    std::uint64_t offset = 0;       ///< of the chunk header, bytes from the start of the file
    std::uint32_t firstTick = 0;
    std::uint32_t lastTick = 0;
    std::uint32_t frames = 0;
    std::uint32_t events = 0;
    std::uint32_t payloadBytes = 0;
};

/// A reliable event recorded at a tick (opaque bytes: the game's own message).
struct ReplayEvent {
    std::uint32_t tick = 0;
    std::vector<std::uint8_t> data;
};

/// What scanning a file found about its chunks (scanReplay(), ReplayReader::verification()).
struct ReplayVerification {
    bool whole = false;                       ///< every chunk complete and intact, nothing after them
    std::size_t goodChunks = 0;               ///< complete, intact chunks before the first problem
    std::uint64_t goodFrames = 0;             ///< frames (ticks recorded) in them
    std::optional<std::uint32_t> lastGoodTick;  ///< the last tick they hold
    std::optional<std::uint32_t> badChunk;    ///< sequence number of the first bad or incomplete chunk
    std::uint64_t badOffset = 0;              ///< where it starts in the file
    std::string problem;                      ///< one sentence on what is wrong (empty when whole)
    bool indexed = false;                     ///< the writer was closed: an index follows the chunks
};

namespace detail {

/// The header's bytes. Errors: InvalidArgument (game id or tick rate out of range).
[[nodiscard]] Result<std::vector<std::uint8_t>> encodeReplayHeader(const ReplayInfo& info);

/// An open replay file, appended whole chunks at a time. Not copyable.
class ReplayFileWriter {
public:
    /// Creates (truncates) `path` and writes the header. Errors: IoError, InvalidArgument.
    [[nodiscard]] static Result<std::unique_ptr<ReplayFileWriter>> create(const std::string& path,
                                                                          const ReplayInfo& info);
    ~ReplayFileWriter();
    ReplayFileWriter(const ReplayFileWriter&) = delete;
    ReplayFileWriter& operator=(const ReplayFileWriter&) = delete;
    /// Writes one chunk (header + payload) with one write; the entry's offset and sequence
    /// are filled in. Errors: IoError, LimitExceeded (payload too large).
    [[nodiscard]] Result<void> writeChunk(ReplayChunkEntry& entry, std::span<const std::uint8_t> payload);
    /// Writes the index of every chunk written and the trailer, then closes. Errors: IoError.
    [[nodiscard]] Result<void> finish();
    [[nodiscard]] std::uint64_t bytesWritten() const noexcept { return offset_; }

private:
    explicit ReplayFileWriter(int fd, std::uint64_t offset) : fd_(fd), offset_(offset) {}
    [[nodiscard]] Result<void> writeAll(std::span<const std::uint8_t> bytes);
    int fd_ = -1;
    std::uint64_t offset_ = 0;
    std::vector<ReplayChunkEntry> written_;
};

/// What scanning a file found: its header, its good chunks, and the first problem.
struct ReplayScan {
    ReplayInfo info;
    std::vector<ReplayChunkEntry> chunks;
    ReplayVerification verification;
    std::uint64_t fileBytes = 0;
};

/// Reads the header and walks every chunk, checking each one's framing and CRCs (and the
/// index, when present). Errors: IoError; Malformed/Truncated (no valid header: the detail says
/// why); UnsupportedVersion. A damaged chunk is not an error: it ends `chunks` and is
/// described in `verification`.
[[nodiscard]] Result<ReplayScan> scanReplay(const std::string& path);

/// A chunk's payload, CRC checked. Errors: IoError, Malformed (CRC mismatch), Truncated.
[[nodiscard]] Result<std::vector<std::uint8_t>> readChunkPayload(const std::string& path, const ReplayChunkEntry& entry);

/// Record kinds inside a chunk's payload.
enum class ReplayRecord : std::uint8_t { Keyframe = 1, Delta = 2, Event = 3 };

/// Appends one record: kind, tick (varint), length (varint), bytes.
void appendReplayRecord(std::vector<std::uint8_t>& payload, ReplayRecord kind, std::uint32_t tick,
                        std::span<const std::uint8_t> bytes);

/// One record read from a payload (bytes borrowed from it).
struct ReplayRecordView {
    ReplayRecord kind = ReplayRecord::Keyframe;
    std::uint32_t tick = 0;
    std::span<const std::uint8_t> bytes;
};

/// Reads the record at `pos` and advances it. Errors: Truncated, Malformed (unknown kind,
/// a length beyond the payload, a tick above 2^32 - 1).
[[nodiscard]] Result<ReplayRecordView> readReplayRecord(std::span<const std::uint8_t> payload, std::size_t& pos);

}  // namespace detail

/// Writes a replay of a game whose world is `Codec::SnapshotType`. Not thread-safe.
template <class Codec>
class ReplayWriter {
public:
    using World = typename Codec::SnapshotType;

    /// Creates `path` (replacing it) and writes the header; `info.schemaHash` is set from
    /// Codec and `info.startUnixMs` defaults to now. Errors: InvalidConfig, InvalidArgument
    /// (game id, tick rate), IoError.
    [[nodiscard]] static Result<std::unique_ptr<ReplayWriter>> create(const std::string& path, ReplayInfo info,
                                                                      ReplayWriterConfig config = {}) {
        if (auto ok = config.validate(); !ok) return fail(ok.failure());
        info.schemaHash = Codec::schemaHash();
        info.version = kReplayVersion;
        auto file = detail::ReplayFileWriter::create(path, info);
        if (!file) return fail(file.failure());
        return std::unique_ptr<ReplayWriter>(new ReplayWriter(std::move(*file), config));
    }

    ~ReplayWriter() { (void)close(); }
    ReplayWriter(const ReplayWriter&) = delete;
    ReplayWriter& operator=(const ReplayWriter&) = delete;

    /// Records the world at world.tick, which must be later than the last frame's.
    /// Errors: InvalidArgument (tick not after the last, or the codec refused the world),
    /// IoError (a chunk could not be written; the file keeps every chunk before it), Closed.
    [[nodiscard]] Result<void> addFrame(const World& world) {
        if (!file_) return fail(Error::Closed);
        if (lastTick_ && world.tick <= *lastTick_) return fail(Error::InvalidArgument);
        if (world.entities.size() > kReplayMaxChunkEntities) return fail(Error::InvalidArgument);
        if (entry_.frames > 0 && (world.tick - entry_.firstTick >= config_.chunkTicks ||
                                  payload_.size() >= config_.chunkBytes ||
                                  chunkEntities_ + world.entities.size() > kReplayMaxChunkEntities)) {
            if (auto ok = flush(); !ok) return ok;
        }
        const bool keyframe = entry_.frames == 0;
        auto bytes = codec_.encode(keyframe ? nullptr : &previous_, world);
        if (!bytes) return fail(Error::InvalidArgument);
        if (entry_.frames == 0 && entry_.events == 0) entry_.firstTick = world.tick;
        detail::appendReplayRecord(payload_, keyframe ? detail::ReplayRecord::Keyframe : detail::ReplayRecord::Delta,
                                   world.tick, *bytes);
        previous_ = world;
        chunkEntities_ += world.entities.size();
        ++entry_.frames;
        entry_.lastTick = world.tick;
        lastTick_ = world.tick;
        ++frames_;
        return {};
    }

    /// Records a reliable event at `tick` (in the chunk being filled). Errors: Closed,
    /// LimitExceeded (larger than a chunk may hold).
    [[nodiscard]] Result<void> addEvent(std::uint32_t tick, std::span<const std::uint8_t> data) {
        if (!file_) return fail(Error::Closed);
        if (data.size() > config_.chunkBytes) return fail(Error::LimitExceeded);
        if (entry_.frames == 0 && entry_.events == 0) entry_.firstTick = tick;
        detail::appendReplayRecord(payload_, detail::ReplayRecord::Event, tick, data);
        ++entry_.events;
        entry_.lastTick = std::max(entry_.lastTick, tick);
        return {};
    }

    /// Writes the chunk being filled, if any. Errors: IoError (the writer is then closed,
    /// without an index: the file keeps every chunk before the one that failed), Closed.
    [[nodiscard]] Result<void> flush() {
        if (!file_) return fail(Error::Closed);
        if (entry_.frames == 0 && entry_.events == 0) return {};
        auto ok = file_->writeChunk(entry_, payload_);
        payload_.clear();
        entry_ = {};
        chunkEntities_ = 0;
        if (!ok) {
            // A partial write leaves bytes the offsets would not account for: nothing after
            // them could be read, so nothing more is written.
            bytes_ = file_->bytesWritten();
            file_.reset();
            return ok;
        }
        ++chunks_;
        return {};
    }

    /// flush(), then the index; the writer is done. Idempotent. Errors: IoError.
    [[nodiscard]] Result<void> close() {
        if (!file_) return {};
        auto flushed = flush();
        auto finished = file_->finish();
        bytes_ = file_->bytesWritten();
        file_.reset();
        if (!flushed) return flushed;
        return finished;
    }

    [[nodiscard]] std::uint64_t framesWritten() const noexcept { return frames_; }
    [[nodiscard]] std::uint64_t chunksWritten() const noexcept { return chunks_; }
    [[nodiscard]] std::uint64_t bytesWritten() const noexcept { return file_ ? file_->bytesWritten() : bytes_; }

private:
    ReplayWriter(std::unique_ptr<detail::ReplayFileWriter> file, ReplayWriterConfig config)
        : file_(std::move(file)), config_(config), codec_(SnapshotCodecConfig{.chainModels = false}) {}

    std::unique_ptr<detail::ReplayFileWriter> file_;
    ReplayWriterConfig config_;
    Codec codec_;
    std::vector<std::uint8_t> payload_;
    std::size_t chunkEntities_ = 0;
    ReplayChunkEntry entry_;
    World previous_;
    std::optional<std::uint32_t> lastTick_;
    std::uint64_t frames_ = 0;
    std::uint64_t chunks_ = 0;
    std::uint64_t bytes_ = 0;
};

/// One decoded chunk.
template <class World>
struct ReplayChunk {
    ReplayChunkEntry entry;
    std::vector<World> frames;              ///< in tick order
    std::vector<std::size_t> frameBytes;    ///< encoded size of each frame
    std::vector<ReplayEvent> events;
};

/// One sentence on chunk `index` of a replay (listed as `entry`) that failed to decode:
/// which, where in the file, and why (`problem`, the failure's message). For a tool's or a
/// player's report: "chunk 3 (at byte 12345) does not decode: PROBLEM".
[[nodiscard]] std::string chunkProblem(std::size_t index, const ReplayChunkEntry& entry, const std::string& problem);

/// Reads a replay written for `Codec`'s entity types. Not thread-safe.
template <class Codec>
class ReplayReader {
public:
    using World = typename Codec::SnapshotType;

    /// Opens and scans `path`. `game`, when not empty, must equal the file's game id.
    /// Errors: IoError (unreadable), Truncated/Malformed (not a replay), UnsupportedVersion
    /// (another format version), WrongGame (another game, or other entity types); the
    /// failure's detail is a sentence naming what differs.
    [[nodiscard]] static Result<std::unique_ptr<ReplayReader>> open(const std::string& path,
                                                                    const std::string& game = {},
                                                                    SnapshotCodecConfig codec = {}) {
        auto scan = detail::scanReplay(path);
        if (!scan) return fail(scan.failure());
        if (!game.empty() && scan->info.game != game) {
            return fail(Error::WrongGame, "'" + path + "' is a replay of '" + scan->info.game + "', not of '" + game + "'");
        }
        if (scan->info.schemaHash != Codec::schemaHash()) {
            return fail(Error::WrongGame, "'" + path + "' was recorded with other entity types than this build's (schema " +
                                              hex(scan->info.schemaHash) + ", expected " + hex(Codec::schemaHash()) + ")");
        }
        return std::unique_ptr<ReplayReader>(new ReplayReader(path, std::move(*scan), codec));
    }

    [[nodiscard]] const ReplayInfo& info() const noexcept { return scan_.info; }
    /// The complete, intact chunks, in file order.
    [[nodiscard]] const std::vector<ReplayChunkEntry>& chunks() const noexcept { return scan_.chunks; }
    /// What the scan found, including the first bad chunk.
    [[nodiscard]] const ReplayVerification& verification() const noexcept { return scan_.verification; }
    [[nodiscard]] std::uint64_t fileBytes() const noexcept { return scan_.fileBytes; }

    /// Decodes chunk `i` of chunks(). Errors: InvalidArgument (no such chunk), IoError,
    /// Malformed/Truncated (damaged since the scan, or records the codec refuses),
    /// LimitExceeded (more than kReplayMaxChunkEntities entity states in the chunk).
    [[nodiscard]] Result<ReplayChunk<World>> readChunk(std::size_t i) const {
        if (i >= scan_.chunks.size()) return fail(Error::InvalidArgument);
        auto payload = detail::readChunkPayload(path_, scan_.chunks[i]);
        if (!payload) return fail(payload.failure());
        ReplayChunk<World> chunk;
        chunk.entry = scan_.chunks[i];
        std::size_t entities = 0;
        std::size_t pos = 0;
        while (pos < payload->size()) {
            auto record = detail::readReplayRecord(*payload, pos);
            if (!record) return fail(record.failure());
            // No more records than the chunk's header announced are kept.
            if (record->kind == detail::ReplayRecord::Event ? chunk.events.size() >= chunk.entry.events
                                                            : chunk.frames.size() >= chunk.entry.frames) {
                return fail(Error::Malformed);
            }
            if (record->kind == detail::ReplayRecord::Event) {
                chunk.events.push_back({record->tick, {record->bytes.begin(), record->bytes.end()}});
                continue;
            }
            const bool keyframe = record->kind == detail::ReplayRecord::Keyframe;
            if (keyframe != chunk.frames.empty()) return fail(Error::Malformed);  // one keyframe, first
            // The chunk's limit is the decoder's limit for this frame, so that no frame is
            // built past it (a delta of a few bytes can repeat every entity of its baseline).
            SnapshotCodecConfig limited = codec_.config();
            const std::size_t room = kReplayMaxChunkEntities - entities;
            if (room == 0) return fail(Error::LimitExceeded);
            limited.maxEntities = std::min(limited.maxEntities, room);
            auto world = Codec(limited).decode(keyframe ? nullptr : &chunk.frames.back(), record->bytes);
            if (!world) return fail(world.error() == Error::LimitExceeded ? Error::LimitExceeded : Error::Malformed);
            if (world->tick != record->tick) return fail(Error::Malformed);
            if (!chunk.frames.empty() && world->tick <= chunk.frames.back().tick) return fail(Error::Malformed);
            entities += world->entities.size();
            chunk.frames.push_back(std::move(*world));
            chunk.frameBytes.push_back(record->bytes.size());
        }
        if (chunk.frames.size() != chunk.entry.frames || chunk.events.size() != chunk.entry.events) {
            return fail(Error::Malformed);
        }
        return chunk;
    }

    /// The index in chunks() of the chunk holding `tick` (or the first after it); none when
    /// every chunk ends before it.
    [[nodiscard]] std::optional<std::size_t> chunkFor(std::uint32_t tick) const {
        for (std::size_t i = 0; i < scan_.chunks.size(); ++i) {
            if (scan_.chunks[i].lastTick >= tick) return i;
        }
        return std::nullopt;
    }

private:
    ReplayReader(std::string path, detail::ReplayScan scan, SnapshotCodecConfig codec)
        : path_(std::move(path)), scan_(std::move(scan)), codec_(codec) {}

    static std::string hex(std::uint64_t v) {
        static constexpr char kDigits[] = "0123456789abcdef";
        std::string s(16, '0');
        for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = kDigits[v & 0xF];
        return s;
    }

    std::string path_;
    detail::ReplayScan scan_;
    Codec codec_;
};

}  // namespace tickwire::engine
