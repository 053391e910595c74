// The arena viewer's pictures: what a player sees in the arena, the side panel, and the PNG
// and SVG files they are saved as.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "../../../support/made.hpp"
#include "../../../support/temp_dir.hpp"
#include "arena_game.hpp"
#include "view/arena_view.hpp"
#include "view/picture.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

using namespace arena::view;

namespace doctest {
template <>
struct StringMaker<Rgba> {
    static String convert(const Rgba& c) {
        std::string text = "{";
        text += std::to_string(c.r) + ", " + std::to_string(c.g) + ", " + std::to_string(c.b) + ", " +
                std::to_string(c.a) + "}";
        return text.c_str();
    }
};
}  // namespace doctest

namespace {

// Antialiasing softens edges only: well inside a shape, the colour is the shape's.
bool near(Rgba a, Rgba b, int tolerance = 6) {
    return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance && std::abs(a.b - b.b) <= tolerance;
}

Picture draw(int w, int h, const ViewModel& model) {
    auto picture = Picture::create(w, h);
    REQUIRE(picture.has_value());
    picture->draw([&](cairo_t* cr) { drawArena(cr, w, h, model); });
    return std::move(*picture);
}

// The colour of the pixel under a world point.
Rgba at(const Picture& picture, double x, double y) {
    const auto [px, py] = viewLayout(picture.width(), picture.height()).arena.toPicture(x, y);
    return picture.pixel(static_cast<int>(std::floor(px)), static_cast<int>(std::floor(py)));
}

ViewPlayer player(std::uint32_t id, double x, double y, bool local) {
    return {.id = id, .x = x, .y = y, .aim = 0.0, .health = 100, .alive = true, .firing = false, .local = local, .score = 0};
}

ViewModel match() {
    ViewModel model;
    model.players.push_back(player(1, 5.0, 5.0, true));
    model.players.push_back(player(2, 30.0, 20.0, false));
    model.overlay = NetOverlay{.rttMs = 82.0, .lossPct = 2.0, .kbpsIn = 12.3, .kbpsOut = 4.1, .corrections = 3,
                               .interpDelayMs = 66.0, .tick = 1234, .matchSecondsLeft = 299.5, .connected = true};
    return model;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("a picture refuses a side of zero, a negative side or one above 8192 pixels") {
    CHECK_FALSE(Picture::create(0, 10).has_value());
    CHECK_FALSE(Picture::create(10, -5).has_value());
    CHECK_FALSE(Picture::create(8193, 1).has_value());
    const auto p = Picture::create(8192, 1);
    REQUIRE(p.has_value());
    CHECK(p->width() == 8192);
    CHECK(p->pixel(0, 0) == Rgba{0, 0, 0, 0});
    CHECK(p->pixel(-1, 0) == Rgba{0, 0, 0, 0});
    CHECK(Picture{}.empty());
}

TEST_CASE("the arena shows the local player green, a remote one orange, every wall and the floor") {
    const Picture picture = draw(1024, 768, match());
    CHECK(near(at(picture, 5.0, 5.0), kLocalColour));
    CHECK(near(at(picture, 30.0, 20.0), kRemoteColour));
    for (const arena::Rect& w : arena::kWalls) {
        const double cx = (w.minX + w.maxX) / 200.0;
        const double cy = (w.minY + w.maxY) / 200.0;
        CAPTURE(cx);
        CAPTURE(cy);
        CHECK(near(at(picture, cx, cy), kWallColour));
    }
    CHECK(near(at(picture, 14.3, 11.7), kFloorColour));
    CHECK(near(at(picture, 26.3, 27.1), kFloorColour));

    // y grows upward: the world's origin is the arena's bottom-left corner, and the arena
    // keeps its 4:3 shape.
    const ViewLayout l = viewLayout(1024, 768);
    const auto [x0, y0] = l.arena.toPicture(0.0, 0.0);
    const auto [x1, y1] = l.arena.toPicture(40.0, 30.0);
    CHECK(x0 < x1);
    CHECK(y0 > y1);
    CHECK((x1 - x0) / (y0 - y1) == doctest::Approx(4.0 / 3.0));
    CHECK(l.arena.scale > 15.0);
}

TEST_CASE("the side panel is beside the arena, not over it, and carries the legend and the figures") {
    ViewModel model = match();
    const Picture with = draw(1024, 768, model);
    model.overlay.reset();
    const Picture without = draw(1024, 768, model);

    const ViewLayout l = viewLayout(1024, 768);
    CHECK(l.arena.right() < l.panelLeft);
    // The arena is the same with or without the figures: nothing covers it.
    for (int y = static_cast<int>(l.arena.top); y < static_cast<int>(l.arena.bottom()); y += 3) {
        for (int x = static_cast<int>(l.arena.left); x < static_cast<int>(l.arena.right()); x += 3) {
            REQUIRE(with.pixel(x, y) == without.pixel(x, y));
        }
    }
    // The panel holds text and marks: many pixels that are not the panel's colour, more of
    // them with the figures than with the legend alone.
    auto inked = [&](const Picture& p) {
        std::size_t n = 0;
        for (int y = 0; y < p.height(); ++y) {
            for (int x = static_cast<int>(l.panelLeft) + 1; x < p.width(); ++x) n += near(p.pixel(x, y), kPanelColour, 2) ? 0u : 1u;
        }
        return n;
    };
    const std::size_t legendOnly = inked(without);
    const std::size_t all = inked(with);
    CHECK(legendOnly > 2000u);
    CHECK(all > legendOnly + 2000u);
    // The legend shows each mark's colour.
    for (Rgba mark : {kLocalColour, kRemoteColour, kGhostColour, kTracerColour, kRemoteDeadColour, kHealthColour, kWallColour}) {
        bool found = false;
        for (int y = 0; y < without.height() && !found; ++y) {
            for (int x = static_cast<int>(l.panelLeft); x < without.width() && !found; ++x) found = near(without.pixel(x, y), mark, 2);
        }
        CAPTURE(mark);
        CHECK(found);
    }
    // The axes are labelled below and left of the arena.
    std::size_t labels = 0;
    for (int y = static_cast<int>(l.arena.bottom()) + 2; y < 768; ++y) {
        for (int x = 0; x < static_cast<int>(l.panelLeft); ++x) labels += near(with.pixel(x, y), kBackgroundColour, 2) ? 0u : 1u;
    }
    CHECK(labels > 200u);
}

TEST_CASE("a dead player is a ring, a firing one's tracer stops at the first wall, and the ghost is a ring") {
    ViewModel model;
    ViewPlayer shooter = player(1, 5.0, 15.0, true);
    shooter.firing = true;  // aims +x, at the central block (18..22 m)
    model.players.push_back(shooter);
    ViewPlayer dead = player(2, 34.0, 4.0, false);
    dead.alive = false;
    model.players.push_back(dead);
    model.ghost = player(1, 11.0, 26.0, true);
    const Picture picture = draw(1024, 768, model);

    CHECK(near(at(picture, 5.0, 15.0), kLocalColour));
    CHECK(near(at(picture, 12.0, 15.0), kTracerColour));
    CHECK(near(at(picture, 17.8, 15.0), kTracerColour));
    CHECK(near(at(picture, 20.0, 15.0), kWallColour));
    CHECK(near(at(picture, 26.0, 16.0), kFloorColour));

    const double r = arena::kPlayerRadiusCm / 100.0;
    // Off the 5 m grid lines, so that the middle of a ring is bare floor.
    // A ring: somewhere between the centre and a little beyond the player's radius (the
    // ghost's ring goes round the disc), the ring's colour.
    auto ringAt = [&](double cx, double cy, Rgba colour) {
        for (double d = 0.0; d < r + 0.4; d += 0.01) {
            if (near(at(picture, cx + d, cy), colour, 20)) return true;
        }
        return false;
    };
    CHECK(near(at(picture, 34.0, 4.0), kFloorColour));
    CHECK(ringAt(34.0, 4.0, kRemoteDeadColour));
    CHECK(near(at(picture, 11.0, 26.0), kFloorColour));
    CHECK(ringAt(11.0, 26.0, kGhostColour));
    // Where the ghost and the player coincide, both show.
    ViewModel same;
    same.players.push_back(player(1, 11.0, 26.0, true));
    same.ghost = same.players[0];
    const Picture both = draw(1024, 768, same);
    CHECK(near(at(both, 11.0, 26.0), kLocalColour));
    bool ghostShows = false;
    for (double d = r; d < r + 0.4; d += 0.01) ghostShows = ghostShows || near(at(both, 11.0 + d, 26.0), kGhostColour, 20);
    CHECK(ghostShows);
    CHECK_FALSE(ringAt(11.0, 20.5, kGhostColour));
}

TEST_CASE("hostile values in the model draw nothing outside the arena and do not crash") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    ViewModel model;
    model.players.push_back({.id = 1, .x = nan, .y = 3.0, .aim = 0.0, .health = 100, .alive = true, .firing = true,
                             .local = true, .score = 0});
    model.players.push_back({.id = 2, .x = 1e300, .y = -1e300, .aim = inf, .health = -5000, .alive = true,
                             .firing = true, .local = false, .score = -1});
    model.players.push_back({.id = 3, .x = 10.0, .y = 10.0, .aim = nan, .health = 1 << 30, .alive = true,
                             .firing = true, .local = false, .score = 1 << 30});
    for (std::uint32_t id = 10; id < 60; ++id) model.players.push_back(player(id, 1.0 * (id % 40), 2.0, false));
    model.ghost = ViewPlayer{.id = 1, .x = inf, .y = nan};
    model.overlay = NetOverlay{.rttMs = nan, .lossPct = inf, .kbpsIn = -1e300, .kbpsOut = 1e300,
                               .corrections = ~std::uint64_t{0}, .interpDelayMs = nan, .tick = ~0u,
                               .matchSecondsLeft = 1e300, .connected = false};
    for (auto [w, h] : {std::pair{1024, 768}, std::pair{320, 240}, std::pair{1, 1}, std::pair{4000, 50}}) {
        const Picture p = draw(w, h, model);
        CHECK(p.width() == w);
    }
    // The background around the arena keeps its colour, whatever the players' positions.
    const Picture p = draw(1024, 768, model);
    CHECK(near(p.pixel(2, 766), kBackgroundColour, 0));
}

TEST_CASE("a screenshot is a compressed PNG that cairo reads back at its size, the players where they stand") {
    tickwire::test::TempDir dir;
    const std::string path = dir.file("shot.png");
    const ViewModel model = match();
    const auto saved = savePicture(path, 1024, 768, [&](cairo_t* cr) { drawArena(cr, 1024, 768, model); });
    TICKWIRE_REQUIRE_OK(saved);

    const auto size = std::filesystem::file_size(path);
    CHECK(size > 1000u);
    CHECK(size < 1024u * 768u * 4u / 20u);  // far below the raw pixels
    cairo_surface_t* png = cairo_image_surface_create_from_png(path.c_str());
    REQUIRE(cairo_surface_status(png) == CAIRO_STATUS_SUCCESS);
    CHECK(cairo_image_surface_get_width(png) == 1024);
    CHECK(cairo_image_surface_get_height(png) == 768);
    // The same pixels as the picture drawn in memory, through a Picture over the PNG.
    auto copy = Picture::create(1024, 768);
    REQUIRE(copy);
    copy->draw([&](cairo_t* cr) {
        cairo_set_source_surface(cr, png, 0, 0);
        cairo_paint(cr);
    });
    cairo_surface_destroy(png);
    CHECK(near(at(*copy, 5.0, 5.0), kLocalColour));
    CHECK(near(at(*copy, 30.0, 20.0), kRemoteColour));

    // Saved again over the old file, and no temporary file is left beside it.
    REQUIRE(savePicture(path, 1024, 768, [&](cairo_t* cr) { drawArena(cr, 1024, 768, model); }));
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.file(""))) ++files;
    CHECK(files == 1u);
}

TEST_CASE("a file name ending in .svg gets an SVG document of the same picture") {
    tickwire::test::TempDir dir;
    const std::string path = dir.file("shot.SVG");
    CHECK(formatFor(path) == PictureFormat::Svg);
    CHECK(formatFor("shot.png") == PictureFormat::Png);
    CHECK(formatFor("svg") == PictureFormat::Png);
    const ViewModel model = match();
    const auto saved = savePicture(path, 800, 600, [&](cairo_t* cr) { drawArena(cr, 800, 600, model); });
    TICKWIRE_REQUIRE_OK(saved);
    const std::string svg = readFile(path);
    CHECK(svg.rfind("<?xml", 0) == 0);
    CHECK(svg.find("<svg") != std::string::npos);
    CHECK(svg.find("width=\"800pt\"") != std::string::npos);
    CHECK(svg.find("</svg>") != std::string::npos);
}

TEST_CASE("saving a picture says why it cannot and leaves nothing behind") {
    tickwire::test::TempDir dir;
    const auto nothing = [](cairo_t*) {};
    const std::string missing = dir.file("no-such-dir") + "/frame.png";
    const auto noDir = savePicture(missing, 40, 30, nothing);
    REQUIRE_FALSE(noDir);
    CHECK(noDir.error() == ViewError::WriteFailed);
    CHECK(noDir.detail().find(missing) != std::string::npos);
    CHECK(noDir.detail().find("No such file") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(missing));
    const auto noSvgDir = savePicture(dir.file("svg") + "/x.svg", 40, 30, nothing);
    REQUIRE_FALSE(noSvgDir);
    CHECK(noSvgDir.detail().find("No such file") != std::string::npos);

    const auto big = savePicture(dir.file("big.png"), 9000, 30, nothing);
    REQUIRE_FALSE(big);
    CHECK(big.error() == ViewError::InvalidSize);
    CHECK(big.detail().find("9000 x 30") != std::string::npos);
    const auto empty = writePng(Picture{}, dir.file("empty.png"));
    REQUIRE_FALSE(empty);
    CHECK(empty.error() == ViewError::InvalidSize);
    CHECK(empty.detail().find("empty") != std::string::npos);
    CHECK_FALSE(savePicture("", 40, 30, nothing));
}

TEST_CASE("text that is not UTF-8 is drawn with question marks instead of stopping the drawing") {
    auto picture = Picture::create(200, 40);
    REQUIRE(picture);
    picture->draw([](cairo_t* cr) {
        drawText(cr, 4, 20, "bad \xff\xfe name", kTextColour, 14.0);
        // Drawing still works after it.
        setColour(cr, kLocalColour);
        cairo_rectangle(cr, 150, 0, 50, 40);
        cairo_fill(cr);
        CHECK(cairo_status(cr) == CAIRO_STATUS_SUCCESS);
    });
    CHECK(near(picture->pixel(180, 30), kLocalColour, 0));
    std::size_t lit = 0;
    for (int y = 0; y < 40; ++y) {
        for (int x = 0; x < 140; ++x) lit += picture->pixel(x, y).a > 0 ? 1u : 0u;
    }
    CHECK(lit > 50u);
}
