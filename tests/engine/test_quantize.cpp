#include <tickwire/engine/quantize.hpp>

#include <cereal/archives/json.hpp>
#include <cereal/archives/portable_binary.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <numbers>
#include <random>
#include <sstream>
#include <type_traits>

using namespace tickwire::engine;

namespace {

constexpr double kEps = 1e-9;

template <class T>
void checkRoundTripError(double min, double max, double resolution, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> any(min, max);
    double worst = 0.0;
    auto probe = [&](double v) {
        const T q(v);
        worst = std::max(worst, std::abs(q.get() - v));
        CHECK(q.get() >= min);
        CHECK(q.get() <= max);
        T back;
        CHECK(back.setQuantized(q.quantized()));
        CHECK(back == q);
        CHECK(back.get() == q.get());
    };
    probe(min);
    probe(max);
    probe(std::nextafter(min, max));
    probe(std::nextafter(max, min));
    for (int i = 0; i < 100'000; ++i) probe(any(rng));
    CHECK(worst <= resolution / 2 + kEps * std::max(1.0, std::abs(max - min)));
}

}  // namespace

TEST_CASE("bounded floats have the step count and width their range and resolution imply") {
    using Position = BoundedFloat<FloatRange{-256.0, 256.0, 0.01}>;
    static_assert(Position::kMaxQuantized == 51'200);
    static_assert(Position::kBits == 16);
    using Unit = BoundedFloat<FloatRange{0.0, 1.0, 1.0 / 255.0}>;
    static_assert(Unit::kMaxQuantized == 255);
    static_assert(Unit::kBits == 8);
    using Tenth = BoundedFloat<FloatRange{-1.0, 1.0, 0.1}>;
    static_assert(Tenth::kMaxQuantized == 20);
    static_assert(Tenth::kBits == 5);
    // Not a whole number of steps: rounded up so the step stays within the resolution.
    using Odd = BoundedFloat<FloatRange{0.0, 1.0, 0.4}>;
    static_assert(Odd::kMaxQuantized == 3);
    static_assert(Odd::kStep <= 0.4);
    using Coarse = BoundedFloat<FloatRange{0.0, 1.0, 5.0}>;
    static_assert(Coarse::kMaxQuantized == 1);
    static_assert(Coarse::kBits == 1);
}

TEST_CASE("bounded floats round trip within half a resolution over the whole range") {
    checkRoundTripError<BoundedFloat<FloatRange{-256.0, 256.0, 0.01}>>(-256.0, 256.0, 0.01, 1);
    checkRoundTripError<BoundedFloat<FloatRange{0.0, 1.0, 1.0 / 255.0}>>(0.0, 1.0, 1.0 / 255.0, 2);
    checkRoundTripError<BoundedFloat<FloatRange{-1.0, 1.0, 0.1}>>(-1.0, 1.0, 0.1, 3);
    checkRoundTripError<BoundedFloat<FloatRange{0.0, 1.0, 0.4}>>(0.0, 1.0, 0.4, 4);
    checkRoundTripError<BoundedFloat<FloatRange{-1e6, 1e6, 0.001}>>(-1e6, 1e6, 0.001, 5);
    checkRoundTripError<BoundedFloat<FloatRange{10.0, 20.0, 0.003}>>(10.0, 20.0, 0.003, 6);
}

TEST_CASE("bounded floats clamp, map NaN to Min and hit both ends exactly") {
    using F = BoundedFloat<FloatRange{-2.5, 7.5, 0.01}>;
    CHECK(F(-100.0).get() == -2.5);
    CHECK(F(-100.0).quantized() == 0);
    CHECK(F(100.0).get() == 7.5);
    CHECK(F(100.0).quantized() == F::kMaxQuantized);
    CHECK(F(std::numeric_limits<double>::infinity()).get() == 7.5);
    CHECK(F(-std::numeric_limits<double>::infinity()).get() == -2.5);
    CHECK(F(std::numeric_limits<double>::quiet_NaN()).get() == -2.5);
    CHECK(F(-2.5).get() == -2.5);
    CHECK(F(7.5).get() == 7.5);
    CHECK(F().get() == doctest::Approx(0.0));
    CHECK(BoundedFloat<FloatRange{1.0, 2.0, 0.5}>().get() == 1.0);    // 0 clamped up to min
    CHECK(BoundedFloat<FloatRange{-2.0, -1.0, 0.5}>().get() == -1.0);  // 0 clamped down to max

    F f(3.0);
    const auto before = f.quantized();
    CHECK_FALSE(f.setQuantized(F::kMaxQuantized + 1));
    CHECK(f.quantized() == before);
    CHECK(f.setQuantized(F::kMaxQuantized));
    CHECK(f.get() == 7.5);
    f.set(0.004);
    CHECK(f.get() == doctest::Approx(0.0));
    f.set(0.006);
    CHECK(f.get() == doctest::Approx(0.01));
}

namespace {

// The quantized integers are the wire format of snapshots and replay files: if one of these
// pinned checks fails, the wire format has changed. The pins were computed with quantize.hpp
// as it was before FloatRange, when BoundedFloat took three double template arguments
// (BoundedFloat<-256.0, 256.0, 0.01>).

/// The double that quantizes as a probe, and the integer it must become.
struct Probe {
    double value;
    std::uint64_t quantized;
};

constexpr double kDenormMin = std::numeric_limits<double>::denorm_min();

/// BoundedFloat's quantization formula restated on run-time doubles, so the pins do not
/// depend on the header under test.
std::uint64_t referenceSteps(double range, double resolution) {
    const double x = range / resolution;
    auto n = static_cast<std::uint64_t>(x);
    if (x - static_cast<double>(n) > x * 1e-12) ++n;
    return n == 0 ? 1 : n;
}

std::uint64_t referenceQuantize(double min, double max, double resolution, double value) {
    const std::uint64_t steps = referenceSteps(max - min, resolution);
    if (!(value > min)) return 0;
    if (value >= max) return steps;
    const double t = (value - min) / (max - min) * static_cast<double>(steps);
    const double rounded = t + 0.5;  // a statement of its own: never fused into one FMA with t
    if (!(rounded < 18446744073709551616.0)) return steps;
    return std::min(static_cast<std::uint64_t>(rounded), steps);
}

/// Deterministic doubles in [lo, hi) on every compiler and standard library (the
/// distributions of <random> are not specified bit for bit).
class Sweep {
public:
    Sweep(double lo, double hi, std::uint64_t seed) : lo_(lo), span_(hi - lo), state_(seed) {}

    double next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        const double u = static_cast<double>(z >> 11) * 0x1p-53;
        const double offset = u * span_;
        return lo_ + offset;
    }

private:
    double lo_;
    double span_;
    std::uint64_t state_;
};

/// FNV-1a over the little-endian bytes of 64-bit values.
struct Fnv64 {
    std::uint64_t h = 14695981039346656037ull;
    void add(std::uint64_t v) {
        for (int i = 0; i < 8; ++i) {
            h ^= (v >> (8 * i)) & 0xFF;
            h *= 1099511628211ull;
        }
    }
};

/// Checks BoundedFloat<Range> against its pinned step count, width and probes, and 100 000
/// values swept over the range and 1% beyond each end against the pinned hash of their
/// quantized integers and, one by one, against the reference formula.
template <FloatRange Range>
void checkEncoding(std::uint64_t maxQuantized, unsigned bits, std::uint64_t sweepHash,
                   std::initializer_list<Probe> probes) {
    using T = BoundedFloat<Range>;
    const double min = Range.minValue();
    const double max = Range.maxValue();
    const double resolution = Range.resolution();
    CAPTURE(min);
    CAPTURE(max);
    CAPTURE(resolution);
    CHECK(T::kMaxQuantized == maxQuantized);
    CHECK(T::kBits == bits);
    CHECK(referenceSteps(max - min, resolution) == maxQuantized);
    for (const Probe& p : probes) {
        CAPTURE(p.value);
        CHECK(T(p.value).quantized() == p.quantized);
        CHECK(referenceQuantize(min, max, resolution, p.value) == p.quantized);
    }
    CHECK(T(std::numeric_limits<double>::quiet_NaN()).quantized() == 0);
    CHECK(T(-std::numeric_limits<double>::infinity()).quantized() == 0);
    CHECK(T(std::numeric_limits<double>::infinity()).quantized() == maxQuantized);

    const double margin = 0.01 * (max - min);
    Sweep sweep(min - margin, max + margin, 1);
    Fnv64 hash;
    std::size_t mismatches = 0;
    for (int i = 0; i < 100'000; ++i) {
        const double v = sweep.next();
        const std::uint64_t q = T(v).quantized();
        if (q != referenceQuantize(min, max, resolution, v)) ++mismatches;
        hash.add(q);
    }
    CHECK(mismatches == 0);
    CHECK(hash.h == sweepHash);
}

template <class A>
std::uint64_t angleSweepHash(std::uint64_t seed) {
    Sweep sweep(-20.0, 20.0, seed);
    Fnv64 hash;
    for (int i = 0; i < 100'000; ++i) hash.add(A(sweep.next()).quantized());
    return hash.h;
}

}  // namespace

TEST_CASE("every bounded float the repository declares keeps its pinned encoding") {
    // README, snapshot.hpp, test_quantize: positions in a 512 m box, 1 cm steps.
    // samples/arena: the arena's 40 m × 30 m floor. test_replay, test_snapshot: ±100 m.
    // The rest: the types of this file (velocities, colours, odd and coarse ranges).
    checkEncoding<FloatRange{-256.0, 256.0, 0.01}>(51200, 16, 0x9a48a0047eb33130ull,
        {{-256, 0}, {256, 51200}, {-256.00999999999999, 0}, {256.00999999999999, 51200},
         {-255.99999999999997, 0}, {255.99999999999997, 51200}, {-255.995, 0},
         {0.0049999999999954525, 25601}, {255.995, 51200}, {-85.333333333333343, 17067}, {-255.9863, 1},
         {255.97290000000001, 51197}, {0, 25600}});
    checkEncoding<FloatRange{0.0, 40.0, 0.01}>(4000, 12, 0x27e4f95213a025c8ull,
        {{0, 0}, {40, 4000}, {-0.01, 0}, {40.009999999999998, 4000}, {kDenormMin, 0},
         {39.999999999999993, 4000}, {0.0050000000000000001, 1}, {20.004999999999999, 2000},
         {39.994999999999997, 4000}, {13.333333333333334, 1333}, {0.013700000000000002, 1},
         {39.972900000000003, 3997}});
    checkEncoding<FloatRange{0.0, 30.0, 0.01}>(3000, 12, 0xe8633638a7ad4d1dull,
        {{0, 0}, {30, 3000}, {-0.01, 0}, {30.010000000000002, 3000}, {kDenormMin, 0},
         {29.999999999999996, 3000}, {0.0050000000000000001, 1}, {15.005000000000001, 1501},
         {29.995000000000001, 3000}, {10, 1000}, {0.013700000000000002, 1}, {29.972899999999999, 2997}});
    checkEncoding<FloatRange{-100.0, 100.0, 0.01}>(20000, 15, 0xd67169813e84a9a3ull,
        {{-100, 0}, {100, 20000}, {-100.01000000000001, 0}, {100.01000000000001, 20000},
         {-99.999999999999986, 0}, {99.999999999999986, 20000}, {-99.995000000000005, 0},
         {0.0049999999999954525, 10000}, {99.995000000000005, 20000}, {-33.333333333333329, 6667},
         {-99.9863, 1}, {99.972899999999996, 19997}, {0, 10000}});
    checkEncoding<FloatRange{-10.0, 10.0, 0.001}>(20000, 15, 0xd67169813e84a9a3ull,
        {{-10, 0}, {10, 20000}, {-10.000999999999999, 0}, {10.000999999999999, 20000},
         {-9.9999999999999982, 0}, {9.9999999999999982, 20000}, {-9.9994999999999994, 1},
         {0.00050000000000061107, 10001}, {9.9994999999999994, 19999}, {-3.333333333333333, 6667},
         {-9.9986300000000004, 1}, {9.9972899999999996, 19997}, {0, 10000}});
    checkEncoding<FloatRange{0.0, 1.0, 1.0 / 255.0}>(255, 8, 0x9098e1b42f61604cull,
        {{0, 0}, {1, 255}, {-0.0039215686274509803, 0}, {1.003921568627451, 255},
         {kDenormMin, 0}, {0.99999999999999989, 255}, {0.0019607843137254902, 1}, {0.5, 128},
         {0.99803921568627452, 255}, {0.33333333333333331, 85}, {0.0053725490196078439, 1},
         {0.98937254901960781, 252}});
    checkEncoding<FloatRange{-1.0, 1.0, 0.1}>(20, 5, 0x074c4bb825f29735ull,
        {{-1, 0}, {1, 20}, {-1.1000000000000001, 0}, {1.1000000000000001, 20}, {-0.99999999999999989, 0},
         {0.99999999999999989, 20}, {-0.94999999999999996, 1}, {0.050000000000000044, 11},
         {0.94999999999999996, 20}, {-0.33333333333333337, 7}, {-0.86299999999999999, 1},
         {0.72899999999999998, 17}, {0, 10}});
    checkEncoding<FloatRange{0.0, 1.0, 0.4}>(3, 2, 0xad2f944e17f71805ull,
        {{0, 0}, {1, 3}, {-0.33333333333333331, 0}, {1.3333333333333333, 3}, {kDenormMin, 0},
         {0.99999999999999989, 3}, {0.16666666666666666, 1}, {0.5, 2}, {0.83333333333333337, 3},
         {0.33333333333333331, 1}, {0.45666666666666667, 1}, {0.096666666666666679, 0}});
    checkEncoding<FloatRange{0.0, 1.0, 5.0}>(1, 1, 0xf1e2b9194f4941a5ull,
        {{0, 0}, {1, 1}, {-1, 0}, {2, 1}, {kDenormMin, 0}, {0.99999999999999989, 1}, {0.5, 1},
         {0.5, 1}, {0.5, 1}, {0.33333333333333331, 0}, {1.3700000000000001, 1}, {-1.71, 0}});
    checkEncoding<FloatRange{-1e6, 1e6, 0.001}>(2000000000, 31, 0x14391dd7ace3eb56ull,
        {{-1000000, 0}, {1000000, 2000000000}, {-1000000.001, 0}, {1000000.001, 2000000000},
         {-999999.99999999988, 0}, {999999.99999999988, 2000000000}, {-999999.99950000003, 0},
         {0.00049999996554106474, 1000000001}, {999999.99950000003, 2000000000},
         {-333333.33333333337, 666666667}, {-999999.99863000005, 1}, {999999.99728999997, 1999999997},
         {0, 1000000000}});
    checkEncoding<FloatRange{10.0, 20.0, 0.003}>(3334, 12, 0x4fd59fcd3fcfdc25ull,
        {{10, 0}, {20, 3334}, {9.9970005998800247, 0}, {20.002999400119975, 3334}, {10.000000000000002, 0},
         {19.999999999999996, 3334}, {10.001499700059988, 0}, {15.001499700059988, 1668},
         {19.998500299940012, 3334}, {13.333333333333334, 1111}, {10.004109178164367, 1},
         {19.991871625674865, 3331}});
    checkEncoding<FloatRange{-2.5, 7.5, 0.01}>(1000, 10, 0x2cd1f7c737300cabull,
        {{-2.5, 0}, {7.5, 1000}, {-2.5099999999999998, 0}, {7.5099999999999998, 1000},
         {-2.4999999999999996, 0}, {7.4999999999999991, 1000}, {-2.4950000000000001, 0},
         {2.5049999999999999, 500}, {7.4950000000000001, 1000}, {0.83333333333333348, 333}, {-2.4863, 1},
         {7.4729000000000001, 997}, {0, 250}});
    checkEncoding<FloatRange{1.0, 2.0, 0.5}>(2, 2, 0x92e53c8dab6b1a24ull,
        {{1, 0}, {2, 2}, {0.5, 0}, {2.5, 2}, {1.0000000000000002, 0}, {1.9999999999999998, 2}, {1.25, 1},
         {1.75, 2}, {1.75, 2}, {1.3333333333333333, 1}, {1.6850000000000001, 1}, {0.64500000000000002, 0}});
    checkEncoding<FloatRange{-2.0, -1.0, 0.5}>(2, 2, 0x92e53c8dab6b1a24ull,
        {{-2, 0}, {-1, 2}, {-2.5, 0}, {-0.5, 2}, {-1.9999999999999998, 0}, {-1.0000000000000002, 2},
         {-1.75, 1}, {-1.25, 2}, {-1.25, 2}, {-1.6666666666666667, 1}, {-1.3149999999999999, 1},
         {-2.355, 0}});
}

TEST_CASE("angles and the arena's and benchmarks' bounded ints keep their encoding") {
    CHECK(angleSweepHash<Angle<10>>(2) == 0x4c9528b5aa320d9bull);
    CHECK(angleSweepHash<Angle<12>>(3) == 0x72b84b92c6312cd9ull);
    // BoundedInt stores value - Min in bitsFor(Max - Min) bits.
    static_assert(BoundedInt<0, 100>::kBits == 7);
    static_assert(BoundedInt<0, 65535>::kBits == 16);
    static_assert(BoundedInt<0, 255>::kBits == 8);
    static_assert(BoundedInt<0, 63>::kBits == 6);
    static_assert(BoundedInt<0, 3>::kBits == 2);
    static_assert(BoundedInt<0, 511>::kBits == 9);
    static_assert(BoundedInt<-16383, 16383>::kBits == 15);
    static_assert(BoundedInt<0, 8191>::kBits == 13);
    static_assert(BoundedInt<-400000, 400000>::kBits == 20);
    CHECK(BoundedInt<-16383, 16383>(-16383).quantized() == 0);
    CHECK(BoundedInt<-16383, 16383>(0).quantized() == 16383);
    CHECK(BoundedInt<-16383, 16383>(16383).quantized() == 32766);
}

TEST_CASE("float ranges keep their doubles exactly and name one type per range") {
    constexpr FloatRange r{-2.5, 7.5, 1.0 / 255.0};
    static_assert(r.minValue() == -2.5);
    static_assert(r.maxValue() == 7.5);
    static_assert(r.resolution() == 1.0 / 255.0);
    static_assert(std::is_same_v<BoundedFloat<r>, BoundedFloat<FloatRange{-2.5, 7.5, 1.0 / 255.0}>>);
    static_assert(std::is_same_v<BoundedFloat<FloatRange{0, 40, 0.01}>, BoundedFloat<FloatRange{0.0, 40.0, 0.01}>>);
    static_assert(!std::is_same_v<BoundedFloat<FloatRange{0.0, 40.0, 0.01}>, BoundedFloat<FloatRange{0.0, 40.0, 0.02}>>);
    static_assert(BoundedFloat<r>::kRange == r);
    static_assert(BoundedFloat<r>::kResolution == 1.0 / 255.0);
    static_assert(std::is_same_v<BoundedVec2<r>, Vec2<BoundedFloat<r>>>);
}

TEST_CASE("bounded ints clamp and store value - Min") {
    using Health = BoundedInt<0, 100>;
    static_assert(Health::kMaxQuantized == 100);
    static_assert(Health::kBits == 7);
    CHECK(Health().get() == 0);
    CHECK(Health(150).get() == 100);
    CHECK(Health(-5).get() == 0);
    CHECK(Health(42).quantized() == 42);

    using Offset = BoundedInt<-1000, 1000>;
    static_assert(Offset::kBits == 11);
    CHECK(Offset(-1000).quantized() == 0);
    CHECK(Offset(1000).quantized() == 2000);
    CHECK(Offset(-7).get() == -7);
    CHECK(Offset().get() == 0);
    Offset o;
    CHECK_FALSE(o.setQuantized(2001));
    CHECK(o.get() == 0);
    CHECK(o.setQuantized(0));
    CHECK(o.get() == -1000);

    using Positive = BoundedInt<5, 9>;
    CHECK(Positive().get() == 5);

    using Full = BoundedInt<std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()>;
    static_assert(Full::kMaxQuantized == UINT64_MAX);
    static_assert(Full::kBits == 64);
    CHECK(Full(std::numeric_limits<std::int64_t>::min()).quantized() == 0);
    CHECK(Full(std::numeric_limits<std::int64_t>::max()).quantized() == UINT64_MAX);
    CHECK(Full(-1).get() == -1);
    CHECK(Full().get() == 0);
}

TEST_CASE("angles wrap into [-pi, pi) and round to the nearest step") {
    using A = Angle<10>;
    constexpr double pi = std::numbers::pi;
    static_assert(A::kBits == 10);
    static_assert(A::kMaxQuantized == 1023);
    CHECK(A().get() == doctest::Approx(0.0));
    CHECK(A().quantized() == 512);
    CHECK(A(-pi).quantized() == 0);
    CHECK(A(pi).quantized() == 0);  // π is -π
    CHECK(A(pi - A::kStep / 4).quantized() == 0);  // rounds up past the top and wraps
    CHECK(A(3 * pi).quantized() == 0);
    CHECK(A(2 * pi + 0.5) == A(0.5));
    CHECK(A(-2 * pi - 0.5) == A(-0.5));
    CHECK(A(100.0 * pi + 1.0).get() == doctest::Approx(1.0).epsilon(A::kStep));
    CHECK(A(std::numeric_limits<double>::quiet_NaN()) == A(0.0));
    CHECK(A(std::numeric_limits<double>::infinity()) == A(0.0));

    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> any(-50.0, 50.0);
    for (int i = 0; i < 100'000; ++i) {
        const double v = any(rng);
        const A a(v);
        CHECK(a.get() >= -pi);
        CHECK(a.get() < pi);
        // Angular distance to the input, modulo a turn.
        const double d = std::abs(std::remainder(a.get() - v, 2 * pi));
        REQUIRE(d <= A::kStep / 2 + 1e-9);
    }

    A a;
    CHECK_FALSE(a.setQuantized(1024));
    CHECK(a.setQuantized(1023));
    CHECK(a.get() == doctest::Approx(pi - A::kStep));
}

TEST_CASE("smallest-three quaternions are within 1.5 steps per component of random unit rotations") {
    // With Δ = √2 / (2^bits - 1), the kept components are within Δ/2 and the rebuilt one
    // (magnitude >= 1/2) within 1.5·Δ to first order; Δ² covers the second-order term and
    // 1e-6 the float inputs and outputs.
    auto run = [](auto quat, unsigned bits) {
        using Q = decltype(quat);
        CAPTURE(bits);
        const double delta = std::numbers::sqrt2 / static_cast<double>((1u << bits) - 1);
        const double bound = 1.5 * delta + delta * delta + 1e-6;
        std::mt19937_64 rng(bits);
        std::normal_distribution<double> gauss;
        double worst = 0.0;
        for (int i = 0; i < 50'000; ++i) {
            std::array<double, 4> in{gauss(rng), gauss(rng), gauss(rng), gauss(rng)};
            const double n = std::sqrt(in[0] * in[0] + in[1] * in[1] + in[2] * in[2] + in[3] * in[3]);
            if (n < 1e-6) continue;
            for (double& c : in) c /= n;
            Q q;
            q.set(static_cast<float>(in[0]), static_cast<float>(in[1]), static_cast<float>(in[2]),
                  static_cast<float>(in[3]));
            const auto out = q.get();
            std::array<double, 4> o{out[0], out[1], out[2], out[3]};
            const double on = std::sqrt(o[0] * o[0] + o[1] * o[1] + o[2] * o[2] + o[3] * o[3]);
            REQUIRE(std::abs(on - 1.0) < 1e-5);
            double dot = 0.0;
            for (int k = 0; k < 4; ++k) {
                o[k] /= on;
                dot += o[k] * in[k];
            }
            const double sign = dot < 0.0 ? -1.0 : 1.0;  // q and -q are the same rotation
            for (int k = 0; k < 4; ++k) worst = std::max(worst, std::abs(sign * o[k] - in[k]));
            // The dropped component is rebuilt positive.
            REQUIRE(out[q.largest()] >= 0.0f);
        }
        CHECK(worst <= bound);
        MESSAGE("bits " << bits << ": worst component error " << worst << ", bound " << bound);
    };
    run(QuatSmallestThree<9>{}, 9);
    run(QuatSmallestThree<12>{}, 12);
    run(QuatSmallestThree<16>{}, 16);
    run(QuatSmallestThree<4>{}, 4);
}

TEST_CASE("smallest-three handles the identity, zero, negated and hand-set quaternions") {
    using Q = QuatSmallestThree<9>;
    static_assert(Q::kMaxComponent == 511);
    Q identity;
    CHECK(identity.largest() == 0);
    auto i = identity.get();
    CHECK(i[0] == doctest::Approx(1.0).epsilon(1e-4));
    CHECK(std::abs(i[1]) < 0.002f);

    Q zero(0.0f, 0.0f, 0.0f, 0.0f);
    CHECK(zero == identity);
    Q nan(std::numeric_limits<float>::quiet_NaN(), 0.0f, 0.0f, 0.0f);
    CHECK(nan == identity);

    // Not normalised on input; negated gives the same stored form.
    Q a(0.2f, -4.0f, 1.0f, 0.5f);
    Q b(-0.2f, 4.0f, -1.0f, -0.5f);
    CHECK(a == b);
    CHECK(a.largest() == 1);
    CHECK(a.get()[1] > 0.0f);

    Q raw;
    CHECK_FALSE(raw.setRaw(4, 0, 0, 0));
    CHECK_FALSE(raw.setRaw(0, 512, 0, 0));
    CHECK_FALSE(raw.setRaw(0, 0, 0, 512));
    CHECK(raw == identity);
    // All components at the top: squares sum past 1, so the rebuilt one clamps to 0.
    CHECK(raw.setRaw(3, 511, 511, 511));
    CHECK(raw.get()[3] == 0.0f);
    CHECK(raw.largest() == 3);
    CHECK(raw.components() == std::array<std::uint32_t, 3>{511, 511, 511});
}

TEST_CASE("varints hold any 64-bit value") {
    Uint64 v;
    CHECK(v.get() == 0);
    v.set(UINT64_MAX);
    CHECK(v.get() == UINT64_MAX);
    CHECK(Uint64(5) == Uint64(5));
    CHECK_FALSE(Uint64(5) == Uint64(6));
}

namespace {

struct Everything {
    BoundedVec3<FloatRange{-256.0, 256.0, 0.01}> position;
    BoundedVec2<FloatRange{-10.0, 10.0, 0.001}> velocity;
    BoundedFloat<FloatRange{0.0, 1.0, 1.0 / 255.0}> opacity;
    BoundedInt<-1000, 1000> score;
    BoundedInt<std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()> wide;
    QuatSmallestThree<9> orientation;
    Angle<12> yaw;
    Uint64 id;
    bool alive = false;

    template <class Archive>
    void serialize(Archive& archive) {
        archive(position, velocity, opacity, score, wide, orientation, yaw, id, alive);
    }
    bool operator==(const Everything&) const = default;
};

Everything sample() {
    Everything e;
    using Coordinate = BoundedFloat<FloatRange{-256.0, 256.0, 0.01}>;
    e.position = {Coordinate(12.34), Coordinate(-256.0), Coordinate(256.0)};
    e.velocity.x.set(-3.14159);
    e.velocity.y.set(9.999);
    e.opacity.set(0.5);
    e.score.set(-999);
    e.wide.set(std::numeric_limits<std::int64_t>::min() + 17);
    e.orientation.set(0.1f, 0.7f, -0.7f, 0.1f);
    e.yaw.set(-2.0);
    e.id.set(0xDEADBEEFCAFEF00Dull);
    e.alive = true;
    return e;
}

}  // namespace

TEST_CASE("a struct of quantized types round trips exactly through portable binary") {
    const Everything original = sample();
    std::stringstream stream;
    {
        cereal::PortableBinaryOutputArchive out(stream);
        out(original);
    }
    Everything back;
    CHECK_FALSE(back == original);
    {
        cereal::PortableBinaryInputArchive in(stream);
        in(back);
    }
    CHECK(back == original);
    CHECK(back.position.x.get() == original.position.x.get());
    CHECK(back.orientation.get() == original.orientation.get());
}

TEST_CASE("a struct of quantized types round trips exactly through JSON") {
    const Everything original = sample();
    std::stringstream stream;
    {
        cereal::JSONOutputArchive out(stream);
        out(cereal::make_nvp("entity", original));
    }
    Everything back;
    {
        cereal::JSONInputArchive in(stream);
        in(cereal::make_nvp("entity", back));
    }
    CHECK(back == original);
}

TEST_CASE("loading an out-of-range quantized value throws a cereal exception") {
    // A BoundedInt<0, 100> reads one integer; 101 is outside it.
    std::stringstream stream;
    {
        cereal::PortableBinaryOutputArchive out(stream);
        out(std::uint64_t{101});
        out(std::uint64_t{5}, std::uint64_t{0}, std::uint64_t{0}, std::uint64_t{0});  // largest = 5
    }
    cereal::PortableBinaryInputArchive in(stream);
    BoundedInt<0, 100> health(7);
    CHECK_THROWS_AS(in(health), cereal::Exception);
    CHECK(health.get() == 7);
    QuatSmallestThree<9> q;
    CHECK_THROWS_AS(in(q), cereal::Exception);
    CHECK(q == QuatSmallestThree<9>{});
}
