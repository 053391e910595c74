// tickwire-replay info: what a replay holds (time, ticks, entities, bandwidth) and whether it is whole.

#include "replay_tool.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <deque>
#include <iostream>
#include <limits>
#include <optional>
#include <utility>

namespace tickwire::replay_tool {
namespace {

/// "2024-06-01T12:00:00.250Z", or "unknown" beyond what the calendar functions take.
std::string utc(std::uint64_t unixMs) {
    constexpr std::uint64_t kYear9999 = 253402300799;
    if (unixMs / 1000 > kYear9999) return "unknown";
    const auto t = static_cast<std::time_t>(unixMs / 1000);
    std::tm parts{};
    char text[48];
    if (::gmtime_r(&t, &parts) == nullptr || std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts) == 0) {
        return "unknown";
    }
    char ms[8];
    std::snprintf(ms, sizeof ms, ".%03uZ", static_cast<unsigned>(unixMs % 1000));
    return std::string(text) + ms;
}

}  // namespace

int runInfo(const InfoOptions& o) {
    auto reader = openReplay(o.file);
    if (!reader) return kExitUnusable;
    const auto& info = reader->info();
    const auto& v = reader->verification();
    std::uint64_t frames = 0, events = 0, frameBytes = 0, entitySum = 0;
    std::size_t entityMin = std::numeric_limits<std::size_t>::max(), entityMax = 0;
    std::optional<std::uint32_t> firstTick, lastTick;
    // Peak bandwidth: the most frame bytes in any window of tickRate consecutive ticks.
    std::deque<std::pair<std::uint32_t, std::size_t>> window;
    std::uint64_t windowBytes = 0, peakBytes = 0;
    std::optional<std::string> decodeProblem;
    std::size_t readable = 0;
    Progress progress("info");
    for (std::size_t i = 0; i < reader->chunks().size(); ++i) {
        progress.show(chunkProgress(i, reader->chunks().size()));
        auto chunk = reader->readChunk(i);
        if (!chunk) {
            decodeProblem = chunkProblem(*reader, i, chunk.message());
            break;
        }
        ++readable;
        events += chunk->events.size();
        for (std::size_t f = 0; f < chunk->frames.size(); ++f) {
            const auto& world = chunk->frames[f];
            const std::size_t bytes = chunk->frameBytes[f];
            ++frames;
            frameBytes += bytes;
            entitySum += world.entities.size();
            entityMin = std::min(entityMin, world.entities.size());
            entityMax = std::max(entityMax, world.entities.size());
            if (!firstTick) firstTick = world.tick;
            lastTick = world.tick;
            window.emplace_back(world.tick, bytes);
            windowBytes += bytes;
            while (static_cast<std::uint64_t>(window.front().first) + info.tickRate <= world.tick) {
                windowBytes -= window.front().second;
                window.pop_front();
            }
            peakBytes = std::max(peakBytes, windowBytes);
        }
    }
    progress.clear();
    const double duration = firstTick ? (static_cast<double>(*lastTick - *firstTick) + 1.0) / info.tickRate : 0.0;
    const double meanRate = duration > 0 ? static_cast<double>(frameBytes) / duration : 0.0;
    const double entityMean = frames > 0 ? static_cast<double>(entitySum) / static_cast<double>(frames) : 0.0;
    if (frames == 0) entityMin = 0;
    const bool whole = v.whole && !decodeProblem;
    const std::string problem = decodeProblem ? *decodeProblem : v.problem;
    // What a damaged file still gives: the chunks that both scanned and decoded.
    std::uint64_t readableFrames = 0;
    std::optional<std::uint32_t> lastReadable;
    for (std::size_t i = 0; i < readable; ++i) {
        readableFrames += reader->chunks()[i].frames;
        lastReadable = reader->chunks()[i].lastTick;
    }

    if (o.json) {
        nlohmann::json j;
        j["file"] = o.file;
        j["file_bytes"] = reader->fileBytes();
        j["game"] = info.game;
        j["version"] = info.version;
        j["tick_rate"] = info.tickRate;
        j["start_unix_ms"] = info.startUnixMs;
        j["start_utc"] = utc(info.startUnixMs);
        j["duration_s"] = duration;
        j["first_tick"] = firstTick ? nlohmann::json(*firstTick) : nlohmann::json(nullptr);
        j["last_tick"] = lastTick ? nlohmann::json(*lastTick) : nlohmann::json(nullptr);
        j["ticks"] = frames;
        j["chunks"] = reader->chunks().size();
        j["entities_min"] = entityMin;
        j["entities_mean"] = entityMean;
        j["entities_max"] = entityMax;
        j["events"] = events;
        j["frame_bytes"] = frameBytes;
        j["bandwidth_mean_bytes_per_s"] = meanRate;
        j["bandwidth_peak_bytes_per_s"] = peakBytes;
        j["indexed"] = v.indexed;
        j["whole"] = whole;
        j["readable_chunks"] = readable;
        j["readable_ticks"] = readableFrames;
        j["last_readable_tick"] = lastReadable ? nlohmann::json(*lastReadable) : nlohmann::json(nullptr);
        j["problem"] = problem;
        std::cout << j.dump() << '\n';
        return kExitOk;
    }
    char line[256];
    std::cout << "file        " << o.file << " (" << reader->fileBytes() << " bytes)\n";
    std::cout << "game        " << info.game << ", replay format version " << info.version << '\n';
    std::cout << "tick rate   " << info.tickRate << " ticks per second\n";
    std::cout << "started     " << utc(info.startUnixMs) << '\n';
    if (firstTick) {
        std::snprintf(line, sizeof line, "%.2f s, ticks %u..%u, %llu recorded", duration, *firstTick, *lastTick,
                      static_cast<unsigned long long>(frames));
    } else {
        std::snprintf(line, sizeof line, "0 s, no tick recorded");
    }
    std::cout << "duration    " << line << '\n';
    std::cout << "chunks      " << reader->chunks().size() << (v.indexed ? ", index present" : ", no index") << '\n';
    std::snprintf(line, sizeof line, "min %zu, mean %.1f, max %zu per tick", entityMin, entityMean, entityMax);
    std::cout << "entities    " << line << '\n';
    std::cout << "events      " << events << '\n';
    std::snprintf(line, sizeof line, "mean %.1f kbit/s, peak %.1f kbit/s over 1 s (%llu bytes of encoded frames)",
                  meanRate * 8.0 / 1000.0, static_cast<double>(peakBytes) * 8.0 / 1000.0,
                  static_cast<unsigned long long>(frameBytes));
    std::cout << "bandwidth   " << line << '\n';
    if (whole && v.indexed) {
        std::cout << "state       whole\n";
    } else if (whole) {
        std::cout << "state       not closed: no index; every chunk intact\n";
    } else {
        std::cout << "state       damaged: " << problem << '\n';
        std::cout << "readable    " << readable << " chunks, " << readableFrames << " ticks"
                  << (lastReadable ? ", up to tick " + std::to_string(*lastReadable) : std::string()) << '\n';
    }
    return kExitOk;
}

}  // namespace tickwire::replay_tool
