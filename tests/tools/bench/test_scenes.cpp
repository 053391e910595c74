#include "../../support/temp_dir.hpp"
#include <doctest/doctest.h>

#include "scenes.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

using namespace tickwire::bench;

namespace {
using tickwire::test::TempDir;
}

TEST_CASE("a cube recording is the same for a seed and differs across seeds") {
    const auto first = simulateCubes(240, 7);
    const auto again = simulateCubes(240, 7);
    const auto other = simulateCubes(240, 8);
    REQUIRE(first.size() == 240);
    CHECK(first == again);
    CHECK(first != other);
}

TEST_CASE("a cube recording has exactly the frames asked for, the first six identical") {
    CHECK(simulateCubes(0, 1).empty());
    const auto few = simulateCubes(4, 1);
    REQUIRE(few.size() == 4);
    CHECK(few[3] == few[0]);
    const auto frames = simulateCubes(60, 1);
    REQUIRE(frames.size() == 60);
    for (std::size_t i = 1; i < kLeadingCopies; ++i) CHECK(frames[i] == frames[0]);
    // The grid starts at rest on the ground: 0.2 m is 102.4 units.
    for (std::size_t i = 1; i < kCubes; ++i) CHECK(std::abs(frames[0][i].z - 102) <= 2);
}

TEST_CASE("every field of a cube recording is in range and survives a file round trip") {
    const auto frames = simulateCubes(600, 3);
    for (std::size_t f = 0; f < frames.size(); ++f) {
        for (std::size_t i = 0; i < kCubes; ++i) {
            const char* bad = invalidCubeField(frames[f][i]);
            if (bad != nullptr) FAIL("frame " << f << " cube " << i << " field " << bad);
        }
    }
    TempDir dir;
    const std::string path = dir.file("sim.bin");
    REQUIRE(writeCubeFile(path, frames).has_value());
    const auto read = readCubeFile(path);
    REQUIRE(read.has_value());
    CHECK(*read == frames);
}

TEST_CASE("the player keeps moving and pushes cubes around, while most cubes rest") {
    for (const std::uint64_t seed : {1u, 2u}) {
        CAPTURE(seed);
        const auto frames = simulateCubes(900, seed);
        std::size_t unchanged = 0, pairs = 0, playerChanged = 0, moved = 0, everInteracting = 0;
        for (std::size_t f = kLeadingCopies; f < frames.size(); ++f) {
            for (std::size_t i = 1; i < kCubes; ++i) {
                ++pairs;
                if (frames[f][i] == frames[f - 1][i]) ++unchanged;
            }
            if (frames[f][0] != frames[f - 1][0]) ++playerChanged;
        }
        for (std::size_t i = 1; i < kCubes; ++i) {
            if (frames.front()[i].x != frames.back()[i].x || frames.front()[i].y != frames.back()[i].y) ++moved;
            for (const CubeFrame& frame : frames) {
                if (frame[i].interacting != 0) {
                    ++everInteracting;
                    break;
                }
            }
        }
        CHECK(unchanged * 2 >= pairs);
        CHECK(playerChanged * 10 >= (frames.size() - kLeadingCopies) * 8);
        CHECK(moved >= 20);
        CHECK(everInteracting >= 20);
    }
}

TEST_CASE("an asteroid recording is deterministic, in range, and every rock keeps moving") {
    const auto a = simulateAsteroids(90, 5);
    const auto b = simulateAsteroids(90, 5);
    const auto c = simulateAsteroids(90, 6);
    REQUIRE(a.frames.size() == 90);
    CHECK(a == b);
    CHECK(a != c);
    CHECK(a.bodies == 250);
    CHECK(a.frameRate == 30);
    TempDir dir;
    const std::string path = dir.file("rocks.bin");
    REQUIRE(writeTransformFile(path, a).has_value());
    const auto read = readTransformFile(path);
    REQUIRE(read.has_value());
    CHECK(*read == a);
    std::size_t still = 0;
    for (std::size_t i = 0; i < a.bodies; ++i) {
        if (a.frames[88][i].position == a.frames[89][i].position) ++still;
    }
    CHECK(still <= 5);
    // Everyone stays within the boundary (radius 31.5, plus a little overshoot).
    const double step = a.positionResolution;
    for (const auto& t : a.frames.back()) {
        double r2 = 0;
        for (auto q : t.position) {
            const double v = -a.positionLimit + q * step;
            r2 += v * v;
        }
        CHECK(r2 < 34.0 * 34.0);
    }
}
