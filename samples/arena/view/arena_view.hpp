#pragma once
/// \file arena_view.hpp
/// What the arena viewer shows, and how it is drawn: a plain view model that the client fills
/// from whatever it knows (predicted local player, interpolated remote players, the server's
/// idea of the local player, network figures), and one function that draws it onto a Canvas.
/// Nothing here touches the network or a window, so a frame can be drawn and checked in a
/// test, written to a PNG, or shown by SdlViewer.
///
/// Include it as `#include "view/arena_view.hpp"`: the `arena_view_dep` dependency puts
/// samples/arena on the include path (which also provides `arena_game.hpp`).
///
/// Layout: the 40 m × 30 m arena is scaled uniformly to the largest size that fits the canvas
/// and centred in it; what is left over (when the aspect ratios differ) is kBackgroundColour.
/// World x grows to the right. World y grows UP on the screen, so an aim angle measured
/// counter-clockwise from +x looks counter-clockwise: the world origin (0, 0) is the
/// bottom-left corner of the arena on the canvas.
///
///     arena::view::ViewModel model;
///     model.players.push_back({.id = 7, .x = 5.0, .y = 5.0, .aim = 0.0, .health = 100,
///                              .alive = true, .firing = false, .local = true, .score = 0});
///     arena::view::drawArena(canvas, model);

#include "view/canvas.hpp"

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace arena::view {

/// One player as the viewer shows it.
struct ViewPlayer {
    std::uint32_t id = 0;  ///< entity id (shown on the scoreboard)
    double x = 0.0;        ///< m, 0..40 (any value is accepted; non-finite ones are not drawn)
    double y = 0.0;        ///< m, 0..30
    double aim = 0.0;      ///< radians, 0 = +x, counter-clockwise
    int health = 0;        ///< 0..100 (clamped when drawn)
    bool alive = true;     ///< dead players are drawn as a dim ring, without aim or health bar
    bool firing = false;   ///< fired this tick: a tracer is drawn up to the first wall
    bool local = false;    ///< the player this client controls
    int score = 0;         ///< kills this match
};

/// Network figures shown in a panel in the top-left corner. Non-finite values show as "--".
struct NetOverlay {
    double rttMs = 0.0;             ///< round-trip time, ms
    double lossPct = 0.0;           ///< packet loss, percent 0..100
    double kbpsIn = 0.0;            ///< received, kilobits per second
    double kbpsOut = 0.0;           ///< sent, kilobits per second
    std::uint64_t corrections = 0;  ///< prediction corrections so far
    double interpDelayMs = 0.0;     ///< interpolation delay of remote players, ms
    std::uint32_t tick = 0;         ///< the tick shown
    double matchSecondsLeft = 0.0;  ///< s, shown as m:ss (rounded down, clamped to 0..99:59)
    bool connected = false;         ///< false adds a "DISCONNECTED" line in kWarningColour
};

/// Everything one frame shows.
struct ViewModel {
    /// Every player, local one included, in any order; drawn in order, local player last.
    std::vector<ViewPlayer> players;
    /// Where the server last put the local player (drawn as a kGhostColour ring), if shown.
    std::optional<ViewPlayer> ghost;
    /// The network panel and scoreboard, if shown.
    std::optional<NetOverlay> overlay;
};

/// Outside the arena (letterbox bars).
inline constexpr Rgba kBackgroundColour{8, 8, 10, 255};
/// The arena floor.
inline constexpr Rgba kFloorColour{34, 38, 46, 255};
/// Every wall of arena::kWalls, filled.
inline constexpr Rgba kWallColour{190, 190, 196, 255};
/// The local player's disc.
inline constexpr Rgba kLocalColour{60, 200, 90, 255};
/// Other players' discs.
inline constexpr Rgba kRemoteColour{235, 110, 40, 255};
/// The ring of a dead local player.
inline constexpr Rgba kLocalDeadColour{40, 90, 50, 255};
/// The ring of a dead remote player.
inline constexpr Rgba kRemoteDeadColour{110, 60, 35, 255};
/// The aim line from the edge of a living player's disc.
inline constexpr Rgba kAimColour{245, 245, 245, 255};
/// The tracer of a firing player, from its disc to the first wall or kShotRange.
inline constexpr Rgba kTracerColour{255, 230, 80, 255};
/// The filled part of a health bar.
inline constexpr Rgba kHealthColour{110, 230, 110, 255};
/// The empty part of a health bar.
inline constexpr Rgba kHealthMissingColour{120, 30, 30, 255};
/// The ghost ring: the server's position of the local player.
inline constexpr Rgba kGhostColour{80, 230, 255, 255};
/// The overlay panel behind the text (translucent).
inline constexpr Rgba kPanelColour{0, 0, 0, 170};
/// Overlay text.
inline constexpr Rgba kTextColour{235, 235, 235, 255};
/// Overlay text that needs attention ("DISCONNECTED").
inline constexpr Rgba kWarningColour{255, 90, 90, 255};

/// Most players listed on the scoreboard; the rest are summed up in one "+N MORE" line.
inline constexpr std::size_t kMaxScoreboardLines = 8;

/// Canvas pixels per world metre for this canvas (0 for an empty canvas).
[[nodiscard]] double pixelsPerMetre(const Canvas& canvas) noexcept;

/// Where the world point (xMetres, yMetres) lands on the canvas, in pixel coordinates (see
/// the layout in the file comment). Points outside the arena map outside its rectangle;
/// (0, 0) for an empty canvas.
[[nodiscard]] std::pair<float, float> worldToCanvas(const Canvas& canvas, double xMetres, double yMetres) noexcept;

/// Draws `model` over the whole canvas: background, floor, walls, tracers, players (discs,
/// aim lines, health bars), the ghost, then the overlay panel. Does nothing on an empty
/// canvas. Any values in the model are accepted; nonsense (NaN positions, health out of
/// range) is skipped or clamped, never drawn outside the canvas.
void drawArena(Canvas& canvas, const ViewModel& model);

}  // namespace arena::view
