// The snapshot codec's core: models, prediction from the history of acknowledged
// baselines, and the walk over every entity's fields, written once and run as encoder or
// decoder. The wire format is docs/PROTOCOL.md §6.

#include "range_coder.hpp"

#include <tickwire/engine/bit_stream.hpp>
#include <tickwire/engine/detail/snapshot_core.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>


namespace tickwire::engine {

namespace detail {

/// Prediction candidates (see extrapolate()).
inline constexpr std::size_t kCandidateCount = 9;
/// Candidates are scored apart for fields moving at different speeds (speedBucket()):
/// a fast body's path bends more between baselines than a slow one's, and a slow one's
/// velocity is mostly quantization noise.
inline constexpr std::size_t kSpeedBuckets = 6;

std::uint32_t bitCost16(std::uint32_t probabilityOfBit) noexcept {
    static const auto table = [] {
        std::array<std::uint32_t, 257> t{};
        for (std::size_t i = 0; i < t.size(); ++i) {
            const double p = std::max(1.0, static_cast<double>(i) * 16.0) / BitModel::kOne;
            t[i] = static_cast<std::uint32_t>(-std::log2(std::min(p, 1.0)) * 16.0 + 0.5);
        }
        return t;
    }();
    return table[std::min<std::uint32_t>(probabilityOfBit >> 4, 256)];
}

/// Adaptive models of one field of one entity type. Its size-class tree is in
/// Models::sizes (sized by the field's width).
struct FieldModels {
    std::array<BitModel, 18> differs{};   // [previous field differed 0/1][own history 0..2][own last surprise 0..2]
    std::array<BitModel, 27> sign{};      // [sign of this field in the previous entity coded 0/1/none][own last move 0/+/-]
                                          // [sign of its own last surprise none/+/-]
    std::array<BitModel, 65> mantissa{};  // [size class]
};

/// Contexts of a field's size-class tree: [neighbour class 0..3][own last surprise 0..3][own motion 0..1].
inline constexpr std::uint32_t kSizeContexts = 32;

/// Every adaptive model of a packet, and the predictor scores. A chained packet starts
/// from those its baseline's packet ended with.
struct Models {
    std::array<BitModel, 40> same{};  // [previous two entities changed 0..3][own history 0..4][next one moved 0/1]
    BitModel removed{};
    std::array<BitModel, 64> count{};
    std::array<BitModel, 64> gap{};
    std::vector<std::vector<FieldModels>> fields;                     // [type][field]
    // Every field's size-class tree, [type][field][context][tree node]: kSizeContexts <<
    // depth models each, where depth is the bits of the field's largest size class. A
    // chained packet copies its baseline's models, and these are most of them.
    std::vector<BitModel> sizes;
    std::vector<std::vector<std::array<std::uint32_t, kCandidateCount>>> scores1;  // [type][field x speed][candidate]: one baseline of history
    std::vector<std::vector<std::array<std::uint32_t, kCandidateCount>>> scores2;  // [type][field x speed][candidate]: two baselines
};

}  // namespace detail

class CodecMemory {
public:
    detail::Models models;
    std::uint32_t tick = 0;
    std::vector<std::uint32_t> ids;
    std::vector<std::uint32_t> offsets;  // as the snapshot's
    std::vector<std::uint8_t> depth;     // per entity: baselines of history, 0..2
    std::vector<std::int32_t> d1;        // per field: value - value one baseline back
    std::vector<std::int32_t> d2;        // per field: one baseline back - two back
    std::vector<std::uint8_t> surprise;  // per field: size class of its last coded residual (0: none), its
                                         // sign in the top bit (kNegativeSurprise)
    std::uint32_t dt1 = 0;               // ticks between this snapshot and its baseline
    std::uint32_t dt2 = 0;               // ticks between that baseline and its own
};

namespace detail {

namespace {

/// Prediction spans (ticks) and field widths beyond these predict nothing: the integer
/// arithmetic below stays far from overflow.
constexpr std::uint32_t kMaxSpan = 255;
constexpr unsigned kMaxPredictedBits = 24;
constexpr unsigned kMaxQuatBits = 15;

std::uint64_t isqrt(std::uint64_t x) {
    auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(x)));
    while (r > 0 && r * r > x) --r;
    while ((r + 1) * (r + 1) <= x) ++r;
    return r;
}

/// n / d rounded to nearest, halves away from zero; d > 0.
std::int64_t roundDiv(std::int64_t n, std::int64_t d) {
    return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
}

/// The top bit of a remembered surprise: the residual was negative.
constexpr std::uint8_t kNegativeSurprise = 0x80;

unsigned classBucket(unsigned cls) { return cls == 0 ? 0u : (cls <= 2 ? 1u : (cls <= 5 ? 2u : 3u)); }

/// How fast a field moved over the last interval (kSpeedBuckets classes of |d|).
unsigned speedBucket(std::int64_t d) {
    const auto w = static_cast<unsigned>(std::bit_width(static_cast<std::uint64_t>(d < 0 ? -d : d)));
    return std::min<unsigned>((w + 1) / 2, kSpeedBuckets - 1);
}

unsigned motionBucket(std::int64_t d) {
    const auto w = std::bit_width(static_cast<std::uint64_t>(d < 0 ? -d : d));
    return w == 0 ? 0u : (w <= 2 ? 1u : (w <= 5 ? 2u : 3u));
}

/// Predictions of a value from its history: P0 keeps it; P1 continues the last velocity,
/// P2 and P3 half and three quarters of it (bodies slowing under friction); P4 continues
/// the mean velocity over two baselines and P5 fits a parabola through all three. h is the
/// prediction span, s1 and s2 the spans of the history. P6, P7 and P8 are P1, P4 and P5
/// for plain fields; for a rotation they are spin() over one baseline, spin2() over two,
/// and spinTurning() (the angular velocity itself turning, as it precesses).
constexpr unsigned kCandidates = kCandidateCount;
constexpr unsigned kSpin = 6;
constexpr unsigned kSpin2 = 7;
constexpr unsigned kSpinTurning = 8;

std::int64_t extrapolate(unsigned k, std::int64_t a, std::int64_t d1, std::int64_t d2, std::int64_t h, std::int64_t s1,
                         std::int64_t s2) {
    if (h == s1 && s1 == s2) {
        // Evenly spaced history, the usual case: the same values without a division.
        switch (k) {
            case 1:
            case 6: return a + d1;
            case 2: return a + roundDiv(d1, 2);
            case 3: return a + roundDiv(3 * d1, 4);
            case 4:
            case 7: return a + roundDiv(d1 + d2, 2);
            case 5:
            case 8: return a + 2 * d1 - d2;
            default: return a;
        }
    }
    switch (k) {
        case 1:
        case 6: return a + roundDiv(d1 * h, s1);
        case 7: return a + roundDiv((d1 + d2) * h, s1 + s2);
        case 8: {
            const std::int64_t den = s1 * s2 * (s1 + s2);
            return a + roundDiv(h * d1 * s2 * (s1 + s2) + h * (h + s1) * (d1 * s2 - d2 * s1), den);
        }
        case 2: return a + roundDiv(d1 * h, 2 * s1);
        case 3: return a + roundDiv(3 * d1 * h, 4 * s1);
        case 4: return a + roundDiv((d1 + d2) * h, s1 + s2);
        case 5: {
            const std::int64_t den = s1 * s2 * (s1 + s2);
            return a + roundDiv(h * d1 * s2 * (s1 + s2) + h * (h + s1) * (d1 * s2 - d2 * s1), den);
        }
        default: return a;
    }
}

using QuatVector = std::array<std::int64_t, 4>;

/// A smallest-three rotation as four integers in units of 1/(M·√2), M = 2^bits - 1: the
/// kept components exactly (2c - M), the dropped one rebuilt from the unit norm.
QuatVector quatVector(std::uint64_t largest, const std::uint64_t* c, unsigned bits) {
    const std::int64_t m = (std::int64_t{1} << bits) - 1;
    QuatVector v{};
    std::int64_t sum = 0;
    for (unsigned i = 0, k = 0; i < 4; ++i) {
        if (i == largest) continue;
        v[i] = 2 * static_cast<std::int64_t>(c[k++]) - m;
        sum += v[i] * v[i];
    }
    v[largest] = static_cast<std::int64_t>(isqrt(static_cast<std::uint64_t>(std::max<std::int64_t>(0, 2 * m * m - sum))));
    return v;
}

/// Quantizes a four-integer rotation back to smallest-three, with its own largest
/// component or `forced` (0..3). False when the vector is zero.
bool quatQuantize(const QuatVector& p, int forced, unsigned bits, std::uint64_t out[4]) {
    const std::int64_t m = (std::int64_t{1} << bits) - 1;
    unsigned largest = 0;
    if (forced >= 0) {
        largest = static_cast<unsigned>(forced);
    } else {
        for (unsigned i = 1; i < 4; ++i) {
            if (std::llabs(p[i]) > std::llabs(p[largest])) largest = i;
        }
    }
    std::uint64_t n2 = 0;
    for (auto c : p) n2 += static_cast<std::uint64_t>(c * c);
    if (n2 == 0) return false;
    const std::int64_t sign = p[largest] < 0 ? -1 : 1;
    // Scale to the unit norm (2M² in these units): f = sqrt(2M² / n2) in 1/2^15ths.
    const auto f = static_cast<std::int64_t>(isqrt((static_cast<std::uint64_t>(2 * m * m) << 30) / n2));
    out[0] = largest;
    for (unsigned i = 0, k = 1; i < 4; ++i) {
        if (i == largest) continue;
        const std::int64_t u = roundDiv(sign * p[i] * f, std::int64_t{1} << 15);
        const std::int64_t t = std::max<std::int64_t>(0, u + m);
        out[k++] = static_cast<std::uint64_t>(std::min<std::int64_t>((t + 1) >> 1, m));
    }
    return true;
}

std::int64_t dot(const QuatVector& a, const QuatVector& b) {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3];
}

/// a ⊗ b, components w, x, y, z.
QuatVector multiply(const QuatVector& a, const QuatVector& b) {
    return {a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3], a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
            a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1], a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0]};
}

/// The rotation a keeps spinning as it did from b to a (constant angular velocity), h
/// ticks on when b was s1 ticks before a: a turned once more by the step from b to a
/// (exact integer products), blended linearly when h differs from s1.
QuatVector spin(const QuatVector& a, const QuatVector& b, unsigned bits, std::int64_t h, std::int64_t s1) {
    const std::int64_t m = (std::int64_t{1} << bits) - 1;
    const QuatVector step = multiply(a, QuatVector{b[0], -b[1], -b[2], -b[3]});  // norm 2M²
    QuatVector turned = multiply(step, a);
    for (auto& c : turned) c = roundDiv(c, 2 * m * m);  // back to the norm of a
    if (h == s1) return turned;
    QuatVector p{};
    for (unsigned i = 0; i < 4; ++i) p[i] = a[i] + roundDiv((turned[i] - a[i]) * h, s1);
    return p;
}

/// The rotation a keeps spinning, its angular velocity turning as it turned from the step
/// c -> b to the step b -> a (spans s2 and s1), h ticks on. Exact integer products, for
/// spans alike; blended linearly like spin() otherwise.
QuatVector spinTurning(const QuatVector& a, const QuatVector& b, const QuatVector& c, unsigned bits, std::int64_t h,
                       std::int64_t s1, std::int64_t s2) {
    if (s1 != s2) return spin(a, b, bits, h, s1);
    const std::int64_t m = (std::int64_t{1} << bits) - 1;
    const std::int64_t n2 = 2 * m * m;
    QuatVector step1 = multiply(a, QuatVector{b[0], -b[1], -b[2], -b[3]});  // norm 2M²
    QuatVector step2 = multiply(b, QuatVector{c[0], -c[1], -c[2], -c[3]});
    for (auto& x : step1) x = roundDiv(x, m);  // norm 2M
    for (auto& x : step2) x = roundDiv(x, m);
    // The next step: step1 turned by the change from step2 to step1, step1 ⊗ step2⁻¹ ⊗ step1.
    QuatVector next = multiply(multiply(step1, QuatVector{step2[0], -step2[1], -step2[2], -step2[3]}), step1);
    for (auto& x : next) x = roundDiv(x, 4 * m * m);  // norm 2M
    QuatVector turned = multiply(next, a);              // norm 2M·√(2M²)
    for (auto& x : turned) x = roundDiv(x, 2 * m);      // the norm of a
    (void)n2;
    if (h == s1) return turned;
    QuatVector p{};
    for (unsigned i = 0; i < 4; ++i) p[i] = a[i] + roundDiv((turned[i] - a[i]) * h, s1);
    return p;
}

/// spin() with the angular velocity measured over two baselines (c is s ticks before a):
/// half of the turn from c to a (the turn plus the identity, renormalised) is one mean
/// step, which averages out more of the quantization.
QuatVector spin2(const QuatVector& a, const QuatVector& c, unsigned bits, std::int64_t h, std::int64_t s) {
    const std::int64_t m = (std::int64_t{1} << bits) - 1;
    QuatVector twice = multiply(a, QuatVector{c[0], -c[1], -c[2], -c[3]});  // norm 2M²
    if (twice[0] < 0) {
        for (auto& x : twice) x = -x;
    }
    QuatVector half = twice;
    half[0] += 2 * m * m;
    std::uint64_t n2 = 0;
    for (auto x : half) n2 += static_cast<std::uint64_t>((x >> 8) * (x >> 8));
    const auto norm = static_cast<std::int64_t>(isqrt(n2)) << 8;  // |half|, to 1 part in 2^16 or better
    if (norm == 0) return a;
    QuatVector turned = multiply(half, a);
    for (auto& x : turned) x = roundDiv(x, norm);
    QuatVector p{};
    for (unsigned i = 0; i < 4; ++i) p[i] = a[i] + roundDiv((turned[i] - a[i]) * 2 * h, s);
    return p;
}

}  // namespace

/// One type's layout, with its rotation groups found.
struct TypeLayout {
    std::vector<FieldInfo> fields;
    std::vector<std::uint8_t> quatStart;  // per field: 1 where a 4-field rotation group starts
    std::vector<std::uint8_t> inQuat;     // per field: part of a rotation group
};

class CoreImpl {
public:
    explicit CoreImpl(std::vector<std::vector<FieldInfo>> types) : schema_(std::move(types)) {
        for (const auto& t : schema_) {
            TypeLayout l;
            l.fields = t;
            l.quatStart.assign(t.size(), 0);
            l.inQuat.assign(t.size(), 0);
            for (std::size_t f = 0; f + 3 < t.size(); ++f) {
                if (t[f].kind == FieldKind::QuatLargest && t[f].bits == 2 && t[f + 1].kind == FieldKind::QuatComponent &&
                    t[f + 2].kind == FieldKind::QuatComponent && t[f + 3].kind == FieldKind::QuatComponent &&
                    t[f + 1].bits == t[f + 2].bits && t[f + 2].bits == t[f + 3].bits && t[f + 1].bits <= kMaxQuatBits) {
                    l.quatStart[f] = 1;
                    l.inQuat[f] = l.inQuat[f + 1] = l.inQuat[f + 2] = l.inQuat[f + 3] = 1;
                    f += 3;
                }
            }
            layouts_.push_back(std::move(l));
            fresh_.fields.emplace_back(t.size());
            fresh_.scores1.emplace_back(t.size() * kSpeedBuckets, std::array<std::uint32_t, kCandidateCount>{});
            fresh_.scores2.emplace_back(t.size() * kSpeedBuckets, std::array<std::uint32_t, kCandidateCount>{});
            treeDepth_.emplace_back();
            sizeBase_.emplace_back();
            for (const auto& f : t) {
                // Size classes 1..bits, coded as class - 1 in `depth` bits (at most 6).
                const unsigned depth = std::min<unsigned>(bitsFor(f.bits <= 1 ? 0u : f.bits - 1u), 6);
                treeDepth_.back().push_back(depth);
                sizeBase_.back().push_back(static_cast<std::uint32_t>(fresh_.sizes.size()));
                fresh_.sizes.resize(fresh_.sizes.size() + (kSizeContexts << depth));
            }
        }
        typeBits_ = schema_.size() <= 1 ? 0u : bitsFor(schema_.size() - 1);
    }

    template <class Ops>
    bool walk(Ops& ops, const SnapshotCodecConfig& config, const FlatSnapshot* base, const CodecMemory* mem,
              FlatSnapshot& cur, Models& m, Error& error, std::vector<std::int32_t>& baseIndexOf,
              std::vector<std::uint8_t>& surprise, std::vector<std::uint32_t>* entityBits) const;

    std::vector<std::vector<FieldInfo>> schema_;
    std::vector<TypeLayout> layouts_;
    std::vector<std::vector<unsigned>> treeDepth_;
    std::vector<std::vector<std::uint32_t>> sizeBase_;  // [type][field]: where its tree starts in Models::sizes
    Models fresh_;
    unsigned typeBits_ = 0;
};

namespace {

class EncodeOps {
public:
    explicit EncodeOps(bool entropy) : entropy_(entropy) {}
    static constexpr bool kDecoding = false;
    void bit(BitModel& m, unsigned& b) {
        if (entropy_) {
            cost_ += bitCost16(b ? BitModel::kOne - m.p() : m.p());
            range_.encode(m, b);
        } else {
            cost_ += 16;
            bits_.write(b, 1);
        }
    }
    void direct(std::uint64_t& v, unsigned n) {
        if (n == 0) return;
        cost_ += 16u * n;
        if (entropy_) range_.encodeDirect(v, n);
        else bits_.write(v, n);
    }
    std::vector<std::uint8_t> finish() { return entropy_ ? range_.finish() : bits_.finish(); }
    [[nodiscard]] std::uint64_t cost() const { return cost_; }
    [[nodiscard]] bool truncated() const { return false; }

private:
    bool entropy_;
    RangeEncoder range_;
    BitWriter bits_;
    std::uint64_t cost_ = 0;
};

class DecodeOps {
public:
    DecodeOps(bool entropy, std::span<const std::uint8_t> bytes) : entropy_(entropy), range_(bytes), bits_(bytes) {}
    static constexpr bool kDecoding = true;
    void bit(BitModel& m, unsigned& b) {
        if (entropy_) {
            b = range_.decode(m);
        } else {
            auto r = bits_.read(1);
            b = r ? static_cast<unsigned>(*r) : 0u;
            failed_ = failed_ || !r;
        }
    }
    void direct(std::uint64_t& v, unsigned n) {
        if (n == 0) {
            v = 0;
            return;
        }
        if (entropy_) {
            v = range_.decodeDirect(n);
        } else {
            auto r = bits_.read(n);
            v = r ? *r : 0;
            failed_ = failed_ || !r;
        }
    }
    [[nodiscard]] std::uint64_t cost() const { return 0; }
    /// True when the decoder ran past what a well-formed packet can need.
    [[nodiscard]] bool truncated() const {
        return failed_ || range_.overrun() > RangeEncoder::kMaxDroppedZeros + 4;
    }

private:
    bool entropy_;
    RangeDecoder range_;
    BitReader bits_;
    bool failed_ = false;
};

/// Per-packet state of the neighbour contexts: the previous coded entity's size class and
/// sign of each field.
struct Neighbours {
    std::vector<std::vector<std::uint8_t>> lastClass;
    std::vector<std::vector<std::uint8_t>> lastSign;
};

/// Codes `value` (of `width` bits) against `prediction`. `history` is 0 (no history),
/// 1 (the field did not move last interval) or 2 (it did); `motion` the size bucket of that
/// move. Returns whether it differed.
template <class Ops>
bool codeField(Ops& ops, FieldModels& fm, BitModel* sizeTree, unsigned width, unsigned depth, std::uint8_t& lastClass,
               std::uint8_t& lastSign, std::uint8_t& entityClass, bool prevDiffered, unsigned history, unsigned motion, unsigned direction,
               std::uint8_t own, std::uint64_t& value, std::uint64_t prediction) {
    // What this field's own last residual was: none, small or larger, and its sign. A
    // prediction that missed last time tends to miss again, the same way.
    const unsigned ownClass = own & ~kNegativeSurprise;
    const unsigned ownSize = ownClass == 0 ? 0u : (ownClass <= 2 ? 1u : 2u);
    const unsigned ownSign = ownClass == 0 ? 0u : ((own & kNegativeSurprise) ? 2u : 1u);
    const std::uint64_t mask = width >= 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << width) - 1);
    unsigned differs = Ops::kDecoding ? 0u : (value != prediction ? 1u : 0u);
    ops.bit(fm.differs[((prevDiffered ? 3u : 0u) + history) * 3 + ownSize], differs);
    if (!differs) {
        lastClass = 0;
        entityClass = 0;
        lastSign = 2;
        if constexpr (Ops::kDecoding) value = prediction;
        return false;
    }
    std::uint64_t magnitude = 0;
    unsigned negative = 0;
    if constexpr (!Ops::kDecoding) {
        negative = value < prediction ? 1u : 0u;
        magnitude = negative ? ((prediction - value) & mask) : ((value - prediction) & mask);
    }
    ops.bit(fm.sign[(lastSign * 3 + direction) * 3 + ownSign], negative);
    unsigned cls = Ops::kDecoding ? 0u : static_cast<unsigned>(std::bit_width(magnitude));  // 1..width
    const unsigned near = std::max(lastClass, entityClass);
    const unsigned neighbour = near == 0 ? 0u : (near <= 3 ? 1u : (near <= 7 ? 2u : 3u));
    BitModel* tree = sizeTree + ((neighbour * 8 + motion) << depth);
    unsigned node = 1;
    unsigned clsMinus1 = cls - 1;
    for (unsigned i = depth; i-- > 0;) {
        unsigned b = Ops::kDecoding ? 0u : ((clsMinus1 >> i) & 1u);
        ops.bit(tree[node], b);  // node < 1 << depth
        node = (node << 1) | b;
    }
    if constexpr (Ops::kDecoding) {
        clsMinus1 = node - (1u << depth);
        cls = clsMinus1 + 1;
        if (cls > width) {  // impossible in a valid packet: make the caller's range check fail
            value = ~std::uint64_t{0};
            return true;
        }
    }
    if (cls >= 2) {
        unsigned top = Ops::kDecoding ? 0u : static_cast<unsigned>((magnitude >> (cls - 2)) & 1u);
        ops.bit(fm.mantissa[cls], top);
        std::uint64_t rest = Ops::kDecoding ? 0 : (magnitude & ((std::uint64_t{1} << (cls - 2)) - 1));
        ops.direct(rest, cls - 2);
        if constexpr (Ops::kDecoding) {
            magnitude = (std::uint64_t{1} << (cls - 1)) | (std::uint64_t{top} << (cls - 2)) | rest;
        }
    } else if constexpr (Ops::kDecoding) {
        magnitude = 1;
    }
    if constexpr (Ops::kDecoding) value = (negative ? (prediction - magnitude) : (prediction + magnitude)) & mask;
    lastClass = static_cast<std::uint8_t>(cls);
    entityClass = static_cast<std::uint8_t>(cls);
    lastSign = static_cast<std::uint8_t>(negative);
    return true;
}

/// Elias-gamma style count or gap, the bit length through adaptive models.
template <class Ops>
void codeCount(Ops& ops, std::array<BitModel, 64>& models, std::uint64_t& value) {
    std::uint64_t v = Ops::kDecoding ? 0 : value + 1;
    unsigned width = Ops::kDecoding ? 0u : static_cast<unsigned>(std::bit_width(v));
    unsigned w = 1;
    for (; w < 64; ++w) {
        unsigned more = Ops::kDecoding ? 0u : (width > w ? 1u : 0u);
        ops.bit(models[w], more);
        if (!more) break;
    }
    std::uint64_t rest = Ops::kDecoding ? 0 : (v & ((w >= 64 ? 0 : (std::uint64_t{1} << (w - 1))) - 1));
    ops.direct(rest, w - 1);
    if constexpr (Ops::kDecoding) value = ((std::uint64_t{1} << (w - 1)) | rest) - 1;
}

bool inRange(std::uint64_t v, unsigned bits) { return bits >= 64 || (v >> bits) == 0; }

unsigned costOf(std::uint64_t a, std::uint64_t b) {
    return static_cast<unsigned>(std::bit_width(a > b ? a - b : b - a));
}

void updateScore(std::uint32_t& score, unsigned cost) { score = score - (score >> 4) + (cost << 4); }

/// The prediction of one baseline entity: per field the chosen candidate's value, and
/// what is needed to score every candidate once the true values are known.
struct Prediction {
    unsigned candidates = 1;                             // 1 (no motion to predict) or kCandidates
    unsigned mask = 1;                                   // the candidates of plain fields (bit k)
    unsigned quatMask = 1;                               // the candidates of rotations
    std::vector<std::uint64_t> value;                    // per field: the prediction
    std::vector<std::array<std::uint64_t, kCandidates>> cand;  // per field: every candidate's value
    std::vector<std::array<QuatVector, kCandidates>> quat;  // per rotation group start: candidate vectors
    std::vector<std::uint8_t> quatOk;                    // per group start, per candidate (bit k)
    std::vector<std::uint8_t> chosen;                    // per field
    std::vector<std::uint8_t> speed;                     // per field (group start): speedBucket() of its last move
};

}  // namespace

template <class Ops>
bool CoreImpl::walk(Ops& ops, const SnapshotCodecConfig& config, const FlatSnapshot* base, const CodecMemory* mem,
                    FlatSnapshot& cur, Models& m, Error& error, std::vector<std::int32_t>& baseIndexOf,
                    std::vector<std::uint8_t>& surprise, std::vector<std::uint32_t>* entityBits) const {
    constexpr bool decoding = Ops::kDecoding;
    Neighbours nb;
    for (const auto& t : schema_) {
        nb.lastClass.emplace_back(t.size(), 0);
        nb.lastSign.emplace_back(t.size(), 2);
    }
    const std::int64_t h = base ? static_cast<std::int64_t>(cur.tick - base->tick) : 0;
    const std::int64_t s1 = mem ? mem->dt1 : 0;
    const std::int64_t s2 = mem ? mem->dt2 : 0;
    const bool spansOk = h >= 1 && h <= kMaxSpan && s1 >= 1 && s1 <= kMaxSpan;
    const bool spans2Ok = spansOk && s2 >= 1 && s2 <= kMaxSpan;

    // Decoding: kept entities (id order) then additions, merged at the end.
    FlatSnapshot kept;
    std::vector<std::int32_t> keptBase;
    std::vector<std::uint8_t> keptSurprise;
    std::vector<std::uint8_t> classes;
    if constexpr (decoding) {
        kept.tick = cur.tick;
        if (base) {
            kept.ids.reserve(base->size());
            kept.values.reserve(base->values.size());
        }
    }
    if constexpr (!decoding) {
        baseIndexOf.assign(cur.size(), -1);
        surprise.assign(cur.values.size(), 0);
        if (entityBits) entityBits->assign(cur.size(), 0);
    }

    Prediction pred;
    std::vector<std::uint64_t> scratch;
    std::size_t ci = 0;
    unsigned recent = 0;
    std::vector<std::size_t> added;  // encoding: indices into cur
    if (base) {
        for (std::size_t bi = 0; bi < base->size(); ++bi) {
            const std::uint64_t costBefore = ops.cost();
            const std::uint32_t id = base->ids[bi];
            const std::uint8_t type = base->types[bi];
            const TypeLayout& layout = layouts_[type];
            const std::size_t nf = layout.fields.size();
            const std::uint64_t* bv = &base->values[base->offsets[bi]];
            std::size_t match = SIZE_MAX;
            if constexpr (!decoding) {
                while (ci < cur.size() && cur.ids[ci] < id) added.push_back(ci++);
                if (ci < cur.size() && cur.ids[ci] == id && cur.types[ci] == type) match = ci++;
            }
            // History of this entity along the chain of baselines.
            unsigned depth = mem ? mem->depth[bi] : 0u;
            const std::int32_t* d1 = mem ? &mem->d1[mem->offsets[bi]] : nullptr;
            const std::int32_t* d2 = mem ? &mem->d2[mem->offsets[bi]] : nullptr;
            if (depth >= 2 && !spans2Ok) depth = 1;
            if (depth >= 1 && !spansOk) depth = 0;
            bool still = true;
            if (depth >= 1) {
                for (std::size_t f = 0; f < nf && still; ++f) still = d1[f] == 0 && (depth < 2 || d2[f] == 0);
            }
            // Predict every field.
            pred.value.assign(bv, bv + nf);
            pred.candidates = still ? 1u : kCandidates;
            // Plain fields: keep, velocity, mean velocity, parabola. Rotations: keep and the
            // three spins (the 4-vector extrapolations lose to them on every scene tried).
            pred.mask = still ? 1u : (depth == 1 ? 0b000000011u : 0b000110011u);
            pred.quatMask = still ? 1u : (depth == 1 ? 0b001000001u : 0b111000001u);
            if (pred.candidates > 1) {
                pred.cand.resize(nf);
                pred.chosen.assign(nf, 0);
                pred.quat.resize(nf);
                pred.quatOk.assign(nf, 0);
                auto& scores1 = m.scores1[type];
                auto& scores2 = m.scores2[type];
                pred.speed.assign(nf, 0);
                for (std::size_t f = 0; f < nf; ++f) {
                    if (layout.quatStart[f]) {
                        const auto fastest = std::max({std::abs(d1[f + 1]), std::abs(d1[f + 2]), std::abs(d1[f + 3])});
                        pred.speed[f] = static_cast<std::uint8_t>(speedBucket(fastest));
                        f += 3;
                    } else {
                        pred.speed[f] = static_cast<std::uint8_t>(speedBucket(d1[f]));
                    }
                }
                for (std::size_t f = 0; f < nf; ++f) {
                    const FieldInfo& fi = layout.fields[f];
                    auto best = [&](std::size_t field, unsigned mask) {
                        unsigned k = 0;
                        const std::size_t row = field * kSpeedBuckets + pred.speed[field];
                        const auto& sc = depth == 1 ? scores1[row] : scores2[row];
                        for (unsigned j = 1; j < kCandidates; ++j) {
                            if (((mask >> j) & 1u) && sc[j] < sc[k]) k = j;
                        }
                        return k;
                    };
                    if (layout.quatStart[f]) {
                        const unsigned bits = layout.fields[f + 1].bits;
                        std::uint64_t hb[4];
                        std::uint64_t hc[4];
                        for (unsigned i = 0; i < 4; ++i) {
                            hb[i] = static_cast<std::uint64_t>(static_cast<std::int64_t>(bv[f + i]) - d1[f + i]);
                            hc[i] = depth >= 2 ? static_cast<std::uint64_t>(static_cast<std::int64_t>(hb[i]) - d2[f + i])
                                               : 0;
                        }
                        const QuatVector va = quatVector(bv[f], &bv[f + 1], bits);
                        QuatVector vb = quatVector(hb[0] & 3u, &hb[1], bits);
                        if (dot(va, vb) < 0) {
                            for (auto& c : vb) c = -c;
                        }
                        QuatVector vc{};
                        if (depth >= 2) {
                            vc = quatVector(hc[0] & 3u, &hc[1], bits);
                            if (dot(vb, vc) < 0) {
                                for (auto& c : vc) c = -c;
                            }
                        }
                        for (unsigned k = 0; k < pred.candidates; ++k) {
                            QuatVector p{};
                            if (!((pred.quatMask >> k) & 1u)) {
                                for (unsigned i = 0; i < 4; ++i) pred.cand[f + i][k] = bv[f + i];
                                continue;
                            }
                            if (k == kSpin) {
                                p = spin(va, vb, bits, h, s1);
                            } else if (k == kSpin2) {
                                p = spin2(va, vc, bits, h, s1 + s2);
                            } else if (k == kSpinTurning) {
                                p = spinTurning(va, vb, vc, bits, h, s1, s2);
                            } else {
                                for (unsigned i = 0; i < 4; ++i) {
                                    p[i] = extrapolate(k, va[i], va[i] - vb[i], vb[i] - vc[i], h, s1, s2);
                                }
                            }
                            pred.quat[f][k] = p;
                            std::uint64_t q[4];
                            if (k == 0) {
                                for (unsigned i = 0; i < 4; ++i) pred.cand[f + i][0] = bv[f + i];
                                pred.quatOk[f] |= 1u;
                            } else if (quatQuantize(p, -1, bits, q)) {
                                for (unsigned i = 0; i < 4; ++i) pred.cand[f + i][k] = q[i];
                                pred.quatOk[f] |= static_cast<std::uint8_t>(1u << k);
                            } else {
                                for (unsigned i = 0; i < 4; ++i) pred.cand[f + i][k] = bv[f + i];
                            }
                        }
                        const unsigned k = best(f, pred.quatMask);
                        for (unsigned i = 0; i < 4; ++i) {
                            pred.chosen[f + i] = static_cast<std::uint8_t>(k);
                            pred.value[f + i] = pred.cand[f + i][k];
                        }
                        f += 3;
                        continue;
                    }
                    for (unsigned k = 0; k < pred.candidates; ++k) pred.cand[f][k] = bv[f];
                    if (fi.bits > kMaxPredictedBits || layout.inQuat[f]) continue;
                    const std::int64_t top = (std::int64_t{1} << fi.bits) - 1;
                    for (unsigned k = 1; k < kSpin; ++k) {
                        if (!((pred.mask >> k) & 1u)) continue;
                        const std::int64_t p = extrapolate(k, static_cast<std::int64_t>(bv[f]), d1[f],
                                                           depth >= 2 ? d2[f] : 0, h, s1, s2);
                        pred.cand[f][k] = static_cast<std::uint64_t>(std::clamp<std::int64_t>(p, 0, top));
                    }
                    // A plain field has no rotation candidates: they repeat P1, P4 and P5.
                    pred.cand[f][kSpin] = pred.cand[f][1];
                    pred.cand[f][kSpin2] = pred.cand[f][4];
                    pred.cand[f][kSpinTurning] = pred.cand[f][5];
                    const unsigned k = best(f, pred.mask);
                    pred.chosen[f] = static_cast<std::uint8_t>(k);
                    pred.value[f] = pred.cand[f][k];
                }
            }
            // The same decision's context: how this entity moved along the baselines (none,
            // still for two intervals, for one, moving as predicted, moving and surprising
            // the prediction last time), whether the two entities before it changed in this
            // packet, and whether the next one moved: bodies come to rest and are set moving
            // together with their neighbours.
            unsigned sameOwn = 0;
            if (depth >= 1) {
                bool moved1 = false;
                bool moved2 = false;
                bool surprised = false;
                const std::uint8_t* sp = &mem->surprise[mem->offsets[bi]];
                for (std::size_t f = 0; f < nf; ++f) {
                    moved1 = moved1 || d1[f] != 0;
                    moved2 = moved2 || (depth >= 2 && d2[f] != 0);
                    surprised = surprised || sp[f] != 0;
                }
                sameOwn = !moved1 ? (moved2 ? 2u : 1u) : (surprised ? 4u : 3u);
            }
            unsigned nextMoved = 0;
            if (mem && bi + 1 < base->size() && mem->depth[bi + 1] >= 1) {
                for (std::uint32_t v = mem->offsets[bi + 1]; v < mem->offsets[bi + 2] && !nextMoved; ++v) {
                    nextMoved = mem->d1[v] != 0 ? 1u : 0u;
                }
            }
            const std::uint64_t* cv = nullptr;
            if constexpr (!decoding) {
                if (match != SIZE_MAX) {
                    if (cur.offsets[match + 1] - cur.offsets[match] != nf) return false;
                    cv = &cur.values[cur.offsets[match]];
                }
            }
            unsigned same = 0;
            if constexpr (!decoding) same = (cv && std::equal(cv, cv + nf, pred.value.begin())) ? 1u : 0u;
            ops.bit(m.same[((recent & 3u) * 5 + sameOwn) * 2 + nextMoved], same);
            recent = ((recent << 1) | (same ? 0u : 1u)) & 3u;
            if (!same) {
                unsigned removed = decoding ? 0u : (match == SIZE_MAX ? 1u : 0u);
                ops.bit(m.removed, removed);
                if (removed) continue;
            }
            // The entity's values: the prediction, or coded field by field against it.
            classes.assign(nf, 0);
            scratch.assign(pred.value.begin(), pred.value.end());
            if constexpr (!decoding) {
                if (!same) scratch.assign(cv, cv + nf);
            }
            if (!same) {
                auto& fms = m.fields[type];
                auto& lastClass = nb.lastClass[type];
                auto& lastSign = nb.lastSign[type];
                bool prev = false;
                std::uint8_t entityClass = 0;
                for (std::size_t f = 0; f < nf; ++f) {
                    const unsigned width = layout.fields[f].bits;
                    const unsigned hist = depth == 0 ? 0u : (d1[f] == 0 ? 1u : 2u);
                    const std::uint8_t own = depth == 0 ? std::uint8_t{0} : mem->surprise[mem->offsets[bi] + f];
                    const unsigned motion = depth == 0 ? 0u
                                                       : classBucket(own & ~kNegativeSurprise) * 2 +
                                                             (motionBucket(d1[f]) >= 2 ? 1u : 0u);
                    std::uint64_t prediction = pred.value[f];
                    // A rotation whose largest component changed: its other components are
                    // predicted from the same motion, re-expressed without that component.
                    if (layout.inQuat[f] && !layout.quatStart[f]) {
                        std::size_t g = f;
                        while (!layout.quatStart[g]) --g;
                        if (scratch[g] != pred.value[g]) {
                            const unsigned k = pred.candidates > 1 ? pred.chosen[g] : 0u;
                            const QuatVector p = (pred.candidates > 1 && ((pred.quatOk[g] >> k) & 1u))
                                                     ? pred.quat[g][k]
                                                     : quatVector(bv[g], &bv[g + 1], layout.fields[g + 1].bits);
                            std::uint64_t q[4];
                            if (quatQuantize(p, static_cast<int>(scratch[g] & 3u), layout.fields[g + 1].bits, q)) {
                                prediction = q[f - g];
                            }
                        }
                    }
                    const unsigned direction = depth == 0 || d1[f] == 0 ? 0u : (d1[f] > 0 ? 1u : 2u);
                    prev = codeField(ops, fms[f], &m.sizes[sizeBase_[type][f]], width, treeDepth_[type][f], lastClass[f], lastSign[f], entityClass, prev, hist,
                                     motion, direction, own, scratch[f], prediction);
                    classes[f] = prev ? static_cast<std::uint8_t>(entityClass | (lastSign[f] == 1 ? kNegativeSurprise : 0))
                                      : std::uint8_t{0};
                    if (decoding && !inRange(scratch[f], width)) return false;
                }
            }
            // Score every candidate against the truth.
            if (pred.candidates > 1) {
                auto& sc1 = m.scores1[type];
                auto& sc2 = m.scores2[type];
                for (std::size_t f = 0; f < nf; ++f) {
                    if (layout.inQuat[f] && !layout.quatStart[f]) continue;
                    if (!layout.inQuat[f] && layout.fields[f].bits > kMaxPredictedBits) continue;
                    const unsigned mask = layout.quatStart[f] ? pred.quatMask : pred.mask;
                    for (unsigned k = 0; k < pred.candidates; ++k) {
                        if (!((mask >> k) & 1u)) continue;
                        unsigned cost = 0;
                        if (layout.quatStart[f]) {
                            cost = pred.cand[f][k] != scratch[f]
                                       ? 12u
                                       : costOf(pred.cand[f + 1][k], scratch[f + 1]) +
                                             costOf(pred.cand[f + 2][k], scratch[f + 2]) +
                                             costOf(pred.cand[f + 3][k], scratch[f + 3]);
                        } else {
                            cost = costOf(pred.cand[f][k], scratch[f]);
                        }
                        const std::size_t row = f * kSpeedBuckets + pred.speed[f];
                        if (depth == 1) updateScore(sc1[row][k], cost);
                        else updateScore(sc2[row][k], cost);
                    }
                }
            }
            if constexpr (decoding) {
                kept.ids.push_back(id);
                kept.types.push_back(type);
                kept.values.insert(kept.values.end(), scratch.begin(), scratch.end());
                keptSurprise.insert(keptSurprise.end(), classes.begin(), classes.end());
                kept.offsets.push_back(static_cast<std::uint32_t>(kept.values.size()));
                keptBase.push_back(static_cast<std::int32_t>(bi));
            } else {
                baseIndexOf[match] = static_cast<std::int32_t>(bi);
                std::copy(classes.begin(), classes.end(), surprise.begin() + cur.offsets[match]);
                if (entityBits) {
                    (*entityBits)[match] = static_cast<std::uint32_t>(std::max<std::uint64_t>(1, (ops.cost() - costBefore + 15) / 16));
                }
            }
        }
    }
    if constexpr (!decoding) {
        while (ci < cur.size()) added.push_back(ci++);
    }
    // Additions: the count, then each as an id gap, a type and every field against the
    // type's default state.
    std::uint64_t count = added.size();
    codeCount(ops, m.count, count);
    // Compared without adding: a count near 2^64 would wrap the sum past the check.
    if (decoding && (kept.size() > config.maxEntities || count > config.maxEntities - kept.size())) {
        error = Error::LimitExceeded;
        return false;
    }
    FlatSnapshot fresh;
    std::uint64_t previousId = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::uint64_t costBefore = ops.cost();
        const std::size_t at = decoding ? 0 : added[i];
        std::uint64_t gap = decoding ? 0 : (cur.ids[at] - previousId - (i == 0 ? 0 : 1));
        codeCount(ops, m.gap, gap);
        const std::uint64_t id = previousId + gap + (i == 0 ? 0 : 1);
        if (decoding && (id > UINT32_MAX || gap > UINT32_MAX)) return false;
        previousId = id;
        std::uint64_t type = decoding ? 0 : cur.types[at];
        ops.direct(type, typeBits_);
        if (decoding && type >= schema_.size()) return false;
        const auto& fields = schema_[type];
        if constexpr (decoding) {
            scratch.resize(fields.size());
            for (std::size_t f = 0; f < fields.size(); ++f) scratch[f] = fields[f].defaultValue;
        } else {
            if (cur.offsets[at + 1] - cur.offsets[at] != fields.size()) return false;
            scratch.assign(&cur.values[cur.offsets[at]], &cur.values[cur.offsets[at]] + fields.size());
        }
        auto& fms = m.fields[type];
        bool prev = false;
        std::uint8_t entityClass = 0;
        for (std::size_t f = 0; f < fields.size(); ++f) {
            prev = codeField(ops, fms[f], &m.sizes[sizeBase_[type][f]], fields[f].bits, treeDepth_[type][f], nb.lastClass[type][f],
                             nb.lastSign[type][f], entityClass, prev, 0, 0, 0, 0, scratch[f], fields[f].defaultValue);
            if (decoding && !inRange(scratch[f], fields[f].bits)) return false;
        }
        if constexpr (decoding) {
            if (ops.truncated()) {
                error = Error::Truncated;
                return false;
            }
            fresh.ids.push_back(static_cast<std::uint32_t>(id));
            fresh.types.push_back(static_cast<std::uint8_t>(type));
            fresh.values.insert(fresh.values.end(), scratch.begin(), scratch.end());
            fresh.offsets.push_back(static_cast<std::uint32_t>(fresh.values.size()));
        } else if (entityBits) {
            (*entityBits)[at] = static_cast<std::uint32_t>((ops.cost() - costBefore + 15) / 16);
        }
    }
    if constexpr (decoding) {
        // Merge kept and added in id order; an added id that is also kept is malformed.
        cur.clear();
        cur.ids.reserve(kept.size() + fresh.size());
        baseIndexOf.clear();
        surprise.clear();
        std::size_t a = 0;
        std::size_t b = 0;
        auto append = [&](const FlatSnapshot& from, std::size_t i, std::int32_t baseIndex) {
            cur.ids.push_back(from.ids[i]);
            cur.types.push_back(from.types[i]);
            cur.values.insert(cur.values.end(), from.values.begin() + from.offsets[i],
                              from.values.begin() + from.offsets[i + 1]);
            if (baseIndex >= 0) {
                surprise.insert(surprise.end(), keptSurprise.begin() + from.offsets[i],
                                keptSurprise.begin() + from.offsets[i + 1]);
            } else {
                surprise.insert(surprise.end(), from.offsets[i + 1] - from.offsets[i], 0);
            }
            cur.offsets.push_back(static_cast<std::uint32_t>(cur.values.size()));
            baseIndexOf.push_back(baseIndex);
        };
        while (a < kept.size() || b < fresh.size()) {
            if (b >= fresh.size() || (a < kept.size() && kept.ids[a] < fresh.ids[b])) {
                append(kept, a, keptBase[a]);
                ++a;
            } else {
                if (a < kept.size() && kept.ids[a] == fresh.ids[b]) return false;
                append(fresh, b, -1);
                ++b;
            }
        }
    }
    return true;
}

namespace {

bool sortedUnique(const FlatSnapshot& s) {
    for (std::size_t i = 1; i < s.size(); ++i) {
        if (s.ids[i - 1] >= s.ids[i]) return false;
    }
    return true;
}

bool memoryFits(const CodecMemory& mem, const FlatSnapshot& base) {
    return mem.tick == base.tick && mem.ids == base.ids && mem.offsets == base.offsets;
}

/// What to remember of `cur`, coded against `base` (with `mem` when chained).
std::shared_ptr<const CodecMemory> remember(Models&& models, const FlatSnapshot* base, const CodecMemory* mem,
                                            const FlatSnapshot& cur, const std::vector<std::int32_t>& baseIndexOf,
                                            std::vector<std::uint8_t>&& surprise) {
    auto out = std::make_shared<CodecMemory>();
    out->models = std::move(models);
    out->tick = cur.tick;
    out->ids = cur.ids;
    out->offsets = cur.offsets;
    out->depth.assign(cur.size(), 0);
    out->d1.assign(cur.values.size(), 0);
    out->surprise = std::move(surprise);
    out->surprise.resize(cur.values.size(), 0);
    out->d2.assign(cur.values.size(), 0);
    if (!base) return out;
    out->dt1 = cur.tick - base->tick;
    out->dt2 = mem ? mem->dt1 : 0;
    for (std::size_t i = 0; i < cur.size(); ++i) {
        const std::int32_t bi = i < baseIndexOf.size() ? baseIndexOf[i] : -1;
        if (bi < 0) continue;
        const auto b = static_cast<std::size_t>(bi);
        const std::size_t n = cur.offsets[i + 1] - cur.offsets[i];
        bool fits = true;
        for (std::size_t f = 0; f < n; ++f) {
            const auto d = static_cast<std::int64_t>(cur.values[cur.offsets[i] + f]) -
                           static_cast<std::int64_t>(base->values[base->offsets[b] + f]);
            if (d < std::numeric_limits<std::int32_t>::min() || d > std::numeric_limits<std::int32_t>::max()) {
                fits = false;
                break;
            }
            out->d1[cur.offsets[i] + f] = static_cast<std::int32_t>(d);
        }
        if (!fits) {
            std::fill(out->d1.begin() + cur.offsets[i], out->d1.begin() + cur.offsets[i + 1], 0);
            continue;
        }
        const unsigned older = mem ? mem->depth[b] : 0u;
        out->depth[i] = static_cast<std::uint8_t>(std::min(2u, older + 1));
        if (older >= 1) {
            std::copy(mem->d1.begin() + mem->offsets[b], mem->d1.begin() + mem->offsets[b + 1],
                      out->d2.begin() + cur.offsets[i]);
        }
    }
    return out;
}

}  // namespace

CodecCore::CodecCore(std::vector<std::vector<FieldInfo>> types) : impl_(std::make_unique<CoreImpl>(std::move(types))) {}
CodecCore::~CodecCore() = default;

const std::vector<std::vector<FieldInfo>>& CodecCore::types() const noexcept { return impl_->schema_; }

Result<std::vector<std::uint8_t>> CodecCore::encode(const SnapshotCodecConfig& config, const FlatSnapshot* baseline,
                                                    const FlatSnapshot& current, const EncodeOptions& options) const {
    if (current.size() > config.maxEntities || !sortedUnique(current)) return fail(Error::InvalidArgument);
    if (baseline && !sortedUnique(*baseline)) return fail(Error::InvalidArgument);
    const CodecMemory* mem = (baseline && config.chainModels) ? options.baselineMemory : nullptr;
    if (mem && !memoryFits(*mem, *baseline)) return fail(Error::InvalidArgument);
    SnapshotHeader header;
    header.tick = current.tick;
    header.keyframe = baseline == nullptr;
    header.entropyCoded = config.entropyCoding;
    if (baseline) {
        header.baselineTick = baseline->tick;
        header.baselineHash = contentHash(*baseline);
        header.chained = mem != nullptr;
    }
    std::vector<std::uint8_t> out;
    writeSnapshotHeader(out, header);
    EncodeOps ops(config.entropyCoding);
    Models models = mem ? mem->models : impl_->fresh_;
    Error ignored = Error::InvalidArgument;
    std::vector<std::int32_t> baseIndexOf;
    std::vector<std::uint8_t> surprise;
    if (!impl_->walk(ops, config, baseline, mem, const_cast<FlatSnapshot&>(current), models, ignored, baseIndexOf,
                     surprise, options.entityBits)) {
        return fail(Error::InvalidArgument);
    }
    const auto body = ops.finish();
    out.insert(out.end(), body.begin(), body.end());
    if (options.maxBytes != 0 && out.size() > options.maxBytes) return fail(Error::MessageTooLarge);
    if (options.memory) {
        if (config.chainModels) {
            *options.memory = remember(std::move(models), baseline, mem, current, baseIndexOf, std::move(surprise));
        }
        else options.memory->reset();
    }
    return out;
}

Result<DecodedFlat> CodecCore::decode(const SnapshotCodecConfig& config, const FlatSnapshot* baseline,
                                      std::span<const std::uint8_t> bytes, const DecodeOptions& options) const {
    auto header = readSnapshotHeader(bytes);
    if (!header) return fail(header.failure());
    const CodecMemory* mem = nullptr;
    if (!header->keyframe) {
        if (!baseline || baseline->tick != header->baselineTick || contentHash(*baseline) != header->baselineHash) {
            return fail(Error::WrongBaseline);
        }
        if (header->chained) {
            mem = options.baselineMemory;
            if (!mem || !memoryFits(*mem, *baseline)) return fail(Error::WrongBaseline);
        }
    }
    if (header->keyframe) baseline = nullptr;
    DecodeOps ops(header->entropyCoded, bytes.subspan(header->headerBytes));
    DecodedFlat out;
    out.snapshot.tick = header->tick;
    Models models = mem ? mem->models : impl_->fresh_;
    Error error = Error::Malformed;
    std::vector<std::uint8_t> surprise;
    if (!impl_->walk(ops, config, baseline, mem, out.snapshot, models, error, out.sameAs, surprise, nullptr)) {
        return fail(error);
    }
    if (ops.truncated()) return fail(Error::Truncated);
    if (options.memory) {
        *options.memory = remember(std::move(models), baseline, mem, out.snapshot, out.sameAs, std::move(surprise));
    }
    // sameAs: only where the values are the baseline's exactly.
    for (std::size_t i = 0; i < out.snapshot.size(); ++i) {
        const std::int32_t b = out.sameAs[i];
        if (b < 0) continue;
        const auto bi = static_cast<std::size_t>(b);
        if (!std::equal(out.snapshot.values.begin() + out.snapshot.offsets[i],
                        out.snapshot.values.begin() + out.snapshot.offsets[i + 1],
                        baseline->values.begin() + baseline->offsets[bi])) {
            out.sameAs[i] = -1;
        }
    }
    return out;
}

std::uint16_t CodecCore::contentHash(const FlatSnapshot& s) {
    // FNV-1a's step on 64-bit words, then MurmurHash3's finaliser (docs/PROTOCOL.md §6).
    std::uint64_t h = 1469598103934665603ull;
    auto add = [&h](std::uint64_t v) { h = (h ^ v) * 1099511628211ull; };
    add(s.tick);
    add(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        add((static_cast<std::uint64_t>(s.types[i]) << 32) | s.ids[i]);
        for (std::uint32_t v = s.offsets[i]; v < s.offsets[i + 1]; ++v) add(s.values[v]);
    }
    std::uint64_t x = h;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return static_cast<std::uint16_t>(x ^ (x >> 16) ^ (x >> 32) ^ (x >> 48));
}

std::uint64_t CodecCore::schemaHash() const noexcept {
    // FNV-1a over bytes of: the type count, then per type its field count and each
    // field's width (with its kind above the width when it is not Plain).
    std::uint64_t h = 1469598103934665603ull;
    auto add = [&h](std::uint64_t v) {
        for (int i = 0; i < 8; ++i) {
            h ^= (v >> (8 * i)) & 0xFF;
            h *= 1099511628211ull;
        }
    };
    add(impl_->schema_.size());
    for (const auto& t : impl_->schema_) {
        add(t.size());
        for (const auto& f : t) {
            add(f.kind == FieldKind::Plain ? f.bits : (f.bits | (static_cast<std::uint64_t>(f.kind) << 8)));
        }
    }
    return h;
}

}  // namespace detail

}  // namespace tickwire::engine
