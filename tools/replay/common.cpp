// What every tickwire-replay subcommand shares (replay_tool.hpp).

#include "replay_tool.hpp"

#include "arena_replay.hpp"
#include "arena_tool.hpp"

#include <unistd.h>

#include <iostream>
#include <utility>

template class tickwire::engine::ReplayReader<arena::ArenaGame::Codec>;

namespace tickwire::replay_tool {

int say(int code, const std::string& message) {
    std::cerr << "tickwire-replay: " << message << '\n';
    return code;
}

std::string inQuotes(const std::string& text) { return "'" + text + "'"; }

std::string count(std::uint64_t n, const std::string& noun, const std::string& plural) {
    return std::to_string(n) + " " + (n == 1 ? noun : plural.empty() ? noun + "s" : plural);
}

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
    return engine::chunkProblem(i, reader.chunks()[i], problem);
}

bool damagedBefore(const Reader& reader, std::uint32_t to) {
    const auto& v = reader.verification();
    return v.badChunk && (!v.lastGoodTick || to > *v.lastGoodTick);
}

std::string chunkProgress(std::size_t i, std::size_t n) {
    return "chunk " + std::to_string(i + 1) + " of " + std::to_string(n);
}

Progress::Progress(std::string what) : what_(std::move(what)), tty_(isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() { clear(); }

void Progress::show(const std::string& text, bool now) {
    if (!tty_) return;
    const double t = arena::tool::nowSeconds();
    if (!now && t - last_ < 0.2) return;
    last_ = t;
    std::cerr << "\r\033[K" << what_ << ": " << text << std::flush;
    shown_ = true;
}

void Progress::clear() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
    shown_ = false;
}

}  // namespace tickwire::replay_tool
