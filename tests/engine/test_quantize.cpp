#include <tickwire/engine/quantize.hpp>

#include <cereal/archives/json.hpp>
#include <cereal/archives/portable_binary.hpp>
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <sstream>

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
    using Position = BoundedFloat<-256.0, 256.0, 0.01>;
    static_assert(Position::kMaxQuantized == 51'200);
    static_assert(Position::kBits == 16);
    using Unit = BoundedFloat<0.0, 1.0, 1.0 / 255.0>;
    static_assert(Unit::kMaxQuantized == 255);
    static_assert(Unit::kBits == 8);
    using Tenth = BoundedFloat<-1.0, 1.0, 0.1>;
    static_assert(Tenth::kMaxQuantized == 20);
    static_assert(Tenth::kBits == 5);
    // Not a whole number of steps: rounded up so the step stays within the resolution.
    using Odd = BoundedFloat<0.0, 1.0, 0.4>;
    static_assert(Odd::kMaxQuantized == 3);
    static_assert(Odd::kStep <= 0.4);
    using Coarse = BoundedFloat<0.0, 1.0, 5.0>;
    static_assert(Coarse::kMaxQuantized == 1);
    static_assert(Coarse::kBits == 1);
}

TEST_CASE("bounded floats round trip within half a resolution over the whole range") {
    checkRoundTripError<BoundedFloat<-256.0, 256.0, 0.01>>(-256.0, 256.0, 0.01, 1);
    checkRoundTripError<BoundedFloat<0.0, 1.0, 1.0 / 255.0>>(0.0, 1.0, 1.0 / 255.0, 2);
    checkRoundTripError<BoundedFloat<-1.0, 1.0, 0.1>>(-1.0, 1.0, 0.1, 3);
    checkRoundTripError<BoundedFloat<0.0, 1.0, 0.4>>(0.0, 1.0, 0.4, 4);
    checkRoundTripError<BoundedFloat<-1e6, 1e6, 0.001>>(-1e6, 1e6, 0.001, 5);
    checkRoundTripError<BoundedFloat<10.0, 20.0, 0.003>>(10.0, 20.0, 0.003, 6);
}

TEST_CASE("bounded floats clamp, map NaN to Min and hit both ends exactly") {
    using F = BoundedFloat<-2.5, 7.5, 0.01>;
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
    CHECK(BoundedFloat<1.0, 2.0, 0.5>().get() == 1.0);    // 0 clamped up to Min
    CHECK(BoundedFloat<-2.0, -1.0, 0.5>().get() == -1.0);  // 0 clamped down to Max

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
    Varint v;
    CHECK(v.get() == 0);
    v.set(UINT64_MAX);
    CHECK(v.get() == UINT64_MAX);
    CHECK(Varint(5) == Varint(5));
    CHECK_FALSE(Varint(5) == Varint(6));
}

namespace {

struct Everything {
    BoundedVec3<-256.0, 256.0, 0.01> position;
    BoundedVec2<-10.0, 10.0, 0.001> velocity;
    BoundedFloat<0.0, 1.0, 1.0 / 255.0> opacity;
    BoundedInt<-1000, 1000> score;
    BoundedInt<std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()> wide;
    QuatSmallestThree<9> orientation;
    Angle<12> yaw;
    Varint id;
    bool alive = false;

    template <class Archive>
    void serialize(Archive& archive) {
        archive(position, velocity, opacity, score, wide, orientation, yaw, id, alive);
    }
    bool operator==(const Everything&) const = default;
};

Everything sample() {
    Everything e;
    e.position = {BoundedFloat<-256.0, 256.0, 0.01>(12.34), BoundedFloat<-256.0, 256.0, 0.01>(-256.0),
                  BoundedFloat<-256.0, 256.0, 0.01>(256.0)};
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
