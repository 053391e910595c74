// The arena viewer's SDL2 window, headless: run with SDL_VIDEODRIVER=dummy (set by meson).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "../../../support/made.hpp"
#include "../../../support/temp_dir.hpp"
#include "arena_game.hpp"
#include "view/arena_view.hpp"
#include "view/viewer_sdl.hpp"

#define SDL_MAIN_HANDLED
#include <SDL.h>

#include <stdlib.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

using namespace arena::view;

namespace {

// Opens a viewer on SDL's dummy driver, or on its offscreen one where dummy cannot render.
std::unique_ptr<SdlViewer> openHeadless(int width, int height) {
    auto viewer = SdlViewer::open(width, height, "arena test");
    if (!viewer) {
        MESSAGE("SDL_VIDEODRIVER=" << (std::getenv("SDL_VIDEODRIVER") ? std::getenv("SDL_VIDEODRIVER") : "(unset)")
                                   << " failed (" << viewer.detail() << "), trying offscreen");
        ::setenv("SDL_VIDEODRIVER", "offscreen", 1);
        viewer = SdlViewer::open(width, height, "arena test");
    }
    TICKWIRE_REQUIRE_OK(viewer);
    return std::move(*viewer);
}

bool sameRgb(Rgba a, Rgba b) { return a.r == b.r && a.g == b.g && a.b == b.b; }

// Antialiasing and scaling soften edges only: well inside a shape, the colour is the shape's.
bool near(Rgba a, Rgba b, int tolerance = 8) {
    return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance && std::abs(a.b - b.b) <= tolerance;
}

// The colour under a world point of a frame drawn at `drawn` size and shown at `shown`'s.
Rgba at(const Picture& shown, std::pair<int, int> drawn, double x, double y) {
    const auto [px, py] = viewLayout(drawn.first, drawn.second).arena.toPicture(x, y);
    const double sx = static_cast<double>(shown.width()) / drawn.first;
    const double sy = static_cast<double>(shown.height()) / drawn.second;
    return shown.pixel(static_cast<int>(std::floor(px * sx)), static_cast<int>(std::floor(py * sy)));
}

Picture frameOf(int w, int h, const ViewModel& model) {
    auto frame = Picture::create(w, h);
    REQUIRE(frame.has_value());
    frame->draw([&](cairo_t* cr) { drawArena(cr, w, h, model); });
    return std::move(*frame);
}

void pushKey(SDL_Keycode key) {
    SDL_Event e{};
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = key;
    e.key.repeat = 0;
    REQUIRE(SDL_PushEvent(&e) == 1);
}

}  // namespace

TEST_CASE("a headless viewer presents an arena frame and reads back the same players and walls") {
    auto viewer = openHeadless(640, 480);
    const auto [w, h] = viewer->outputSize();
    REQUIRE(w == 640);
    REQUIRE(h == 480);

    Picture nothing;
    CHECK_FALSE(viewer->readBack(nothing));
    CHECK(viewer->lastError().find("nothing has been presented") != std::string::npos);

    ViewModel model;
    model.players.push_back(
        {.id = 1, .x = 5.0, .y = 5.0, .aim = 0.5, .health = 75, .alive = true, .firing = false, .local = true, .score = 2});
    model.players.push_back(
        {.id = 2, .x = 30.0, .y = 20.0, .aim = 3.0, .health = 100, .alive = true, .firing = true, .local = false, .score = 1});
    model.ghost = model.players[0];
    model.ghost->x = 6.0;
    model.overlay = NetOverlay{.rttMs = 82.0, .lossPct = 2.0, .kbpsIn = 12.3, .kbpsOut = 4.1, .corrections = 3,
                               .interpDelayMs = 66.0, .tick = 1234, .matchSecondsLeft = 299.0, .connected = true};
    const Picture frame = frameOf(640, 480, model);
    CHECK(viewer->pump());
    viewer->present(frame);
    CHECK(viewer->lastError().empty());

    Picture shown;
    REQUIRE(viewer->readBack(shown));
    REQUIRE(shown.width() == 640);
    REQUIRE(shown.height() == 480);

    tickwire::test::TempDir dir;
    const std::string path = dir.file("viewer.png");
    const auto written = writePng(shown, path);
    TICKWIRE_REQUIRE_OK(written);
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    REQUIRE(bytes.size() > 8u);
    CHECK(std::string(bytes.begin() + 1, bytes.begin() + 4) == "PNG");

    const std::pair<int, int> size{640, 480};
    CHECK(near(at(shown, size, 5.0, 5.0), kLocalColour));
    CHECK(near(at(shown, size, 30.0, 20.0), kRemoteColour));
    for (const arena::Rect& wall : arena::kWalls) {
        CHECK(near(at(shown, size, (wall.minX + wall.maxX) / 200.0, (wall.minY + wall.maxY) / 200.0), kWallColour));
    }
    CHECK(near(at(shown, size, 14.3, 11.7), kFloorColour));
    // Shown 1:1, so the whole frame comes back as drawn.
    std::size_t different = 0;
    for (int y = 0; y < 480; ++y) {
        for (int x = 0; x < 640; ++x) different += sameRgb(shown.pixel(x, y), frame.pixel(x, y)) ? 0u : 1u;
    }
    CHECK(different == 0u);
}

TEST_CASE("a smaller frame is scaled up to fill the window and can be read back again") {
    auto viewer = openHeadless(640, 480);
    ViewModel model;
    model.players.push_back(
        {.id = 1, .x = 20.0, .y = 5.0, .aim = 0.0, .health = 100, .alive = true, .firing = false, .local = true, .score = 0});
    const Picture frame = frameOf(320, 240, model);
    viewer->present(frame);
    Picture shown;
    REQUIRE(viewer->readBack(shown));
    REQUIRE(shown.width() == 640);
    const std::pair<int, int> size{320, 240};
    CHECK(near(at(shown, size, 20.0, 5.0), kLocalColour, 30));
    CHECK(near(at(shown, size, 20.0, 15.0), kWallColour));
    CHECK(near(at(shown, size, 12.0, 12.0), kFloorColour));
}

TEST_CASE("G toggles the ghost and Escape closes the viewer") {
    auto viewer = openHeadless(320, 240);
    CHECK_FALSE(viewer->ghostToggled());
    pushKey(SDLK_g);
    CHECK(viewer->pump());
    CHECK(viewer->ghostToggled());
    pushKey(SDLK_g);
    pushKey(SDLK_g);
    CHECK(viewer->pump());
    CHECK(viewer->ghostToggled());
    pushKey(SDLK_ESCAPE);
    CHECK_FALSE(viewer->pump());
    CHECK_FALSE(viewer->pump());
}

TEST_CASE("a viewer of an impossible size is refused with a reason") {
    const auto zero = SdlViewer::open(0, 480, "arena test");
    REQUIRE_FALSE(zero);
    CHECK(zero.error() == ViewError::InvalidSize);
    CHECK(zero.detail().find("0 x 480") != std::string::npos);
    CHECK_FALSE(SdlViewer::open(640, 9000, "arena test"));
}
