// The benchmark scenes with Bullet. Bullet's own types stay in this file.

#include "scenes.hpp"

#include <tickwire/engine/quantize.hpp>

#include <btBulletDynamicsCommon.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>
#include <vector>

namespace tickwire::bench {

bool haveScenes() noexcept { return true; }

namespace {

/// splitmix64: small, seedable, the same sequence everywhere.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double range(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    /// A uniformly random unit vector.
    btVector3 direction() {
        const double z = range(-1, 1);
        const double a = range(0, 2 * std::numbers::pi);
        const double r = std::sqrt(std::max(0.0, 1 - z * z));
        return btVector3(static_cast<btScalar>(r * std::cos(a)), static_cast<btScalar>(r * std::sin(a)),
                         static_cast<btScalar>(z));
    }

private:
    std::uint64_t state_;
};

/// A Bullet world and everything it owns.
struct World {
    btDefaultCollisionConfiguration config;
    btCollisionDispatcher dispatcher{&config};
    btDbvtBroadphase broadphase;
    btSequentialImpulseConstraintSolver solver;
    btDiscreteDynamicsWorld world{&dispatcher, &broadphase, &solver, &config};
    std::vector<std::unique_ptr<btCollisionShape>> shapes;
    std::vector<std::unique_ptr<btDefaultMotionState>> motions;
    std::vector<std::unique_ptr<btRigidBody>> bodies;

    World() = default;
    World(const World&) = delete;
    World& operator=(const World&) = delete;
    ~World() {
        for (auto& b : bodies) world.removeRigidBody(b.get());
    }

    btCollisionShape* keep(std::unique_ptr<btCollisionShape> shape) {
        shapes.push_back(std::move(shape));
        return shapes.back().get();
    }

    btRigidBody* add(btCollisionShape* shape, double mass, const btTransform& at, double friction = 0.5) {
        btVector3 inertia(0, 0, 0);
        if (mass > 0) shape->calculateLocalInertia(static_cast<btScalar>(mass), inertia);
        motions.push_back(std::make_unique<btDefaultMotionState>(at));
        btRigidBody::btRigidBodyConstructionInfo info(static_cast<btScalar>(mass), motions.back().get(), shape,
                                                      inertia);
        info.m_friction = static_cast<btScalar>(friction);
        info.m_restitution = 0;
        bodies.push_back(std::make_unique<btRigidBody>(info));
        world.addRigidBody(bodies.back().get());
        return bodies.back().get();
    }
};

btTransform at(const btVector3& origin, const btQuaternion& rotation = btQuaternion::getIdentity()) {
    return btTransform(rotation, origin);
}

void capSpeeds(btRigidBody& b, double maxSpeed, double maxSpin) {
    const btVector3 v = b.getLinearVelocity();
    if (v.length() > maxSpeed) b.setLinearVelocity(v * static_cast<btScalar>(maxSpeed / v.length()));
    const btVector3 w = b.getAngularVelocity();
    if (w.length() > maxSpin) b.setAngularVelocity(w * static_cast<btScalar>(maxSpin / w.length()));
}

/// Bullet's rotation as tickwire's smallest-three (index 0 = w).
template <unsigned Bits>
engine::QuatSmallestThree<Bits> quantizeRotation(const btQuaternion& q) {
    return engine::QuatSmallestThree<Bits>(static_cast<float>(q.getW()), static_cast<float>(q.getX()),
                                           static_cast<float>(q.getY()), static_cast<float>(q.getZ()));
}

std::int32_t quantizeMetres(double metres, std::int32_t lo, std::int32_t hi) {
    if (!std::isfinite(metres)) return std::clamp(0, lo, hi);
    const double units = std::round(metres * 512.0);
    return static_cast<std::int32_t>(std::clamp(units, static_cast<double>(lo), static_cast<double>(hi)));
}

CubeRecord cubeRecord(const btRigidBody& b, bool interacting) {
    const btTransform& t = b.getWorldTransform();
    CubeRecord r;
    r.x = quantizeMetres(t.getOrigin().x(), -kPositionXYLimit, kPositionXYLimit);
    r.y = quantizeMetres(t.getOrigin().y(), -kPositionXYLimit, kPositionXYLimit);
    r.z = quantizeMetres(t.getOrigin().z(), 0, kPositionZMax);
    // The challenge's files index the largest component x, y, z, w and keep the others in
    // that order; tickwire's smallest-three (same mapping of values) indexes w, x, y, z.
    const auto q = quantizeRotation<9>(t.getRotation());
    const auto kept = q.components();
    std::array<std::int32_t, 4> byIndex{};  // tickwire index -> component
    for (unsigned i = 0, k = 0; i < 4; ++i) {
        if (i != q.largest()) byIndex[i] = static_cast<std::int32_t>(kept[k++]);
    }
    r.largest = static_cast<std::int32_t>((q.largest() + 3) % 4);
    std::array<std::int32_t, 3> out{};
    for (unsigned f = 0, k = 0; f < 4; ++f) {  // file order x, y, z, w
        const unsigned i = (f + 1) % 4;
        if (i != q.largest()) out[k++] = byIndex[i];
    }
    r.a = out[0];
    r.b = out[1];
    r.c = out[2];
    r.interacting = interacting ? 1 : 0;
    return r;
}

}  // namespace

std::vector<CubeFrame> simulateCubes(std::size_t frames, std::uint64_t seed) {
    const CubeSceneParameters p;
    std::vector<CubeFrame> out;
    if (frames == 0) return out;
    Rng rng(seed);
    World w;
    w.world.setGravity(btVector3(0, 0, -9.81f));
    auto* ground = w.keep(std::make_unique<btStaticPlaneShape>(btVector3(0, 0, 1), 0));
    w.add(ground, 0, at(btVector3(0, 0, 0)));
    const auto arena = static_cast<btScalar>(p.arena);
    for (const btVector3 n : {btVector3(1, 0, 0), btVector3(-1, 0, 0), btVector3(0, 1, 0), btVector3(0, -1, 0)}) {
        w.add(w.keep(std::make_unique<btStaticPlaneShape>(n, -arena)), 0, at(btVector3(0, 0, 0)));
    }
    const auto half = static_cast<btScalar>(p.cubeSize / 2);
    const auto playerHalf = static_cast<btScalar>(p.playerSize / 2);
    auto* playerShape = w.keep(std::make_unique<btBoxShape>(btVector3(playerHalf, playerHalf, playerHalf)));
    auto* cubeShape = w.keep(std::make_unique<btBoxShape>(btVector3(half, half, half)));
    // Equal density: a 0.4 m cube weighs 1, the 1.5 m player (1.5/0.4)^3 = 52.7.
    const double playerMass = std::pow(p.playerSize / p.cubeSize, 3);
    btRigidBody* player = w.add(playerShape, playerMass, at(btVector3(0, 0, playerHalf)), 0.9);
    std::vector<btRigidBody*> cubes;
    const double origin = -(p.grid - 1) * p.spacing / 2;
    for (int gy = 0; gy < p.grid; ++gy) {
        for (int gx = 0; gx < p.grid; ++gx) {
            const auto x = static_cast<btScalar>(origin + gx * p.spacing);
            const auto y = static_cast<btScalar>(origin + gy * p.spacing);
            cubes.push_back(w.add(cubeShape, 1.0, at(btVector3(x, y, half))));
        }
    }
    // The player starts at the grid's centre, where a cube would be: move it to a corner.
    player->setWorldTransform(at(btVector3(static_cast<btScalar>(origin - 2), static_cast<btScalar>(origin - 2), playerHalf)));
    player->getMotionState()->setWorldTransform(player->getWorldTransform());
    player->setActivationState(DISABLE_DEACTIVATION);

    // Settle the grid before recording: contacts resolve and every cube goes to sleep, so
    // the recording starts from rest rather than from the solver's first corrections.
    const auto settleDt = static_cast<btScalar>(1.0 / p.tickRate);
    for (int i = 0; i < static_cast<int>(10 * p.tickRate); ++i) {
        w.world.stepSimulation(settleDt, 2, settleDt / 2);
        bool asleep = true;
        for (btRigidBody* c : cubes) asleep = asleep && !c->isActive();
        if (asleep) break;
    }
    player->setLinearVelocity(btVector3(0, 0, 0));
    player->setAngularVelocity(btVector3(0, 0, 0));

    auto record = [&] {
        CubeFrame frame;
        const btVector3 centre = player->getWorldTransform().getOrigin();
        frame[0] = cubeRecord(*player, true);
        for (std::size_t i = 0; i < cubes.size(); ++i) {
            const btVector3 d = cubes[i]->getWorldTransform().getOrigin() - centre;
            const bool near = btVector3(d.x(), d.y(), 0).length() < p.influence;
            frame[i + 1] = cubeRecord(*cubes[i], cubes[i]->isActive() && near);
        }
        return frame;
    };
    const CubeFrame first = record();
    for (std::size_t i = 0; i < std::min(frames, kLeadingCopies); ++i) out.push_back(first);

    // The script: an intent (heading to a point, push / pull / neither, maybe a jump).
    enum class Mode { None, Push, Pull };
    Mode mode = Mode::None;
    btVector3 target(0, 0, 0);
    int intentTicks = 0;
    bool jump = false;
    const auto dt = static_cast<btScalar>(1.0 / p.tickRate);
    while (out.size() < frames) {
        if (intentTicks <= 0) {
            intentTicks = static_cast<int>(rng.range(0.5, 2.5) * p.tickRate);
            const double r = rng.uniform();
            mode = r < 0.4 ? Mode::None : (r < 0.7 ? Mode::Push : Mode::Pull);
            jump = rng.uniform() < 0.3;
            const double reach = p.grid * p.spacing / 2 + 4;
            target = btVector3(static_cast<btScalar>(rng.range(-reach, reach)),
                               static_cast<btScalar>(rng.range(-reach, reach)), 0);
        }
        --intentTicks;
        const btVector3 pos = player->getWorldTransform().getOrigin();
        btVector3 heading = target - btVector3(pos.x(), pos.y(), 0);
        if (heading.length() > 0.5f) heading.normalize();
        else heading = btVector3(0, 0, 0);
        // Rolling: spin up about the axis across the heading, and a push along it.
        const btVector3 up(0, 0, 1);
        const btVector3 wantSpin = up.cross(heading) * static_cast<btScalar>(10.0 / (p.playerSize / 2) * 0.5);
        const btVector3 spinError = wantSpin - player->getAngularVelocity();
        player->applyTorque(btVector3(spinError.x(), spinError.y(), 0) * static_cast<btScalar>(playerMass * 4));
        player->applyCentralForce(heading * static_cast<btScalar>(playerMass * 12));
        if (jump && pos.z() < playerHalf + 0.2f) {
            player->applyCentralImpulse(up * static_cast<btScalar>(playerMass * 6));
            jump = false;
        }
        if (mode != Mode::None) {
            for (btRigidBody* c : cubes) {
                btVector3 d = c->getWorldTransform().getOrigin() - pos;
                d.setZ(0);
                const double dist = d.length();
                if (dist > p.influence || dist < 1e-3) continue;
                const double strength = (1.0 - dist / p.influence) * 25.0;
                btVector3 f = d / static_cast<btScalar>(dist) * static_cast<btScalar>(strength);
                if (mode == Mode::Pull) f = -f;
                f.setZ(static_cast<btScalar>(mode == Mode::Push ? strength * 0.5 : 0.0));
                c->activate();
                c->applyCentralForce(f);
            }
        }
        w.world.stepSimulation(dt, 2, dt / 2);
        capSpeeds(*player, p.maxSpeed, p.maxSpin);
        for (btRigidBody* c : cubes) {
            if (c->isActive()) capSpeeds(*c, p.maxSpeed, p.maxSpin);
        }
        out.push_back(record());
    }
    return out;
}

TransformRecording simulateAsteroids(std::size_t frames, std::uint64_t seed) {
    const AsteroidSceneParameters p;
    using Position = engine::BoundedFloat<engine::FloatRange{-40.0, 40.0, 0.01}>;
    TransformRecording rec;
    rec.frameRate = static_cast<std::uint32_t>(p.syncRate);
    rec.positionResolution = p.positionResolution;
    rec.positionLimit = p.positionLimit;
    rec.rotationBits = p.rotationBits;
    rec.bodies = static_cast<std::uint32_t>(p.asteroids);
    if (frames == 0) return rec;
    Rng rng(seed);
    World w;
    w.world.setGravity(btVector3(0, 0, 0));
    w.add(w.keep(std::make_unique<btSphereShape>(static_cast<btScalar>(p.planetoidRadius))), 0, at(btVector3(0, 0, 0)));
    struct Rock {
        btRigidBody* body;
        double targetSpeed;
        double radius;
    };
    std::vector<Rock> rocks;
    while (static_cast<int>(rocks.size()) < p.asteroids) {
        const double scale = rng.range(p.minScale, p.maxScale);
        // A rock: the hull of 14 points at 0.7..1 of the scale in random directions.
        auto hull = std::make_unique<btConvexHullShape>();
        for (int i = 0; i < 14; ++i) hull->addPoint(rng.direction() * static_cast<btScalar>(scale * rng.range(0.7, 1.0)), false);
        hull->recalcLocalAabb();
        const double r = rng.range(8.0, 30.0);
        const btVector3 place = rng.direction() * static_cast<btScalar>(r);
        bool clear = true;
        for (const Rock& o : rocks) {
            if ((o.body->getWorldTransform().getOrigin() - place).length() < o.radius + scale + 0.1) clear = false;
        }
        if (!clear) continue;
        const btQuaternion rot(rng.direction(), static_cast<btScalar>(rng.range(0, 2 * std::numbers::pi)));
        btRigidBody* body = w.add(w.keep(std::move(hull)), 2.0 * scale * scale * scale, at(place, rot), 0.4);
        body->setActivationState(DISABLE_DEACTIVATION);
        body->setDamping(0, 0);
        const double speed = rng.range(p.minSpeed, p.maxSpeed);
        btVector3 tangent = rng.direction().cross(place);
        if (tangent.length() < 1e-3f) tangent = btVector3(0, 0, 1).cross(place);
        body->setLinearVelocity(tangent.normalized() * static_cast<btScalar>(speed));
        body->setAngularVelocity(rng.direction() * static_cast<btScalar>(rng.range(0, p.maxSpin)));
        rocks.push_back({body, speed, scale});
    }
    const auto dt = static_cast<btScalar>(1.0 / p.physicsRate);
    const int stepsPerFrame = static_cast<int>(p.physicsRate / p.syncRate);
    auto record = [&] {
        std::vector<TransformRecord> frame(rocks.size());
        for (std::size_t i = 0; i < rocks.size(); ++i) {
            const btTransform& t = rocks[i].body->getWorldTransform();
            for (int a = 0; a < 3; ++a) frame[i].position[static_cast<std::size_t>(a)] =
                static_cast<std::uint32_t>(Position(t.getOrigin()[a]).quantized());
            const auto q = quantizeRotation<12>(t.getRotation());
            frame[i].largest = q.largest();
            frame[i].rotation = q.components();
        }
        return frame;
    };
    rec.frames.push_back(record());
    while (rec.frames.size() < frames) {
        for (int s = 0; s < stepsPerFrame; ++s) {
            for (const Rock& rock : rocks) {
                btRigidBody& b = *rock.body;
                const btVector3 pos = b.getWorldTransform().getOrigin();
                const double r = std::max<double>(pos.length(), 1e-3);
                const btVector3 inward = -pos / static_cast<btScalar>(r);
                btVector3 v = b.getLinearVelocity();
                double speed = v.length();
                if (speed < 1e-3) {
                    v = inward.cross(btVector3(0, 0, 1));
                    if (v.length() < 1e-3f) v = btVector3(1, 0, 0);
                    speed = 0;
                }
                const btVector3 along = v.normalized();
                double accel = speed * speed / r;  // what a circular orbit at this speed needs
                if (r > p.boundary) accel += (r - p.boundary) * 4.0;
                const btVector3 a = inward * static_cast<btScalar>(accel) +
                                    along * static_cast<btScalar>((rock.targetSpeed - speed) * 2.0);
                b.applyCentralForce(a / b.getInvMass());
            }
            w.world.stepSimulation(dt, 1, dt);
        }
        rec.frames.push_back(record());
    }
    return rec;
}

}  // namespace tickwire::bench
