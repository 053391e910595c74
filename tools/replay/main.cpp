// tickwire-replay: records, checks, prints, plays back and draws replays of the sample
// arena (file format: docs/REPLAY_FORMAT.md).
//
//   arena-server --port 40000 --key server.key --record match.twr
//   tickwire-replay capture --server 127.0.0.1:40000 --key server.key --out seen.twr --seconds 60
//   tickwire-replay info match.twr
//   tickwire-replay verify match.twr
//   tickwire-replay dump match.twr --from 600 --to 660 --json
//   tickwire-replay render match.twr --out match.png      (or match.svg)
//   tickwire-replay play match.twr --port 40001 --key server.key --speed 2
//
// Every file is untrusted: a damaged one is read up to its first bad chunk, and anything
// that is not an arena replay of this format version is refused with a sentence saying why.
// Exit codes are every tickwire program's (tools/common/tool_cli.hpp), read as cmp(1) does: 0
// done, 1 the file is damaged where it mattered (or a capture or playback failed), 2 the input
// cannot be used at all.

#include "arena_capture.hpp"
#include "arena_events.hpp"
#include "arena_game.hpp"
#include "arena_player.hpp"
#include "arena_recorder.hpp"
#include "arena_render.hpp"
#include "arena_tool.hpp"
#include "view/picture.hpp"

#include <tickwire/engine/replay.hpp>
#include <tickwire/net/address.hpp>
#include <tickwire/net/key.hpp>
#include <tickwire/net/log.hpp>
#include <tickwire/net/token.hpp>

#include <CLI/CLI.hpp>
#include <tool_cli.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <ctime>
#include <deque>
#include <exception>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace tickwire;
namespace cli = tickwire::cli;
using arena::ArenaGame;
using arena::tool::nowSeconds;
using arena::tool::stopRequested;

namespace {

using Reader = engine::ReplayReader<ArenaGame::Codec>;
using Chunk = engine::ReplayChunk<ArenaGame::World>;

constexpr int kExitOk = cli::kExitOk;
constexpr int kExitDamaged = cli::kExitFailed;
constexpr int kExitUnusable = cli::kExitUsage;

int say(int code, const std::string& message) {
    std::cerr << "tickwire-replay: " << message << '\n';
    return code;
}

std::string inQuotes(const std::string& text) { return "'" + text + "'"; }

/// "1 event", "2 events" ("1 pass", "2 passes" with the plural given).
std::string count(std::uint64_t n, const std::string& noun, const std::string& plural = {}) {
    return std::to_string(n) + " " + (n == 1 ? noun : plural.empty() ? noun + "s" : plural);
}

/// The replay at `path`, or none after saying why (the caller exits kExitUnusable).
std::unique_ptr<Reader> openReplay(const std::string& path) {
    if (auto cannot = cli::unreadable(path)) {
        say(kExitUnusable, "cannot read " + inQuotes(path) + ": " + *cannot);
        return nullptr;
    }
    auto reader = Reader::open(path, arena::kReplayGame);
    if (!reader) {
        say(kExitUnusable, reader.detail().empty() ? "cannot read " + inQuotes(path) + ": " + reader.message()
                                                   : reader.detail());
        return nullptr;
    }
    return std::move(*reader);
}

std::string chunkProblem(const Reader& reader, std::size_t i, const std::string& problem) {
    return arena::chunkProblem(i, reader.chunks()[i], problem);
}

/// True when the file is damaged and ticks up to `to` may lie beyond its intact part.
bool damagedBefore(const Reader& reader, std::uint32_t to) {
    const auto& v = reader.verification();
    return v.badChunk && (!v.lastGoodTick || to > *v.lastGoodTick);
}

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

/// A live status line on a terminal (stderr), at most five times a second; nothing when
/// stderr is a file or a pipe.
class Progress {
public:
    explicit Progress(std::string what) : what_(std::move(what)), tty_(isatty(STDERR_FILENO) == 1) {}
    ~Progress() { clear(); }
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void show(const std::string& text, bool now = false) {
        if (!tty_) return;
        const double t = nowSeconds();
        if (!now && t - last_ < 0.2) return;
        last_ = t;
        std::cerr << "\r\033[K" << what_ << ": " << text << std::flush;
        shown_ = true;
    }
    void clear() {
        if (shown_) std::cerr << "\r\033[K" << std::flush;
        shown_ = false;
    }

private:
    std::string what_;
    bool tty_;
    bool shown_ = false;
    double last_ = 0;
};

std::string chunkProgress(std::size_t i, std::size_t n) {
    return "chunk " + std::to_string(i + 1) + " of " + std::to_string(n);
}

// ---------------------------------------------------------------------------------------
// info

struct InfoOptions {
    std::string file;
    bool json = false;
};

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

// ---------------------------------------------------------------------------------------
// verify

int runVerify(const std::string& file) {
    auto reader = openReplay(file);
    if (!reader) return kExitUnusable;
    const auto& v = reader->verification();
    const auto& chunks = reader->chunks();
    // A chunk can pass its checksums and still hold records the codec refuses: decoding
    // every one is what makes "intact" mean readable.
    std::optional<std::size_t> undecodable;
    std::string decodeError;
    std::uint64_t events = 0;
    Progress progress("verify");
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        progress.show(chunkProgress(i, chunks.size()));
        auto chunk = reader->readChunk(i);
        if (!chunk) {
            undecodable = i;
            decodeError = chunk.message();
            break;
        }
        events += chunk->events.size();
    }
    progress.clear();
    const std::size_t good = undecodable.value_or(chunks.size());
    std::uint64_t goodFrames = 0;
    std::optional<std::uint32_t> firstTick, lastTick;
    for (std::size_t i = 0; i < good; ++i) {
        goodFrames += chunks[i].frames;
        if (chunks[i].frames > 0 || chunks[i].events > 0) {
            if (!firstTick) firstTick = chunks[i].firstTick;
            lastTick = chunks[i].lastTick;
        }
    }
    const std::string span = firstTick ? " (" + std::to_string(*firstTick) + ".." + std::to_string(*lastTick) + ")" : "";
    if (!undecodable && v.whole) {
        std::cout << file << ": " << (v.indexed ? "intact: " : "not closed: no index; every chunk intact: ")
                  << count(chunks.size(), "chunk") << ", " << count(goodFrames, "tick") << span << ", "
                  << count(events, "event") << '\n';
        return kExitOk;
    }
    const std::string problem = undecodable ? chunkProblem(*reader, *undecodable, decodeError) : v.problem;
    std::cout << file << ": damaged: " << problem << "; ";
    if (goodFrames == 0) {
        std::cout << "no tick before it is intact\n";
    } else {
        std::cout << (goodFrames == 1 ? "the 1 tick before it is" : "the " + std::to_string(goodFrames) + " ticks before it are")
                  << " intact (up to tick " << *lastTick << ")\n";
    }
    return kExitDamaged;
}

// ---------------------------------------------------------------------------------------
// dump

struct DumpOptions {
    std::string file;
    std::uint32_t from = 0;
    std::uint32_t to = std::numeric_limits<std::uint32_t>::max();
    bool json = false;
};

void appendFrame(std::string& out, const ArenaGame::World& world) {
    char text[320];
    std::snprintf(text, sizeof text, "{\"tick\":%u,\"entities\":[", world.tick);
    out += text;
    bool first = true;
    for (const auto& e : world.entities) {
        const auto* p = std::get_if<arena::Player>(&e.state);
        if (!p) continue;
        // x and y are whole centimetres, aim whole steps of 2π/4096: these digits are exact
        // to the quantization.
        std::snprintf(text, sizeof text,
                      "%s{\"id\":%u,\"x\":%.2f,\"y\":%.2f,\"aim\":%.6f,\"health\":%lld,\"score\":%lld,\"deaths\":%lld,"
                      "\"hits\":%lld,\"respawn_ticks\":%lld,\"cooldown_ticks\":%lld,\"alive\":%s,\"firing\":%s}",
                      first ? "" : ",", e.id, p->x.get(), p->y.get(), p->aim.get(),
                      static_cast<long long>(p->health.get()), static_cast<long long>(p->score.get()),
                      static_cast<long long>(p->deaths.get()), static_cast<long long>(p->hits.get()),
                      static_cast<long long>(p->respawnTicks.get()), static_cast<long long>(p->cooldownTicks.get()),
                      p->alive ? "true" : "false", p->firing ? "true" : "false");
        out += text;
        first = false;
    }
    out += "]}\n";
}

void appendEvent(std::string& out, const engine::ReplayEvent& event) {
    char text[256];
    if (auto m = arena::decodeMatchEvent(event.data)) {
        std::snprintf(text, sizeof text,
                      "{\"tick\":%u,\"event\":\"match\",\"tick_rate\":%u,\"snapshot_rate\":%u,\"match_start_tick\":%u,"
                      "\"match_seconds\":%u}\n",
                      event.tick, m->tickRate, m->snapshotRate, m->matchStartTick, m->matchSeconds);
        out += text;
        return;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::snprintf(text, sizeof text, "{\"tick\":%u,\"event\":\"unknown\",\"bytes\":\"", event.tick);
    out += text;
    for (std::uint8_t b : event.data) {
        out += kHex[b >> 4];
        out += kHex[b & 0xF];
    }
    out += "\"}\n";
}

int runDump(const DumpOptions& o) {
    if (!o.json) return say(kExitUnusable, "dump writes JSON lines only: add --json");
    if (o.from > o.to) return say(kExitUnusable, "--from " + std::to_string(o.from) + " is after --to " + std::to_string(o.to));
    auto reader = openReplay(o.file);
    if (!reader) return kExitUnusable;
    const auto& chunks = reader->chunks();
    std::string out;
    for (auto i = reader->chunkFor(o.from); i && *i < chunks.size() && chunks[*i].firstTick <= o.to; ++*i) {
        auto chunk = reader->readChunk(*i);
        if (!chunk) {
            std::fflush(stdout);
            return say(kExitDamaged, chunkProblem(*reader, *i, chunk.message()) + "; the ticks before it were dumped");
        }
        // Frames and events in tick order; an event follows the frame of its tick, as it
        // followed that tick's snapshot when it was sent.
        std::stable_sort(chunk->events.begin(), chunk->events.end(),
                         [](const auto& a, const auto& b) { return a.tick < b.tick; });
        std::size_t e = 0;
        auto eventsBefore = [&](std::uint64_t tick) {
            for (; e < chunk->events.size() && chunk->events[e].tick < tick; ++e) {
                if (chunk->events[e].tick >= o.from && chunk->events[e].tick <= o.to) appendEvent(out, chunk->events[e]);
            }
        };
        for (const auto& world : chunk->frames) {
            eventsBefore(world.tick);
            if (world.tick >= o.from && world.tick <= o.to) appendFrame(out, world);
            eventsBefore(std::uint64_t{world.tick} + 1);
        }
        eventsBefore(std::numeric_limits<std::uint64_t>::max());
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
    }
    std::fflush(stdout);
    if (damagedBefore(*reader, o.to)) {
        return say(kExitDamaged, "the file is damaged: " + reader->verification().problem +
                                     "; only the ticks before it were dumped");
    }
    return kExitOk;
}

// ---------------------------------------------------------------------------------------
// render

struct RenderOptions {
    std::string file;
    std::string out;
    std::uint32_t from = 0;
    std::uint32_t to = std::numeric_limits<std::uint32_t>::max();
    int width = 1200;
    int height = 1100;
};

int runRender(const RenderOptions& o) {
    if (o.from > o.to) return say(kExitUnusable, "--from " + std::to_string(o.from) + " is after --to " + std::to_string(o.to));
    if (auto cannot = cli::unwritable(o.out)) return say(kExitUnusable, "--out: cannot write " + inQuotes(o.out) + ": " + *cannot);
    auto reader = openReplay(o.file);
    if (!reader) return kExitUnusable;
    const auto& chunks = reader->chunks();
    std::optional<std::uint32_t> first, last;
    for (const auto& c : chunks) {
        if (c.frames == 0 || c.lastTick < o.from || c.firstTick > o.to) continue;
        if (!first) first = std::max(c.firstTick, o.from);
        last = std::min(c.lastTick, o.to);
    }
    if (!first) {
        return say(kExitUnusable, inQuotes(o.file) + " holds no frame in ticks " + std::to_string(o.from) + ".." +
                                      std::to_string(o.to));
    }
    arena::ReplayRender render(reader->info().tickRate, *first, *last);
    Progress progress("render");
    int code = kExitOk;
    for (auto i = reader->chunkFor(*first); i && *i < chunks.size() && chunks[*i].firstTick <= *last; ++*i) {
        progress.show(chunkProgress(*i, chunks.size()));
        auto chunk = reader->readChunk(*i);
        if (!chunk) {
            progress.clear();
            code = say(kExitDamaged, chunkProblem(*reader, *i, chunk.message()) + "; drawing the ticks before it");
            break;
        }
        for (std::size_t f = 0; f < chunk->frames.size(); ++f) render.addFrame(chunk->frames[f], chunk->frameBytes[f]);
    }
    progress.clear();
    if (code == kExitOk && damagedBefore(*reader, o.to)) {
        code = say(kExitDamaged, "the file is damaged: " + reader->verification().problem + "; drawing the ticks before it");
    }
    std::string why;
    // The file's name is title enough; the directories it sat in mean nothing in a picture.
    const std::string title = std::filesystem::path(o.file).filename().string();
    const bool saved = arena::view::savePicture(
        o.out, o.width, o.height, [&](cairo_t* cr) { (void)render.draw(cr, o.width, o.height, title); }, &why);
    if (!saved) return say(kExitDamaged, "cannot write the picture: " + why);
    std::cout << "wrote " << o.out << " (" << o.width << "x" << o.height << ", " << count(render.frames(), "tick") << ", "
              << count(render.deaths(), "death") << ")\n";
    return code;
}

// ---------------------------------------------------------------------------------------
// capture

struct CaptureOptions {
    std::string server;
    std::string tokenFile;
    std::string keyFile;
    std::string out;
    double seconds = 0;
    std::uint32_t tickRate = arena::kTickRate;
};

int runCapture(const CaptureOptions& o) {
    auto server = net::Address::parse(o.server);
    if (!server) {
        return say(kExitUnusable, "--server " + inQuotes(o.server) + ": expected HOST:PORT (" +
                                      server.message() + ")");
    }
    if (o.keyFile.empty() == o.tokenFile.empty()) {
        return say(kExitUnusable, "give --token TOKENFILE, or --key KEYFILE to mint a spectator token (development)");
    }
    net::ConnectToken token;
    if (!o.tokenFile.empty()) {
        std::string why;
        auto loaded = cli::loadToken(o.tokenFile, why);
        if (!loaded) return say(kExitUnusable, why);
        token = *loaded;
        if (std::find(token.servers.begin(), token.servers.end(), *server) == token.servers.end()) {
            return say(kExitUnusable, "the token is not valid for " + server->toString());
        }
    } else {
        std::string keyError;
        const auto key = cli::loadKey(o.keyFile, keyError);
        if (!key) return say(kExitUnusable, keyError);
        // A random id, so that a capture never takes the place of a player with the same id.
        auto issued = arena::tool::devToken(*key, *server, arena::tool::randomPlayerId());
        if (!issued) return say(kExitUnusable, "cannot issue a token: " + issued.message());
        token = *issued;
    }
    token.servers = {*server};

    engine::ClientSessionConfig config;
    config.tickRate = o.tickRate;
    config.snapshotRate = 0;  // whatever the server sends: a live match, or a playback of every tick
    config.transport.token = token;
    config.transport.handshakeTimeoutMs = 10000;
    Progress progress("capture");
    auto made = arena::ArenaCapture::create(config, o.out, [&](const std::string& line) {
        progress.clear();
        say(kExitDamaged, line);
    });
    if (!made) return say(kExitUnusable, made.detail().empty() ? made.message() : made.detail());
    auto& capture = **made;
    if (auto ok = capture.connect(); !ok) return say(kExitDamaged, "cannot connect: " + ok.message());
    arena::tool::catchStopSignals();
    std::cerr << "tickwire-replay: capturing " << server->toString() << " into " << o.out << '\n';

    const double started = nowSeconds();
    std::string ended = "stopped";
    while (stopRequested == 0) {
        const double now = nowSeconds();
        if (o.seconds > 0 && now - started >= o.seconds) {
            ended = "--seconds reached";
            break;
        }
        if (capture.update(now) == arena::CaptureState::Ended) {
            if (capture.problem()) {
                ended = *capture.problem() + ": pass --tick-rate";
            } else if (const auto reason = capture.disconnected()) {
                ended = (capture.figures().frames > 0 ? "the server went away (" : "could not join the server (") +
                        std::string(describe(*reason)) + ")";
            } else {
                ended = "the recording failed";
            }
            break;
        }
        const auto f = capture.figures();
        char text[160];
        std::snprintf(text, sizeof text, "%llu ticks, %.1f kB, %.1f s", static_cast<unsigned long long>(f.frames),
                      static_cast<double>(f.bytes) / 1000.0, now - started);
        progress.show(text);
        // Up to 1 ms for traffic: snapshots that arrive between two updates would leave only
        // the newest to record.
        capture.session().transport().update(1);
    }
    capture.close();
    progress.clear();
    const auto f = capture.figures();
    std::cerr << "tickwire-replay: " << ended << "; captured " << f.frames << " ticks";
    if (f.firstTick) std::cerr << " (" << *f.firstTick << ".." << *f.lastTick << ")";
    std::cerr << " and " << count(f.events, "event") << ", " << f.bytes << " bytes, into " << o.out << '\n';
    if (capture.problem()) return kExitUnusable;
    if (f.frames == 0) return say(kExitDamaged, "nothing was recorded");
    return f.writeErrors > 0 ? kExitDamaged : kExitOk;
}

// ---------------------------------------------------------------------------------------
// play

struct PlayCliOptions {
    std::string file;
    std::uint16_t port = 0;
    std::string keyFile;
    double speed = 1.0;
    std::optional<std::uint32_t> from;
    bool loop = false;
    std::size_t spectators = 16;
};

int runPlay(const PlayCliOptions& o) {
    auto reader = openReplay(o.file);
    if (!reader) return kExitUnusable;
    std::string keyError;
    const auto key = cli::loadKey(o.keyFile, keyError);
    if (!key) return say(kExitUnusable, keyError);
    const auto& v = reader->verification();
    if (v.badChunk) std::cerr << "tickwire-replay: " << v.problem << "; playing the ticks before it\n";
    const std::uint32_t tickRate = reader->info().tickRate;

    net::ServerConfig transport;
    transport.key = *key;
    transport.bind = net::Address{0, o.port};
    // Room beyond the spectators for players who join and are turned away.
    transport.maxClients = o.spectators + 4;
    transport.publicAddresses.push_back(net::Address::loopback(o.port));
    Progress progress("play");
    transport.log = [&](net::LogLevel level, std::string_view line) {
        if (level == net::LogLevel::Debug) return;
        progress.clear();
        std::cerr << "[" << describe(level) << "] " << line << '\n';
    };
    auto made = arena::ReplayPlayer::create(std::move(reader), transport, {.speed = o.speed, .from = o.from, .loop = o.loop});
    if (!made) return say(made.error() == engine::Error::InvalidArgument ? kExitUnusable : kExitDamaged, made.detail());
    auto& player = **made;
    arena::tool::catchStopSignals();
    std::cerr << "tickwire-replay: playing " << o.file << " at " << tickRate << " ticks per second x " << o.speed
              << " on " << player.session().transport().address().toString()
              << "; playback starts when the first spectator joins\n";

    int code = kExitOk;
    std::optional<double> finishedAt;
    while (stopRequested == 0) {
        const double now = nowSeconds();
        const auto state = player.update(now);
        if (state == arena::PlayState::Failed) {
            progress.clear();
            code = say(kExitDamaged, player.problem());
            break;
        }
        // The last ticks and events leave on the next updates: linger a little for them.
        if (state == arena::PlayState::Finished) {
            if (!finishedAt) finishedAt = now;
            if (now - *finishedAt > 0.5) break;
        }
        if (state == arena::PlayState::Playing) {
            const auto f = player.figures();
            progress.show("tick " + std::to_string(player.nextRecordedTick()) + ", " + std::to_string(f.spectators) +
                          " spectators, pass " + std::to_string(f.passes));
        }
        const double due = std::min(player.nextDue(now), now + 0.05);
        while (stopRequested == 0 && nowSeconds() + 0.0005 < due) player.session().transport().update(1);
    }
    progress.clear();
    player.shutdown();
    const auto f = player.figures();
    std::cerr << "tickwire-replay: played " << count(f.ticksPlayed, "tick") << " (" << count(f.framesPlayed, "recorded frame")
              << ", " << count(f.eventsSent, "event") << ") in " << count(f.passes, "pass", "passes") << " to up to "
              << count(f.spectatorsPeak, "spectator") << "; turned away " << count(f.kicked, "player") << '\n';
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Records, checks, prints, plays back and draws replays of the sample arena\n"
                 "(arena-server --record FILE writes them too).",
                 "tickwire-replay"};
    app.require_subcommand(1);
    app.footer("Exit status: 0 done; 1 the file is damaged where it mattered, or the work\n"
               "failed (a capture, a playback, writing a picture); 2 the input cannot be used\n"
               "(not an arena replay, another format version or game, a bad option).\n"
               "Format: docs/REPLAY_FORMAT.md");

    CaptureOptions capture;
    auto* captureCommand = app.add_subcommand("capture", "Record a live server's match as a spectator sees it.");
    captureCommand->footer("Records every new snapshot the server sends (each tick once, in order) and\n"
                           "every game event, at the tick of the newest snapshot. Ends at --seconds, on\n"
                           "SIGINT/SIGTERM, or when the server goes away; the file is closed (indexed) in\n"
                           "every case. Exits 0 when anything was recorded.");
    captureCommand->add_option("--server", capture.server, "The server to watch")->required()->type_name("HOST:PORT");
    auto* tokenOption = captureCommand->add_option("--token", capture.tokenFile, "A connect token for that server")
                            ->type_name("TOKENFILE");
    captureCommand->add_option("--key", capture.keyFile,
                               "Development: mint a spectator token from the server key instead of --token")
        ->type_name("KEYFILE")->excludes(tokenOption);
    captureCommand->add_option("--out", capture.out, "Replay file to write (replaced if it exists)")
        ->required()->type_name("FILE");
    captureCommand->add_option("--seconds", capture.seconds, "Stop after this many seconds (0: until the server goes away)")
        ->type_name("S")->check(cli::range(0.0, 1e7))->capture_default_str();
    captureCommand->add_option("--tick-rate", capture.tickRate, "The server's --tick-rate")
        ->type_name("HZ")->check(cli::range<std::uint32_t>(10, 240))->capture_default_str();

    InfoOptions info;
    auto* infoCommand = app.add_subcommand("info", "Describe a replay: time, ticks, entities, bandwidth, damage.");
    infoCommand->footer("Bandwidth counts the bytes of encoded frames: the mean over the recording and\n"
                        "the peak over any one second. Exits 0 whenever the header is readable.");
    infoCommand->add_option("FILE", info.file, "Replay file")->required();
    infoCommand->add_flag("--json", info.json, "Print one JSON object instead");

    DumpOptions dump;
    auto* dumpCommand = app.add_subcommand("dump", "Print recorded ticks and events, one JSON object per line.");
    dumpCommand->footer("Frame lines: {\"tick\":T,\"entities\":[{\"id\":..,\"x\":..,\"y\":..,\"aim\":..,...}]}\n"
                        "  x and y in metres, aim in radians, then health, score, deaths, hits,\n"
                        "  respawn_ticks, cooldown_ticks, alive, firing.\n"
                        "Event lines: {\"tick\":T,\"event\":\"match\",...} or {\"tick\":T,\"event\":\"unknown\",\"bytes\":\"HEX\"}.");
    dumpCommand->add_option("FILE", dump.file, "Replay file")->required();
    dumpCommand->add_option("--from", dump.from, "First tick to print")->type_name("TICK");
    dumpCommand->add_option("--to", dump.to, "Last tick to print")->type_name("TICK");
    dumpCommand->add_flag("--json", dump.json, "Required: the output is JSON lines");

    std::string verifyFile;
    auto* verifyCommand = app.add_subcommand("verify", "Check every chunk and the index; name the first bad one.");
    verifyCommand->footer("Every chunk's framing and checksums are checked and every chunk is decoded.\n"
                          "Exits 0 when all are intact (a file never closed, with no index, included), 1\n"
                          "naming the first bad or incomplete chunk and the ticks intact before it, 2 when\n"
                          "the file is not an arena replay of this format version.");
    verifyCommand->add_option("FILE", verifyFile, "Replay file")->required();

    PlayCliOptions play;
    auto* playCommand = app.add_subcommand("play", "Serve a replay to spectators as if it were live.");
    playCommand->footer("Playback starts when the first spectator joins; players (not spectators) are\n"
                        "turned away. Tick numbers continue from the server's own, and the match events\n"
                        "are moved onto them. Ends at the end of the recording (never with --loop) or on\n"
                        "SIGINT/SIGTERM, telling every spectator the server is shutting down.");
    playCommand->add_option("FILE", play.file, "Replay file")->required();
    playCommand->add_option("--port", play.port, "UDP port to listen on (all interfaces); 0 takes a free one (printed on start)")
        ->required()->type_name("PORT")->check(cli::port(true));
    playCommand->add_option("--key", play.keyFile, "Server key file: spectators' tokens must be issued with it")
        ->required()->type_name("KEYFILE");
    playCommand->add_option("--speed", play.speed, "Playback speed, 0.1..16 (ticks per second = tick rate x speed)")
        ->type_name("X")->check(cli::range(0.1, 16.0))->capture_default_str();
    playCommand->add_option("--from", play.from, "Start at the first recorded tick at or after this one")->type_name("TICK");
    playCommand->add_flag("--loop", play.loop, "Start over at the end, until stopped");
    playCommand->add_option("--spectators", play.spectators, "Spectators at once")
        ->type_name("N")->check(cli::range<std::size_t>(1, 256))->capture_default_str();

    RenderOptions render;
    auto* renderCommand = app.add_subcommand("render", "Draw a replay as a PNG or SVG: paths, deaths, bandwidth, entities.");
    renderCommand->footer("The arena (axes in metres) with each player's path in its own colour and an X\n"
                          "where a player died, a key of player ids and their colours beside it; below,\n"
                          "encoded frames in kbit/s and entities over time. An --out ending in .svg\n"
                          "writes SVG, any other a PNG.");
    renderCommand->add_option("FILE", render.file, "Replay file")->required();
    renderCommand->add_option("--out", render.out, "Picture to write: SVG if it ends in .svg, else PNG")
        ->required()->type_name("FILE.png");
    renderCommand->add_option("--from", render.from, "First tick to draw")->type_name("TICK");
    renderCommand->add_option("--to", render.to, "Last tick to draw")->type_name("TICK");
    renderCommand->add_option("--width", render.width, "Picture width, pixels")
        ->type_name("PX")->check(cli::range<int>(arena::kRenderMinSide, arena::view::kMaxPictureSide))->capture_default_str();
    renderCommand->add_option("--height", render.height, "Picture height, pixels")
        ->type_name("PX")->check(cli::range<int>(arena::kRenderMinSide, arena::view::kMaxPictureSide))->capture_default_str();

    if (auto code = cli::parse(app, argc, argv)) return *code;
    try {
        if (*captureCommand) return runCapture(capture);
        if (*infoCommand) return runInfo(info);
        if (*dumpCommand) return runDump(dump);
        if (*verifyCommand) return runVerify(verifyFile);
        if (*playCommand) return runPlay(play);
        return runRender(render);
    } catch (const std::exception& e) {
        return say(kExitDamaged, e.what());
    }
}
