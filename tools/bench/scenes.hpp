#pragma once
/// \file scenes.hpp
/// The benchmark scenes, simulated with Bullet (libbullet-dev) and quantized into the
/// recording formats of cubes.hpp and transforms.hpp. Only tickwire-bench and its tests
/// use them: the libraries never need Bullet. Every scene is deterministic for a seed on
/// one build (Bullet runs single-threaded, all randomness comes from the seed).

#include "cubes.hpp"
#include "transforms.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tickwire::bench {

/// True when this build has the Bullet scenes (tickwire-bench built with libbullet-dev).
[[nodiscard]] bool haveScenes() noexcept;

/// Parameters of the cube scene (the layout of the 2015 snapshot-compression challenge).
struct CubeSceneParameters {
    double tickRate = 60;            ///< physics and recording rate, Hz
    double playerSize = 1.5;         ///< edge of the player cube, m
    double cubeSize = 0.4;           ///< edge of each small cube, m
    int grid = 30;                   ///< grid x grid small cubes
    double spacing = 1.0;            ///< between grid centres, m
    double maxSpeed = 32;            ///< every body's linear speed cap, m/s
    double maxSpin = 16;             ///< every body's angular speed cap, rad/s
    double influence = 6;            ///< radius of the player's push and pull, m
    double arena = 31;               ///< walls at +-arena m
};

/// Simulates the cube scene at 60 Hz and returns exactly `frames` frames, counting the
/// kLeadingCopies copies of the starting frame (frame 6 is one tick after frame 5).
///
/// A 1.5 m player cube (index 0) rolls (torque about the axis across its heading),
/// jumps, and alternately pushes the 0.4 m cubes within 6 m away or pulls them towards
/// itself (up to 25 N on a 1 kg cube, fading to 0 at 6 m), following a seeded script of intents that last 0.5-2.5 s each and steer it
/// to random points of the arena. 900 cubes start at rest in a 30 x 30 grid, 1 m apart
/// (settled, and asleep, before the first frame);
/// bodies that stay slow for 2 s go to sleep (Bullet's deactivation) and keep exactly
/// the same record until something wakes them. Speeds are capped at 32 m/s and 16 rad/s.
/// `interacting` is 1 for a body that is awake and within 6 m of the player.
[[nodiscard]] std::vector<CubeFrame> simulateCubes(std::size_t frames, std::uint64_t seed);

/// Parameters of the asteroid scene (the layout of KinematicSoup's network-transform
/// benchmark).
struct AsteroidSceneParameters {
    int asteroids = 250;
    double physicsRate = 60;         ///< Hz
    double syncRate = 30;            ///< recorded frames per second
    double planetoidRadius = 5;      ///< static sphere at the origin
    double boundary = 31.5;          ///< asteroids are held inside this radius
    double minScale = 0.25, maxScale = 1.0;  ///< asteroid size (a rock of radius about 1 at scale 1)
    double minSpeed = 1, maxSpeed = 4;       ///< each asteroid's target speed, units/s
    double maxSpin = 2;              ///< initial spin, rad/s, uniform in 0..maxSpin about a random axis
    double positionResolution = 0.01;
    double positionLimit = 40;
    std::uint8_t rotationBits = 12;  ///< smallest-three, max rotation error about 0.0006 rad
};

/// Simulates the asteroid scene and returns `frames` frames at 30 Hz.
///
/// 250 rigid convex rocks of random size (scale 0.25-1) start at random points between
/// radius 8 and 30 around a static planetoid of radius 5, each moving along a random
/// tangent at its own target speed (1-4 units/s) with a random spin. Each physics step
/// every rock is pulled towards the centre as much as a circular orbit at its current
/// speed and radius needs, nudged back towards its target speed, and pushed back when it
/// is beyond radius 31.5; no gravity otherwise. They collide (no restitution) with each
/// other and the planetoid, and over minutes their orbits tend into a common ring.
/// Positions are quantized to 0.01 units in [-40, 40], rotations to smallest-three
/// with 12-bit components.
[[nodiscard]] TransformRecording simulateAsteroids(std::size_t frames, std::uint64_t seed);

}  // namespace tickwire::bench
