#pragma once
/// \file arena_replay.hpp
/// What arena replays have of their own; recording, capturing and playing them is the
/// engine's (tickwire/engine/replay_recorder.hpp, replay_capture.hpp, replay_player.hpp).
/// The arena's game id, and what its MatchEvent means to a replay: it says which match is
/// on (a player keeps it in effect and moves its start tick to the playback's timeline),
/// and the tick rate the server runs at (a capture at another rate cannot go on).
///
///     auto recorder = arena::Recorder::create("match.twr", {.game = arena::kReplayGame, .tickRate = 60}, log);
///     auto capture = arena::Capture::create(config, "match.twr", arena::kReplayGame, arena::captureHooks(), log);
///     auto player = arena::Playback::create(std::move(reader), transport, {.hooks = arena::playHooks()});
///     // each a Result: check it before use, its message() says why it failed

#include "arena_events.hpp"
#include "arena_game.hpp"

#include <tickwire/engine/replay_capture.hpp>
#include <tickwire/engine/replay_player.hpp>
#include <tickwire/engine/replay_recorder.hpp>

namespace arena {

/// The game id arena replays carry in their header.
inline constexpr char kReplayGame[] = "tickwire-arena";

/// Records the arena's ticks (`arena-server --record`).
using Recorder = tickwire::engine::ReplayRecorder<ArenaGame::Codec>;
/// Records an arena match as a spectator sees it (`tickwire-replay capture`).
using Capture = tickwire::engine::ReplayCapture<ArenaGame>;
/// Serves a recorded arena match to spectators (`tickwire-replay play`).
using Playback = tickwire::engine::ReplayPlayer<ArenaGame>;

/// The arena's events to a player: a MatchEvent is lasting (a spectator that joins late
/// learns which match it is watching), and is sent with its start on the playback's
/// timeline and the snapshot rate the playback sends; every other event goes unchanged.
[[nodiscard]] tickwire::engine::PlayHooks playHooks();

/// The arena's events to a capture: a MatchEvent from a server at another tick rate than
/// the capture's ends it (its frames would be recorded at the wrong pace).
[[nodiscard]] tickwire::engine::CaptureHooks captureHooks();

}  // namespace arena
