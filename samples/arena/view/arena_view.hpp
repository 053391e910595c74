#pragma once
/// \file arena_view.hpp
/// What the arena viewer shows, and how it is drawn: a plain view model that the client fills
/// from whatever it knows (predicted local player, interpolated remote players, the server's
/// idea of the local player, network figures), and one function that draws it with cairo.
/// Nothing here touches the network or a window, so a frame can be drawn and checked in a
/// test, saved as a PNG or SVG (savePicture), or shown by SdlViewer.
///
/// Include it as `#include "view/arena_view.hpp"`: the `arena_view_dep` dependency puts
/// samples/arena on the include path (which also provides `arena_game.hpp`).
///
/// Layout (viewLayout): a side panel on the right holds the legend of every mark, the network
/// figures and the scoreboard; the 40 m × 30 m arena fills the rest, scaled uniformly and
/// centred, with axes in metres along its left and bottom edges. Nothing is drawn over the
/// arena but the game. World x grows to the right and world y grows UP, so an aim angle
/// measured counter-clockwise from +x looks counter-clockwise: the world origin (0, 0) is the
/// bottom-left corner of the arena.
///
///     arena::view::ViewModel model;
///     model.players.push_back({.id = 7, .x = 5.0, .y = 5.0, .aim = 0.0, .health = 100,
///                              .alive = true, .firing = false, .local = true, .score = 0});
///     arena::view::drawArena(cr, 1024, 768, model);

#include "view/picture.hpp"

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

/// Network figures shown in the side panel. Non-finite values show as "--".
struct NetOverlay {
    double rttMs = 0.0;             ///< round-trip time, ms
    double lossPct = 0.0;           ///< packet loss, percent 0..100
    double kbpsIn = 0.0;            ///< received, kilobits per second
    double kbpsOut = 0.0;           ///< sent, kilobits per second
    std::uint64_t corrections = 0;  ///< prediction corrections so far
    double interpDelayMs = 0.0;     ///< interpolation delay of remote players, ms
    std::uint32_t tick = 0;         ///< the tick shown
    double matchSecondsLeft = 0.0;  ///< s, shown as m:ss (rounded down, clamped to 0..99:59)
    bool connected = false;         ///< false adds a "disconnected" line in kWarningColour
};

/// Everything one frame shows.
struct ViewModel {
    /// Every player, local one included, in any order; drawn in order, local player last.
    std::vector<ViewPlayer> players;
    /// Where the server last put the local player (drawn as a kGhostColour ring around where
    /// the player's disc would be), if shown.
    std::optional<ViewPlayer> ghost;
    /// The network figures and scoreboard in the side panel, if shown.
    std::optional<NetOverlay> overlay;
};

/// Around the arena and its axes.
inline constexpr Rgba kBackgroundColour{8, 8, 10, 255};
/// The arena floor.
inline constexpr Rgba kFloorColour{34, 38, 46, 255};
/// The 5 m grid on the floor.
inline constexpr Rgba kGridColour{44, 49, 59, 255};
/// Every wall of arena::kWalls, filled.
inline constexpr Rgba kWallColour{190, 190, 196, 255};
/// The local player's disc.
inline constexpr Rgba kLocalColour{60, 200, 90, 255};
/// Other players' discs.
inline constexpr Rgba kRemoteColour{235, 110, 40, 255};
/// The ring of a dead local player.
inline constexpr Rgba kLocalDeadColour{70, 150, 85, 255};
/// The ring of a dead remote player.
inline constexpr Rgba kRemoteDeadColour{170, 95, 55, 255};
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
/// The side panel.
inline constexpr Rgba kPanelColour{22, 24, 30, 255};
/// Text: panel lines, axis labels.
inline constexpr Rgba kTextColour{235, 235, 235, 255};
/// Quieter text: axis labels, section headings.
inline constexpr Rgba kDimTextColour{150, 154, 166, 255};
/// Text that needs attention ("disconnected").
inline constexpr Rgba kWarningColour{255, 90, 90, 255};

/// Most players listed on the scoreboard; the rest are summed up in one "+N more" line.
inline constexpr std::size_t kMaxScoreboardLines = 8;

/// Where the arena lies in a picture: a uniform scale and the position of its corners.
struct ArenaFrame {
    double left = 0.0;   ///< picture x of world x = 0, pixels
    double top = 0.0;    ///< picture y of world y = 30 m (the arena's top edge), pixels
    double scale = 0.0;  ///< pixels per metre

    /// Where the world point (xMetres, yMetres) lands in the picture, pixels. Points outside
    /// the arena land outside its rectangle.
    [[nodiscard]] std::pair<double, double> toPicture(double xMetres, double yMetres) const noexcept;
    /// Picture x of world x = 40 m.
    [[nodiscard]] double right() const noexcept;
    /// Picture y of world y = 0.
    [[nodiscard]] double bottom() const noexcept;
};

/// The arena as large as fits in the box (x, y, width, height) of a picture once room is
/// left for the axes' labels (text of `fontSize` pixels) on its left and below it; centred.
/// A zero scale when nothing fits.
[[nodiscard]] ArenaFrame fitArena(double x, double y, double width, double height, double fontSize) noexcept;

/// Draws the floor (with a 5 m grid), every wall of arena::kWalls, and the axes along the
/// left and bottom edges, ticked every 5 m and labelled in metres, at `fontSize` pixels.
void drawArenaMap(cairo_t* cr, const ArenaFrame& frame, double fontSize);

/// Where drawArena puts things in a picture of width × height pixels.
struct ViewLayout {
    ArenaFrame arena;         ///< the arena
    double panelLeft = 0.0;   ///< the side panel's left edge, pixels; it runs to the right edge
    double fontSize = 0.0;    ///< text size, pixels
};

/// The layout drawArena uses at this size (all zero when a side is below 1).
[[nodiscard]] ViewLayout viewLayout(int width, int height) noexcept;

/// Draws `model` over a picture of `width` × `height` pixels: background, the arena map,
/// tracers, players (discs, aim lines, health bars), the ghost, then the side panel (legend
/// of every mark, the network figures and scoreboard when model.overlay is set). Any values
/// in the model are accepted; nonsense (NaN positions, health out of range) is skipped or
/// clamped. Does nothing when a side is below 1.
void drawArena(cairo_t* cr, int width, int height, const ViewModel& model);

}  // namespace arena::view
