#pragma once
// tickwire-replay's subcommands, one file each (capture.cpp, info.cpp, ...): the options
// each takes, the function that runs it, and what they share: the exit codes, opening a
// replay and saying why it cannot be used, the sentences that name a damaged chunk, a live
// status line. main.cpp holds the command line that fills the options (CLI11, which costs
// every file that includes it seconds to compile, is included there alone).

#include "arena_game.hpp"

#include <tickwire/engine/replay.hpp>

#include <tool_cli.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>

namespace tickwire::replay_tool {

using Reader = engine::ReplayReader<arena::ArenaGame::Codec>;
}  // namespace tickwire::replay_tool

// Compiled once, in common.cpp, rather than in every subcommand's file.
extern template class tickwire::engine::ReplayReader<arena::ArenaGame::Codec>;

namespace tickwire::replay_tool {

// Read as cmp(1) reads them (tool_cli.hpp): done; the file is damaged where it mattered, or
// the work failed; the input cannot be used at all.
constexpr int kExitOk = cli::kExitOk;
constexpr int kExitDamaged = cli::kExitFailed;
constexpr int kExitUnusable = cli::kExitUsage;

/// Prints "tickwire-replay: MESSAGE" on stderr and returns `code`.
int say(int code, const std::string& message);

std::string inQuotes(const std::string& text);

/// "1 event", "2 events" ("1 pass", "2 passes" with the plural given).
std::string count(std::uint64_t n, const std::string& noun, const std::string& plural = {});

/// The replay at `path`, or none after saying why (the caller exits kExitUnusable).
std::unique_ptr<Reader> openReplay(const std::string& path);

/// "chunk 3 (at byte 12345) does not decode: PROBLEM".
std::string chunkProblem(const Reader& reader, std::size_t i, const std::string& problem);

/// True when the file is damaged and ticks up to `to` may lie beyond its intact part.
bool damagedBefore(const Reader& reader, std::uint32_t to);

/// "chunk 3 of 10".
std::string chunkProgress(std::size_t i, std::size_t n);

/// A live status line on a terminal (stderr), at most five times a second; nothing when
/// stderr is a file or a pipe.
class Progress {
public:
    explicit Progress(std::string what);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void show(const std::string& text, bool now = false);
    void clear();

private:
    std::string what_;
    bool tty_;
    bool shown_ = false;
    double last_ = 0;
};

struct CaptureOptions {
    std::string server;     ///< HOST:PORT
    std::string tokenFile;  ///< a connect token for it, or
    std::string keyFile;    ///< the server key, to mint a spectator token (development)
    std::string out;
    double seconds = 0;     ///< 0: until the server goes away
    std::uint32_t tickRate = arena::kTickRate;
};
int runCapture(const CaptureOptions& o);

struct InfoOptions {
    std::string file;
    bool json = false;
};
int runInfo(const InfoOptions& o);

struct DumpOptions {
    std::string file;
    std::uint32_t from = 0;
    std::uint32_t to = std::numeric_limits<std::uint32_t>::max();
    bool json = false;
};
int runDump(const DumpOptions& o);

int runVerify(const std::string& file);

struct PlayCliOptions {
    std::string file;
    std::uint16_t port = 0;
    std::string keyFile;
    double speed = 1.0;
    std::optional<std::uint32_t> from;
    bool loop = false;
    std::size_t spectators = 16;
};
int runPlay(const PlayCliOptions& o);

struct RenderOptions {
    std::string file;
    std::string out;
    std::uint32_t from = 0;
    std::uint32_t to = std::numeric_limits<std::uint32_t>::max();
    int width = 1200;
    int height = 1100;
};
int runRender(const RenderOptions& o);

}  // namespace tickwire::replay_tool
