#include "cubes.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <new>
#include <numbers>
#include <string_view>
#include <system_error>
#include <utility>

namespace tickwire::bench {

using net::Error;
using net::fail;
using net::Result;

// ---------------------------------------------------------------------------------------
// File format
// ---------------------------------------------------------------------------------------

namespace {

std::int32_t loadLe32(const unsigned char* p) noexcept {
    const std::uint32_t u = std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) |
                            (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
    return static_cast<std::int32_t>(u);  // modular since C++20
}

void storeLe32(unsigned char* p, std::int32_t v) noexcept {
    const auto u = static_cast<std::uint32_t>(v);
    p[0] = static_cast<unsigned char>(u);
    p[1] = static_cast<unsigned char>(u >> 8);
    p[2] = static_cast<unsigned char>(u >> 16);
    p[3] = static_cast<unsigned char>(u >> 24);
}

void say(std::string* why, std::string text) {
    if (why != nullptr) *why = std::move(text);
}

const char* fieldRange(const char* field) noexcept {
    const std::string_view f(field);
    if (f == "largest") return "0..3";
    if (f == "a" || f == "b" || f == "c") return "0..511";
    if (f == "x" || f == "y") return "-16383..16383";
    if (f == "z") return "0..8191";
    return "0..1";
}

std::int32_t fieldValue(const CubeRecord& r, const char* field) noexcept {
    const std::string_view f(field);
    if (f == "largest") return r.largest;
    if (f == "a") return r.a;
    if (f == "b") return r.b;
    if (f == "c") return r.c;
    if (f == "x") return r.x;
    if (f == "y") return r.y;
    if (f == "z") return r.z;
    return r.interacting;
}

std::string describeField(std::size_t frame, std::size_t cube, const CubeRecord& r, const char* field) {
    return "frame " + std::to_string(frame) + " cube " + std::to_string(cube) + " field " + field + " = " +
           std::to_string(fieldValue(r, field)) + " is outside " + fieldRange(field);
}

/// Closes a FILE* on every path out of a function.
struct FileCloser {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

const char* invalidCubeField(const CubeRecord& r) noexcept {
    const auto in = [](std::int32_t v, std::int32_t lo, std::int32_t hi) { return v >= lo && v <= hi; };
    if (!in(r.largest, 0, kLargestMax)) return "largest";
    if (!in(r.a, 0, kComponentMax)) return "a";
    if (!in(r.b, 0, kComponentMax)) return "b";
    if (!in(r.c, 0, kComponentMax)) return "c";
    if (!in(r.x, -kPositionXYLimit, kPositionXYLimit)) return "x";
    if (!in(r.y, -kPositionXYLimit, kPositionXYLimit)) return "y";
    if (!in(r.z, 0, kPositionZMax)) return "z";
    if (!in(r.interacting, 0, 1)) return "interacting";
    return nullptr;
}

Result<std::vector<CubeFrame>> readCubeFile(const std::string& path, std::size_t maxFrames, std::string* why) {
    // Checked before opening, so a FIFO or device never blocks the open; checked again on
    // the opened file, whose size is the one that bounds everything below.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        say(why, path + ": not a readable regular file");
        return fail(Error::IoError);
    }
    FilePtr file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        say(why, path + ": cannot open");
        return fail(Error::IoError);
    }
    struct stat info {};
    if (::fstat(::fileno(file.get()), &info) != 0 || !S_ISREG(info.st_mode) || info.st_size < 0) {
        say(why, path + ": cannot stat");
        return fail(Error::IoError);
    }
    const auto size = static_cast<std::uintmax_t>(info.st_size);
    if (size % kFrameBytes != 0) {
        say(why, "size " + std::to_string(size) + " bytes is not a whole number of " +
                     std::to_string(kFrameBytes) + "-byte frames");
        return fail(Error::Malformed);
    }
    const std::uintmax_t frameCount = size / kFrameBytes;
    if (frameCount > maxFrames) {
        say(why, std::to_string(frameCount) + " frames exceed the limit of " + std::to_string(maxFrames));
        return fail(Error::LimitExceeded);
    }

    std::vector<CubeFrame> frames;
    try {
        // Exactly the file's size: frameCount * kFrameBytes, and CubeFrame holds no padding.
        static_assert(sizeof(CubeFrame) == kFrameBytes);
        frames.resize(static_cast<std::size_t>(frameCount));
    } catch (const std::bad_alloc&) {
        say(why, "cannot allocate " + std::to_string(size) + " bytes for " + std::to_string(frameCount) + " frames");
        return fail(Error::LimitExceeded);
    }

    std::vector<unsigned char> buffer(kFrameBytes);
    for (std::size_t f = 0; f < frames.size(); ++f) {
        if (std::fread(buffer.data(), 1, buffer.size(), file.get()) != buffer.size()) {
            say(why, path + ": shorter than its size while reading frame " + std::to_string(f));
            return fail(Error::IoError);
        }
        for (std::size_t i = 0; i < kCubes; ++i) {
            const unsigned char* p = buffer.data() + i * kRecordBytes;
            CubeRecord& r = frames[f][i];
            r.largest = loadLe32(p + 0);
            r.a = loadLe32(p + 4);
            r.b = loadLe32(p + 8);
            r.c = loadLe32(p + 12);
            r.x = loadLe32(p + 16);
            r.y = loadLe32(p + 20);
            r.z = loadLe32(p + 24);
            r.interacting = loadLe32(p + 28);
            if (const char* bad = invalidCubeField(r)) {
                say(why, describeField(f, i, r, bad));
                return fail(Error::Malformed);
            }
        }
    }
    if (std::fgetc(file.get()) != EOF) {
        say(why, path + ": grew while reading");
        return fail(Error::IoError);
    }
    return frames;
}

Result<void> writeCubeFile(const std::string& path, const std::vector<CubeFrame>& frames) {
    for (const CubeFrame& frame : frames) {
        for (const CubeRecord& r : frame) {
            if (invalidCubeField(r) != nullptr) return fail(Error::InvalidArgument);
        }
    }
    FilePtr file(std::fopen(path.c_str(), "wb"));
    if (!file) return fail(Error::IoError);
    std::vector<unsigned char> buffer(kFrameBytes);
    for (const CubeFrame& frame : frames) {
        for (std::size_t i = 0; i < kCubes; ++i) {
            const CubeRecord& r = frame[i];
            unsigned char* p = buffer.data() + i * kRecordBytes;
            storeLe32(p + 0, r.largest);
            storeLe32(p + 4, r.a);
            storeLe32(p + 8, r.b);
            storeLe32(p + 12, r.c);
            storeLe32(p + 16, r.x);
            storeLe32(p + 20, r.y);
            storeLe32(p + 24, r.z);
            storeLe32(p + 28, r.interacting);
        }
        if (std::fwrite(buffer.data(), 1, buffer.size(), file.get()) != buffer.size()) {
            file.reset();
            std::remove(path.c_str());
            return fail(Error::IoError);
        }
    }
    if (std::fclose(file.release()) != 0) {
        std::remove(path.c_str());
        return fail(Error::IoError);
    }
    return {};
}

// ---------------------------------------------------------------------------------------
// Simulation
// ---------------------------------------------------------------------------------------

namespace {

struct Vec3 {
    double x = 0, y = 0, z = 0;
    Vec3& operator+=(const Vec3& o) { x += o.x; y += o.y; z += o.z; return *this; }
    Vec3& operator-=(const Vec3& o) { x -= o.x; y -= o.y; z -= o.z; return *this; }
    Vec3& operator*=(double s) { x *= s; y *= s; z *= s; return *this; }
};
Vec3 operator+(Vec3 a, const Vec3& b) { return a += b; }
Vec3 operator-(Vec3 a, const Vec3& b) { return a -= b; }
Vec3 operator*(Vec3 a, double s) { return a *= s; }
Vec3 operator*(double s, Vec3 a) { return a *= s; }
double dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
Vec3 cross(const Vec3& a, const Vec3& b) {
    return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
double length(const Vec3& a) { return std::sqrt(dot(a, a)); }

/// Unit quaternion, x y z vector part and w scalar part.
struct Quat {
    double x = 0, y = 0, z = 0, w = 1;
};

Vec3 rotate(const Quat& q, const Vec3& v) {
    const Vec3 u{q.x, q.y, q.z};
    const Vec3 t = 2.0 * cross(u, v);
    return v + q.w * t + cross(u, t);
}

Quat normalized(Quat q) {
    const double n = std::sqrt(q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w);
    if (n < 1e-12) return Quat{};
    return {q.x / n, q.y / n, q.z / n, q.w / n};
}

/// q advanced by world angular velocity w over dt: q + dt/2 * (w, 0) * q.
Quat integrate(const Quat& q, const Vec3& w, double dt) {
    const double h = 0.5 * dt;
    Quat r;
    r.x = q.x + h * (w.x * q.w + w.y * q.z - w.z * q.y);
    r.y = q.y + h * (w.y * q.w + w.z * q.x - w.x * q.z);
    r.z = q.z + h * (w.z * q.w + w.x * q.y - w.y * q.x);
    r.w = q.w - h * (w.x * q.x + w.y * q.y + w.z * q.z);
    return normalized(r);
}

Quat yawQuat(double yaw) { return {0.0, 0.0, std::sin(0.5 * yaw), std::cos(0.5 * yaw)}; }

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
    /// Uniform in [0, 1).
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double range(double lo, double hi) { return lo + (hi - lo) * unit(); }

private:
    std::uint64_t state_;
};

constexpr double kTickSeconds = 1.0 / 60.0;
constexpr int kSubsteps = 2;
constexpr double kStep = kTickSeconds / kSubsteps;
constexpr int kSolverIterations = 8;
constexpr double kGravity = 9.81;

constexpr double kCubeHalf = 0.25;
constexpr double kPlayerHalf = 0.75;
// Bodies collide with each other as spheres a little larger than their inscribed sphere,
// and with the ground through their eight corners, so they slide, tip and land on faces.
constexpr double kCubeRadius = 1.1 * kCubeHalf;
constexpr double kPlayerRadius = 1.1 * kPlayerHalf;
constexpr double kCubeMass = 0.125;   // 0.5 m of water-dense material
constexpr double kPlayerMass = 20.0;  // heavy enough to shove through the grid
constexpr double kWall = 31.0;        // arena walls at +-kWall, inside the +-32 m record range
constexpr double kCeiling = 15.0;     // inside the 16 m record range

constexpr double kGroundFriction = 0.35;
constexpr double kPlayerGroundFriction = 0.2;  // the player glides; its drive does the steering
constexpr double kBodyFriction = 0.3;
constexpr double kGroundRestitution = 0.25;
constexpr double kBodyRestitution = 0.5;
constexpr double kRestitutionThreshold = 0.5;  // m/s; slower impacts do not bounce
constexpr double kBaumgarte = 0.2;
constexpr double kSlop = 0.004;  // m of penetration left alone, so resting bodies do not jitter
constexpr double kLinearDamping = 0.1;   // 1/s
constexpr double kAngularDamping = 0.8;  // 1/s

constexpr double kSleepLinear = 0.05;   // m/s
constexpr double kSleepAngular = 0.15;  // rad/s
constexpr int kSleepTicks = 30;         // half a second below both
constexpr double kWakeSpeed = 0.15;     // m/s of approach that wakes a sleeping body
constexpr double kWakeDepth = 0.03;     // m of penetration that wakes a sleeping body
constexpr double kNearPlayer = 1.5;     // m between surfaces that counts as interacting

constexpr int kGridSide = 30;
constexpr double kGridSpacing = 1.0;
constexpr double kCellSize = 1.0;  // >= 2 * kCubeRadius, so a 3x3 neighbourhood suffices
constexpr int kCells = 64;         // covers +-32 m
constexpr double kCellOrigin = -32.0;

constexpr double kWaypointRange = 20.0;
constexpr double kWaypointReach = 2.0;
constexpr int kWaypointTimeoutTicks = 12 * 60;  // before the player gives up on a waypoint
constexpr double kPlayerAccelGround = 14.0;
constexpr double kPlayerAccelAir = 2.0;
constexpr double kJumpSpeed = 5.5;
constexpr double kJumpChancePerTick = 1.0 / 200.0;

// Besides driving, the player of the original demo could push lots of cubes at once and
// gather a Katamari-like ball of cubes around itself; both are reproduced as short, seeded
// episodes of a force field around the player.
constexpr double kBlowChancePerTick = 1.0 / 300.0;
constexpr double kBlowRadius = 4.0;   // m from the player's centre
constexpr double kBlowAccel = 30.0;   // m/s^2 at the centre, falling off to 0 at the radius
constexpr double kGatherChancePerTick = 1.0 / 600.0;
constexpr double kGatherRadius = 4.0;
constexpr double kGatherAccel = 30.0;
constexpr double kGatherFollow = 2.0;  // 1/s: how fast gathered cubes take on the player's velocity

struct Body {
    Vec3 p, v, w;
    Quat q;
    double half = kCubeHalf;
    double radius = kCubeRadius;
    double invMass = 1.0 / kCubeMass;
    double invInertia = 0.0;  // a cube's inertia is isotropic: I = m (2h)^2 / 6
    double groundFriction = kGroundFriction;
    bool awake = false;
    int slowTicks = 0;
    bool interacting = false;  // touched by the player or by an interacting body since it woke
    bool onGround = false;
};

struct Contact {
    int a = 0;   // body pushed along +n
    int b = -1;  // body pushed along -n, or -1 for the static world
    bool bDynamic = false;
    Vec3 n, ra, rb, t1, t2;
    double massN = 0, massT1 = 0, massT2 = 0;
    double target = 0;  // wanted normal separation speed (bounce + penetration recovery)
    double friction = 0;
    double jn = 0, jt1 = 0, jt2 = 0;
};

class Simulation {
public:
    explicit Simulation(std::uint64_t seed) : rng_(seed) {
        bodies_.resize(kCubes);
        Body& player = bodies_[0];
        player.half = kPlayerHalf;
        player.radius = kPlayerRadius;
        player.invMass = 1.0 / kPlayerMass;
        player.groundFriction = kPlayerGroundFriction;
        player.awake = true;
        const double angle = rng_.range(0.0, 2.0 * std::numbers::pi);
        player.p = {20.0 * std::cos(angle), 20.0 * std::sin(angle), kPlayerHalf};
        player.q = yawQuat(rng_.range(-std::numbers::pi, std::numbers::pi));
        for (int i = 0; i < kGridSide; ++i) {
            for (int j = 0; j < kGridSide; ++j) {
                Body& b = bodies_[1 + static_cast<std::size_t>(i * kGridSide + j)];
                const double offset = -0.5 * kGridSpacing * (kGridSide - 1);
                b.p = {offset + i * kGridSpacing, offset + j * kGridSpacing, kCubeHalf};
                b.q = yawQuat(rng_.range(-0.25, 0.25));
            }
        }
        for (Body& b : bodies_) {
            const double side = 2.0 * b.half;
            b.invInertia = 6.0 * b.invMass / (side * side);
        }
        cellStart_.resize(kCells * kCells + 1);
        cellBodies_.resize(kCubes);
        pickWaypoint();
    }

    void tick() {
        steerPlayer();
        for (int s = 0; s < kSubsteps; ++s) substep();
        updateSleep();
        markNearPlayer();
    }

    CubeFrame record() const {
        CubeFrame frame;
        for (std::size_t i = 0; i < kCubes; ++i) {
            const Body& b = bodies_[i];
            CubeRecord& r = frame[i];
            quantizeOrientation(b.q, r);
            r.x = quantize(b.p.x, -kPositionXYLimit, kPositionXYLimit);
            r.y = quantize(b.p.y, -kPositionXYLimit, kPositionXYLimit);
            r.z = quantize(b.p.z, 0, kPositionZMax);
            r.interacting = (i == 0 || (b.awake && b.interacting)) ? 1 : 0;
        }
        return frame;
    }

private:
    // Both quantizers clamp, and map a non-finite value (which the solver should never
    // produce) to a valid one, so a record is in range whatever happened upstream.
    static std::int32_t quantize(double metres, std::int32_t lo, std::int32_t hi) {
        if (!std::isfinite(metres)) return std::clamp(0, lo, hi);
        const double units = std::round(metres * 512.0);
        return static_cast<std::int32_t>(std::clamp(units, static_cast<double>(lo), static_cast<double>(hi)));
    }

    static void quantizeOrientation(const Quat& q, CubeRecord& r) {
        const bool finite = std::isfinite(q.x) && std::isfinite(q.y) && std::isfinite(q.z) && std::isfinite(q.w);
        const double c[4] = {finite ? q.x : 0.0, finite ? q.y : 0.0, finite ? q.z : 0.0, finite ? q.w : 1.0};
        int largest = 0;
        for (int i = 1; i < 4; ++i) {
            if (std::fabs(c[i]) > std::fabs(c[largest])) largest = i;
        }
        const double sign = c[largest] < 0 ? -1.0 : 1.0;
        constexpr double kMax = 0.70710678118654752440;
        std::int32_t out[3];
        int k = 0;
        for (int i = 0; i < 4; ++i) {
            if (i == largest) continue;
            const double v = std::clamp(sign * c[i], -kMax, kMax);
            const double scaled = std::round((v + kMax) / (2.0 * kMax) * kComponentMax);
            out[k++] = static_cast<std::int32_t>(std::clamp(scaled, 0.0, static_cast<double>(kComponentMax)));
        }
        r.largest = largest;
        r.a = out[0];
        r.b = out[1];
        r.c = out[2];
    }

    void pickWaypoint() {
        waypoint_ = {rng_.range(-kWaypointRange, kWaypointRange), rng_.range(-kWaypointRange, kWaypointRange), 0};
        speed_ = rng_.range(5.0, 9.0);
        waypointTicks_ = 0;
    }

    void steerPlayer() {
        Body& player = bodies_[0];
        Vec3 to = waypoint_ - player.p;
        to.z = 0;
        if (length(to) < kWaypointReach || waypointTicks_ > kWaypointTimeoutTicks) {
            pickWaypoint();
            to = waypoint_ - player.p;
            to.z = 0;
        }
        ++waypointTicks_;
        // A slowly drifting heading offset makes the path wander instead of running straight.
        wander_ = std::clamp(wander_ + rng_.range(-0.08, 0.08), -0.6, 0.6);
        const double heading = std::atan2(to.y, to.x) + wander_;
        desired_ = {speed_ * std::cos(heading), speed_ * std::sin(heading), 0};
        const bool jump = rng_.unit() < kJumpChancePerTick;
        if (jump && player.onGround) player.v.z = kJumpSpeed;

        const double roll = rng_.unit();
        if (action_ != Action::Drive) {
            if (--actionTicks_ <= 0) action_ = Action::Drive;
        } else if (roll < kBlowChancePerTick) {
            action_ = Action::Blow;
            actionTicks_ = static_cast<int>(std::lround(rng_.range(0.2, 0.6) / kTickSeconds));
        } else if (roll < kBlowChancePerTick + kGatherChancePerTick) {
            action_ = Action::Gather;
            actionTicks_ = static_cast<int>(std::lround(rng_.range(1.5, 4.0) / kTickSeconds));
        }
    }

    /// The blow or gather field: needs the grid of this substep.
    void applyField() {
        if (action_ == Action::Drive) return;
        const Body& player = bodies_[0];
        const bool blow = action_ == Action::Blow;
        const double radius = blow ? kBlowRadius : kGatherRadius;
        const int x0 = cellCoord(player.p.x - radius), x1 = cellCoord(player.p.x + radius);
        const int y0 = cellCoord(player.p.y - radius), y1 = cellCoord(player.p.y + radius);
        for (int cy = y0; cy <= y1; ++cy) {
            for (int cx = x0; cx <= x1; ++cx) {
                const auto cell = static_cast<std::size_t>(cy * kCells + cx);
                for (int k = cellStart_[cell]; k < cellStart_[cell + 1]; ++k) {
                    Body& b = bodies_[static_cast<std::size_t>(cellBodies_[static_cast<std::size_t>(k)])];
                    const Vec3 d = b.p - player.p;
                    const double dist = length(d);
                    if (dist >= radius || dist < 1e-6) continue;
                    const double strength = 1.0 - dist / radius;
                    if (!b.awake) wake(b);
                    b.interacting = true;
                    if (blow) {
                        Vec3 dir{d.x, d.y, 0.0};
                        const double flat = length(dir);
                        dir = flat > 1e-6 ? dir * (1.0 / flat) : Vec3{1, 0, 0};
                        dir.z = 0.5;
                        b.v += dir * (kBlowAccel * strength * kStep);
                    } else {
                        b.v += d * (-kGatherAccel * strength * kStep / dist);
                        b.v += (player.v - b.v) * std::min(1.0, kGatherFollow * kStep);
                    }
                }
            }
        }
    }

    void drivePlayer() {
        Body& player = bodies_[0];
        const double accel = player.onGround ? kPlayerAccelGround : kPlayerAccelAir;
        Vec3 dv = desired_ - Vec3{player.v.x, player.v.y, 0};
        const double len = length(dv);
        const double maxDv = accel * kStep;
        if (len > maxDv) dv *= maxDv / len;
        player.v += dv;
        if (!player.onGround) return;
        // Turn the player's nearest face toward where it is going (a cube looks the same
        // every quarter turn, so the error wraps at +-45 degrees).
        const Vec3 forward = rotate(player.q, Vec3{1, 0, 0});
        const double speed = std::hypot(player.v.x, player.v.y);
        if (speed < 0.5 || std::hypot(forward.x, forward.y) < 0.3) return;
        double error = std::atan2(player.v.y, player.v.x) - std::atan2(forward.y, forward.x);
        const double quarter = 0.5 * std::numbers::pi;
        error = std::remainder(error, quarter);
        const double wantSpin = 4.0 * error;
        player.w.z += std::clamp(wantSpin - player.w.z, -20.0 * kStep, 20.0 * kStep);
    }

    static int cellCoord(double v) {
        const int c = static_cast<int>(std::floor((v - kCellOrigin) / kCellSize));
        return std::clamp(c, 0, kCells - 1);
    }

    void buildGrid() {
        std::fill(cellStart_.begin(), cellStart_.end(), 0);
        for (std::size_t i = 1; i < kCubes; ++i) {
            ++cellStart_[cellIndex(bodies_[i].p) + 1];
        }
        for (std::size_t c = 1; c < cellStart_.size(); ++c) cellStart_[c] += cellStart_[c - 1];
        std::vector<int>& fill = cellFill_;
        fill.assign(cellStart_.begin(), cellStart_.end() - 1);
        for (std::size_t i = 1; i < kCubes; ++i) {
            cellBodies_[static_cast<std::size_t>(fill[cellIndex(bodies_[i].p)]++)] = static_cast<int>(i);
        }
    }

    static std::size_t cellIndex(const Vec3& p) {
        return static_cast<std::size_t>(cellCoord(p.y) * kCells + cellCoord(p.x));
    }

    void wake(Body& b) {
        b.awake = true;
        b.slowTicks = 0;
    }

    /// Adds the contact between spheres a (awake) and b, waking b if it sleeps and is hit hard.
    void collidePair(int ia, int ib) {
        Body& a = bodies_[static_cast<std::size_t>(ia)];
        Body& b = bodies_[static_cast<std::size_t>(ib)];
        const Vec3 d = a.p - b.p;
        const double reach = a.radius + b.radius;
        const double dist2 = dot(d, d);
        if (dist2 >= reach * reach) return;
        const double dist = std::sqrt(dist2);
        const Vec3 n = dist > 1e-9 ? d * (1.0 / dist) : Vec3{0, 0, 1};
        const double depth = reach - dist;
        if (!b.awake) {
            const double approach = -dot(a.v - b.v, n);
            if (ia == 0 || approach > kWakeSpeed || depth > kWakeDepth) wake(b);
        }
        // Interaction spreads through contact, as in the original recording: cubes pushed
        // by the player mark the cubes they touch, until each comes to rest.
        if (b.awake && (ia == 0 || a.interacting || b.interacting)) {
            a.interacting = true;
            b.interacting = true;
        }
        addContact(ia, ib, b.awake, n, -a.radius * n, b.radius * n, depth, kBodyFriction, kBodyRestitution);
    }

    void addContact(int ia, int ib, bool bDynamic, const Vec3& n, const Vec3& ra, const Vec3& rb, double depth,
                    double friction, double restitution) {
        Contact c;
        c.a = ia;
        c.b = ib;
        c.bDynamic = bDynamic;
        c.n = n;
        c.ra = ra;
        c.rb = rb;
        c.friction = friction;
        // Tangent basis perpendicular to n.
        const Vec3 helper = std::fabs(n.z) < 0.9 ? Vec3{0, 0, 1} : Vec3{1, 0, 0};
        c.t1 = cross(n, helper);
        c.t1 *= 1.0 / length(c.t1);
        c.t2 = cross(n, c.t1);
        c.massN = effectiveMass(c, c.n);
        c.massT1 = effectiveMass(c, c.t1);
        c.massT2 = effectiveMass(c, c.t2);
        const double vn = dot(relativeVelocity(c), n);
        const double bounce = vn < -kRestitutionThreshold ? -restitution * vn : 0.0;
        const double recover = kBaumgarte / kStep * std::max(depth - kSlop, 0.0);
        c.target = std::max(bounce, recover);
        contacts_.push_back(c);
    }

    double effectiveMass(const Contact& c, const Vec3& dir) const {
        const Body& a = bodies_[static_cast<std::size_t>(c.a)];
        const Vec3 ca = cross(c.ra, dir);
        double k = a.invMass + a.invInertia * dot(ca, ca);
        if (c.bDynamic) {
            const Body& b = bodies_[static_cast<std::size_t>(c.b)];
            const Vec3 cb = cross(c.rb, dir);
            k += b.invMass + b.invInertia * dot(cb, cb);
        }
        return k > 0 ? 1.0 / k : 0.0;
    }

    Vec3 relativeVelocity(const Contact& c) const {
        const Body& a = bodies_[static_cast<std::size_t>(c.a)];
        Vec3 v = a.v + cross(a.w, c.ra);
        if (c.bDynamic) {
            const Body& b = bodies_[static_cast<std::size_t>(c.b)];
            v -= b.v + cross(b.w, c.rb);
        }
        return v;
    }

    void applyImpulse(const Contact& c, const Vec3& impulse) {
        Body& a = bodies_[static_cast<std::size_t>(c.a)];
        a.v += impulse * a.invMass;
        a.w += cross(c.ra, impulse) * a.invInertia;
        if (c.bDynamic) {
            Body& b = bodies_[static_cast<std::size_t>(c.b)];
            b.v -= impulse * b.invMass;
            b.w -= cross(c.rb, impulse) * b.invInertia;
        }
    }

    void generateContacts() {
        contacts_.clear();
        // Pairs first: a sleeping body woken here gets its ground contacts below.
        // Player against the cubes around it.
        {
            const Body& player = bodies_[0];
            const double reach = kPlayerRadius + kCubeRadius;
            const int x0 = cellCoord(player.p.x - reach), x1 = cellCoord(player.p.x + reach);
            const int y0 = cellCoord(player.p.y - reach), y1 = cellCoord(player.p.y + reach);
            for (int cy = y0; cy <= y1; ++cy) {
                for (int cx = x0; cx <= x1; ++cx) {
                    const auto cell = static_cast<std::size_t>(cy * kCells + cx);
                    for (int k = cellStart_[cell]; k < cellStart_[cell + 1]; ++k) {
                        collidePair(0, cellBodies_[static_cast<std::size_t>(k)]);
                    }
                }
            }
        }
        // Awake cubes against their neighbours; a pair of awake cubes once, by the lower index.
        for (std::size_t i = 1; i < kCubes; ++i) {
            if (!bodies_[i].awake) continue;
            const int cx = cellCoord(bodies_[i].p.x), cy = cellCoord(bodies_[i].p.y);
            for (int y = std::max(cy - 1, 0); y <= std::min(cy + 1, kCells - 1); ++y) {
                for (int x = std::max(cx - 1, 0); x <= std::min(cx + 1, kCells - 1); ++x) {
                    const auto cell = static_cast<std::size_t>(y * kCells + x);
                    for (int k = cellStart_[cell]; k < cellStart_[cell + 1]; ++k) {
                        const int j = cellBodies_[static_cast<std::size_t>(k)];
                        if (j == static_cast<int>(i)) continue;
                        if (bodies_[static_cast<std::size_t>(j)].awake && j < static_cast<int>(i)) continue;
                        collidePair(static_cast<int>(i), j);
                    }
                }
            }
        }
        for (std::size_t i = 0; i < kCubes; ++i) {
            Body& b = bodies_[i];
            b.onGround = false;
            if (!b.awake) continue;
            const int ib = static_cast<int>(i);
            // Ground: each corner below z = 0.
            if (b.p.z - 1.7321 * b.half < 0.0) {
                for (int k = 0; k < 8; ++k) {
                    const Vec3 local{(k & 1) ? b.half : -b.half, (k & 2) ? b.half : -b.half,
                                     (k & 4) ? b.half : -b.half};
                    const Vec3 r = rotate(b.q, local);
                    const double z = b.p.z + r.z;
                    if (z >= 0.0) continue;
                    b.onGround = true;
                    addContact(ib, -1, false, Vec3{0, 0, 1}, r, Vec3{}, -z, b.groundFriction, kGroundRestitution);
                }
            }
            // Walls: the body's inscribed sphere against each plane, a little before the
            // hard clamp in substep(), so bodies bounce off instead of sticking to it.
            const double limit = kWall - b.half - 0.05;
            if (b.p.x > limit) addContact(ib, -1, false, {-1, 0, 0}, {b.half, 0, 0}, {}, b.p.x - limit, 0.2, 0.3);
            if (b.p.x < -limit) addContact(ib, -1, false, {1, 0, 0}, {-b.half, 0, 0}, {}, -limit - b.p.x, 0.2, 0.3);
            if (b.p.y > limit) addContact(ib, -1, false, {0, -1, 0}, {0, b.half, 0}, {}, b.p.y - limit, 0.2, 0.3);
            if (b.p.y < -limit) addContact(ib, -1, false, {0, 1, 0}, {0, -b.half, 0}, {}, -limit - b.p.y, 0.2, 0.3);
        }
    }

    void solve() {
        for (int it = 0; it < kSolverIterations; ++it) {
            for (Contact& c : contacts_) {
                const double vn = dot(relativeVelocity(c), c.n);
                const double jn = std::max(c.jn + (c.target - vn) * c.massN, 0.0);
                applyImpulse(c, c.n * (jn - c.jn));
                c.jn = jn;

                const double limit = c.friction * c.jn;
                const Vec3 vr = relativeVelocity(c);
                const double jt1 = std::clamp(c.jt1 - dot(vr, c.t1) * c.massT1, -limit, limit);
                const double jt2 = std::clamp(c.jt2 - dot(vr, c.t2) * c.massT2, -limit, limit);
                applyImpulse(c, c.t1 * (jt1 - c.jt1) + c.t2 * (jt2 - c.jt2));
                c.jt1 = jt1;
                c.jt2 = jt2;
            }
        }
    }

    void substep() {
        for (Body& b : bodies_) {
            if (b.awake) b.v.z -= kGravity * kStep;
        }
        drivePlayer();
        buildGrid();
        applyField();
        generateContacts();
        solve();
        const double linear = 1.0 / (1.0 + kLinearDamping * kStep);
        const double angular = 1.0 / (1.0 + kAngularDamping * kStep);
        for (Body& b : bodies_) {
            if (!b.awake) continue;
            b.v *= linear;
            b.w *= angular;
            b.p += b.v * kStep;
            b.q = integrate(b.q, b.w, kStep);
            // Hard bounds, so every record stays in range whatever the solver did.
            const double limit = kWall - b.half;
            if (std::fabs(b.p.x) > limit) {
                b.p.x = std::copysign(limit, b.p.x);
                b.v.x = 0;
            }
            if (std::fabs(b.p.y) > limit) {
                b.p.y = std::copysign(limit, b.p.y);
                b.v.y = 0;
            }
            if (b.p.z > kCeiling) {
                b.p.z = kCeiling;
                b.v.z = std::min(b.v.z, 0.0);
            }
            if (b.p.z < 0.0) {
                b.p.z = 0.0;
                b.v.z = std::max(b.v.z, 0.0);
            }
        }
    }

    void markNearPlayer() {
        const Body& player = bodies_[0];
        for (std::size_t i = 1; i < kCubes; ++i) {
            Body& b = bodies_[i];
            if (b.awake && length(b.p - player.p) - b.half - player.half < kNearPlayer) b.interacting = true;
        }
    }

    void updateSleep() {
        for (std::size_t i = 1; i < kCubes; ++i) {
            Body& b = bodies_[i];
            if (!b.awake) continue;
            if (length(b.v) < kSleepLinear && length(b.w) < kSleepAngular) {
                if (++b.slowTicks >= kSleepTicks) {
                    b.awake = false;
                    b.interacting = false;
                    b.v = {};
                    b.w = {};
                }
            } else {
                b.slowTicks = 0;
            }
        }
    }

    Rng rng_;
    std::vector<Body> bodies_;
    std::vector<Contact> contacts_;
    std::vector<int> cellStart_;
    std::vector<int> cellFill_;
    std::vector<int> cellBodies_;
    Vec3 waypoint_;
    Vec3 desired_;
    double speed_ = 0;
    double wander_ = 0;
    enum class Action { Drive, Blow, Gather };
    Action action_ = Action::Drive;
    int actionTicks_ = 0;
    int waypointTicks_ = 0;
};

}  // namespace

std::vector<CubeFrame> simulateCubes(std::size_t frames, std::uint64_t seed) {
    std::vector<CubeFrame> out;
    out.reserve(frames);
    Simulation sim(seed);
    const CubeFrame start = sim.record();
    for (std::size_t i = 0; i < frames && i < kLeadingCopies; ++i) out.push_back(start);
    while (out.size() < frames) {
        sim.tick();
        out.push_back(sim.record());
    }
    return out;
}

}  // namespace tickwire::bench
