#pragma once
/// \file replay_render.hpp
/// One picture of a recorded arena match: a title band with the file and its figures; the
/// arena (axes in metres) with every player's path (one colour per entity id) and an X where
/// a player died, beside a key listing each id with its colour and deaths; below, a plot of
/// the recording's bandwidth (encoded frames in kbit/s) and entity count over time (s).
/// Frames are fed one at a time, so a long file streams through in bounded memory: paths are
/// thinned as they grow, and the plot keeps at most kRenderMaxBuckets points per series.
///
///     arena::ReplayRender render(info.tickRate, firstTick, lastTick);
///     for (each decoded chunk) for (i...) render.addFrame(chunk.frames[i], chunk.frameBytes[i]);
///     auto saved = arena::view::savePicture("match.png", 1200, 1100, [&](cairo_t* cr) {
///         (void)render.draw(cr, 1200, 1100, "match.twr");
///     });

#include "arena_game.hpp"
#include "view/arena_view.hpp"
#include "view/picture.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace arena {

/// Smallest picture side ReplayRender::draw accepts, pixels.
inline constexpr int kRenderMinSide = 200;
/// Most points per plotted series: time is divided into at most this many buckets.
inline constexpr std::size_t kRenderMaxBuckets = 2048;
/// Most path points kept over all players; beyond, paths are thinned.
inline constexpr std::size_t kRenderMaxPathPoints = 1u << 20;
/// Most death markers drawn.
inline constexpr std::size_t kRenderMaxMarkers = 100000;
/// Most players whose paths are drawn (the first seen); others only count in the plot.
inline constexpr std::size_t kRenderMaxTracks = 65536;

/// Accumulates frames of a recording and draws them. Not thread-safe.
class ReplayRender {
public:
    /// A render of ticks firstTick..lastTick (inclusive; frames outside are ignored) of a
    /// game at `tickRate` ticks per second (1..1000; 0 counts as 1).
    ReplayRender(std::uint32_t tickRate, std::uint32_t firstTick, std::uint32_t lastTick);

    /// Adds one frame and the bytes it took encoded in the file. Frames come in tick order.
    void addFrame(const ArenaGame::World& world, std::size_t encodedBytes);

    /// Frames added so far (within the tick range).
    [[nodiscard]] std::uint64_t frames() const noexcept { return frames_; }
    /// Deaths seen (a player alive in one frame and dead in the next).
    [[nodiscard]] std::uint64_t deaths() const noexcept { return deaths_; }

    /// Where draw() puts things in a picture of width × height pixels.
    struct Layout {
        view::ArenaFrame arena;  ///< the arena and its paths
        double fontSize = 0;     ///< text size, pixels
        double titleBottom = 0;  ///< the title band runs from the top down to here, pixels
        double keyLeft = 0;      ///< the key runs from here to the right edge, pixels
        double plotTop = 0;      ///< the plot runs from here to the bottom, pixels
    };

    /// The layout of a width × height picture (sizes as draw() accepts them).
    [[nodiscard]] static Layout layout(int width, int height) noexcept;

    /// The colour of an entity's path (and of its line in the key), opaque: the players drawn
    /// get, in order of id, twelve colours chosen to tell apart on the dark floor, then hues
    /// spread round the circle by the golden ratio. An id not seen yet gets the colour it
    /// would have if it were the next one.
    [[nodiscard]] view::Rgba pathColour(tickwire::engine::EntityId id) const;

    /// Draws the picture on `cr` over width × height pixels (kRenderMinSide..
    /// view::kMaxPictureSide each), `title` in the band on top. False, drawing nothing, for
    /// any other size.
    [[nodiscard]] bool draw(cairo_t* cr, int width, int height, const std::string& title) const;

private:
    // The colour of the rank-th player in order of id (0 first).
    [[nodiscard]] static view::Rgba colourOfRank(std::size_t rank);

    struct Point {
        float x;
        float y;
    };
    struct Track {
        std::vector<std::vector<Point>> segments;
        Point last{};            // the last position seen, kept or not
        bool alive = false;      // in the last frame seen
        bool seen = false;
        std::uint64_t deaths = 0;
    };
    struct Marker {
        float x;
        float y;
        tickwire::engine::EntityId id;
    };
    struct Bucket {
        std::uint64_t bytes = 0;
        std::uint64_t entities = 0;
        std::uint64_t frames = 0;
    };

    // A player moves 0.1 m per tick: anything much further in one frame is a respawn or a
    // gap in the recording, not a path to draw.
    static constexpr float kJumpMetres = 3.0f;

    void addPlayer(tickwire::engine::EntityId id, const Player& p);

    // Keeps points at least twice as far apart as before (the ends of each segment stay).
    void thin();

    static void line(cairo_t* cr, double x0, double y0, double x1, double y1, view::Rgba colour, double width);

    // An X for a death, with a dark outline that keeps it readable over the paths.
    static void cross(cairo_t* cr, double x, double y, double arm, double width);

    void drawTitle(cairo_t* cr, const Layout& l, const std::string& title) const;

    void drawPaths(cairo_t* cr, const Layout& l) const;

    // Each id with its path colour and deaths, as many as fit; then "+N more".
    void drawKey(cairo_t* cr, const Layout& l, int width) const;

    /// 1, 2 or 5 × 10^k, the smallest at or above `v` (1 for nothing to show).
    static double niceCeiling(double v);

    /// `v`, a multiple of `step` (1, 2 or 5 × 10^k), with as many decimals as the step needs.
    static std::string number(double v, double step);

    void drawPlot(cairo_t* cr, const Layout& l, int width, int height) const;

    std::uint32_t tickRate_;
    std::uint32_t firstTick_;
    std::uint32_t lastTick_;
    double bucketTicks_ = 1.0;
    std::vector<Bucket> buckets_;
    std::map<tickwire::engine::EntityId, Track> tracks_;
    std::vector<Marker> markers_;
    std::size_t points_ = 0;
    float minStep_ = 0.2f;
    std::uint64_t frames_ = 0;
    std::uint64_t deaths_ = 0;
    std::optional<std::uint32_t> seenFirst_;
    std::uint32_t seenLast_ = 0;
};

}  // namespace arena
