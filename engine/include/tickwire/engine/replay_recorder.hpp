#pragma once
/// \file replay_recorder.hpp
/// Recording a game into a replay file (replay.hpp) with a writer that never stops the
/// game when the disk fails: the first failure is reported once and counted, and what is
/// offered after it is counted as lost. A server's per-tick hook hands it every tick's
/// world, however many ticks one update() simulates; ReplayCapture (replay_capture.hpp)
/// records what a spectator is sent with it.
///
///     auto made = ReplayRecorder<MyGame::Codec>::create("match.twr", {.game = "my-game", .tickRate = 60}, log);
///     if (!made) return fail(made.message());       // the file cannot be created
///     auto& recorder = **made;
///     session.onTick([&](const MyGame::World& w) { recorder.addFrame(w); });
///     while (serving) session.update(nowMicros);
///     recorder.addEvent(session.world().tick, bytes);   // an event the server sent
///     recorder.close();                                 // writes the index

#include <tickwire/engine/replay.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

namespace tickwire::engine {

/// What a recording has written so far.
struct RecordFigures {
    std::uint64_t frames = 0;       ///< ticks recorded
    std::uint64_t events = 0;       ///< events recorded
    std::uint64_t bytes = 0;        ///< bytes in the file (header and complete chunks)
    std::uint64_t writeErrors = 0;  ///< 0, or 1: the first failure ends the recording
    std::uint64_t lostFrames = 0;   ///< frames offered after the recording ended on an error
    std::uint64_t lostEvents = 0;   ///< events offered after the recording ended on an error
    std::optional<std::uint32_t> firstTick;  ///< of the first frame recorded
    std::optional<std::uint32_t> lastTick;   ///< of the last frame recorded
};

/// A replay writer for a game whose world is `Codec::SnapshotType`, that the game can feed
/// without checking every call: the first failure (a full disk, a world the codec refuses,
/// a tick that does not follow the last) is reported once through the log, ends the
/// recording and is counted; later frames and events are counted as lost. The file keeps
/// every chunk written before the failure. Not thread-safe.
template <class Codec>
class ReplayRecorder {
public:
    /// Where the recorder reports its one failure (one English sentence, no newline).
    using Log = std::function<void(const std::string&)>;
    /// The writer underneath.
    using Writer = ReplayWriter<Codec>;
    /// The world recorded each tick.
    using World = typename Codec::SnapshotType;

    /// Creates (replaces) `path` with a header saying `info` (the game id and its tick rate,
    /// 1..1000 ticks per second; the rest is filled in as ReplayWriter::create does). `log`
    /// may be empty. Errors: those of ReplayWriter::create (IoError: the file cannot be
    /// created; InvalidArgument: the game id or the tick rate; InvalidConfig), with a detail
    /// naming the file.
    [[nodiscard]] static Result<std::unique_ptr<ReplayRecorder>> create(const std::string& path, ReplayInfo info,
                                                                        Log log = {}, ReplayWriterConfig config = {}) {
        auto writer = Writer::create(path, std::move(info), config);
        if (!writer) return fail(writer.error(), "cannot record to '" + path + "': " + writer.message());
        return std::unique_ptr<ReplayRecorder>(new ReplayRecorder(path, std::move(*writer), std::move(log)));
    }

    /// Finishes the file as close() does.
    ~ReplayRecorder() { close(); }
    ReplayRecorder(const ReplayRecorder&) = delete;
    ReplayRecorder& operator=(const ReplayRecorder&) = delete;

    /// Records the world of one tick; its tick must be later than the last frame's (an
    /// earlier or repeated tick is a failure like any other).
    void addFrame(const World& world) {
        if (!writer_) {
            if (failed_) ++figures_.lostFrames;
            return;
        }
        if (auto ok = writer_->addFrame(world); !ok) {
            ++figures_.lostFrames;
            stop("tick " + std::to_string(world.tick), ok.message());
            return;
        }
        ++figures_.frames;
        if (!figures_.firstTick) figures_.firstTick = world.tick;
        figures_.lastTick = world.tick;
    }

    /// Records a game event (the game's own bytes, copied) at `tick`.
    void addEvent(std::uint32_t tick, std::span<const std::uint8_t> bytes) {
        if (!writer_) {
            if (failed_) ++figures_.lostEvents;
            return;
        }
        if (auto ok = writer_->addEvent(tick, bytes); !ok) {
            ++figures_.lostEvents;
            stop("an event at tick " + std::to_string(tick), ok.message());
            return;
        }
        ++figures_.events;
    }

    /// Writes the chunk being filled and the index; the recording is over. Idempotent.
    void close() {
        if (!writer_) return;
        auto ok = writer_->close();
        bytes_ = writer_->bytesWritten();
        writer_.reset();
        if (!ok) {
            failed_ = true;
            ++figures_.writeErrors;
            report("recording to '" + path_ + "' could not be completed: " + ok.message() +
                   " (the file keeps every chunk written before; it has no index)");
        }
    }

    /// True until close() or a failure.
    [[nodiscard]] bool recording() const noexcept { return writer_ != nullptr; }
    /// True once a write failed.
    [[nodiscard]] bool failed() const noexcept { return failed_; }
    /// The figures so far.
    [[nodiscard]] RecordFigures figures() const {
        RecordFigures f = figures_;
        f.bytes = writer_ ? writer_->bytesWritten() : bytes_;
        return f;
    }
    /// The file being written.
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    ReplayRecorder(std::string path, std::unique_ptr<Writer> writer, Log log)
        : path_(std::move(path)), writer_(std::move(writer)), log_(std::move(log)) {}

    void stop(const std::string& what, const std::string& error) {
        failed_ = true;
        ++figures_.writeErrors;
        // Closed at once: the frames it still holds and the index reach the file if the disk
        // lets them, and nothing is appended after a tick that could not be recorded.
        (void)writer_->close();
        bytes_ = writer_->bytesWritten();
        writer_.reset();
        report("recording to '" + path_ + "' stopped at " + what + ": " + error +
               "; the file keeps every chunk written before, the game goes on unrecorded");
    }

    void report(const std::string& line) {
        if (log_) log_(line);
    }

    std::string path_;
    std::unique_ptr<Writer> writer_;
    Log log_;
    RecordFigures figures_;
    std::uint64_t bytes_ = 0;
    bool failed_ = false;
};

}  // namespace tickwire::engine
