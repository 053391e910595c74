#pragma once
/// \file snapshot.hpp
/// Snapshots of the game world and the delta codec that sends them.
///
/// A game declares its entity types as ordinary structs whose members are quantized types
/// (quantize.hpp) or plain bools and integers, with a Cereal `serialize`:
///
///     struct Player {
///         BoundedVec3<FloatRange{-256.0, 256.0, 0.01}> position;
///         Angle<10> yaw;
///         BoundedInt<0, 100> health;
///         bool firing = false;
///         template <class A> void serialize(A& a) { a(position, yaw, health, firing); }
///         friend bool operator==(const Player&, const Player&) = default;
///     };
///     SnapshotCodec<Player, Projectile> codec;
///     auto bytes = codec.encode(&acked, current);    // or nullptr: a keyframe
///     auto world = codec.decode(&acked, *bytes);     // on the client, same baseline
///
/// No per-game encoder code is needed: the codec walks each type's fields through Cereal.
/// Entity layouts must be fixed (no containers). Encoding against a baseline sends entity
/// removals, additions (in full), and for every kept entity only the fields that differ
/// from their prediction, as signed deltas whose size class is modelled adaptively, through
/// a binary range coder (or bit-packed, when `entropyCoding` is off).
///
/// Predictors: by default a field is predicted to keep its baseline value. A type may
/// specialise SnapshotTraits with
///     static void predict(const T& baseline, T& predicted, std::uint32_t ticks);
/// which starts from a copy of the baseline state and may move it forward by `ticks`
/// (e.g. position += velocity * ticks). Both ends run it on the same baseline, so any
/// deterministic function works; the better it guesses, the fewer bits a delta takes.
/// Wire format: docs/PROTOCOL.md, "Snapshot packets".

#include <tickwire/engine/bit_stream.hpp>
#include <tickwire/engine/detail/field_archive.hpp>
#include <tickwire/engine/detail/range_coder.hpp>
#include <tickwire/engine/field.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <variant>
#include <vector>

namespace tickwire::engine {

namespace detail {
struct CodecModels;
}

/// Identifies an entity across snapshots. Chosen by the game; any 32-bit value.
using EntityId = std::uint32_t;

/// Optional per-type hooks for the snapshot codec; specialise to add a predictor.
template <class T>
struct SnapshotTraits {};

template <class T>
concept HasPredictor = requires(const T& baseline, T& predicted, std::uint32_t ticks) {
    SnapshotTraits<T>::predict(baseline, predicted, ticks);
};

/// The world at one tick: entities in ascending id order, each with its state.
template <class... Types>
struct Snapshot {
    using State = std::variant<Types...>;
    struct Entity {
        EntityId id = 0;
        State state;
        friend bool operator==(const Entity&, const Entity&) = default;
    };

    std::uint32_t tick = 0;
    /// Sorted by id, ids unique (set() keeps it so; encode() checks it).
    std::vector<Entity> entities;
    /// What the codec's adaptive models learned coding the packet that carried this
    /// snapshot (set by decode(), and by encode() through its `learned` argument). A delta
    /// against this snapshot starts from them, so the models keep learning from packet to
    /// packet along the chain of acknowledged baselines. Not part of ==.
    std::shared_ptr<const detail::CodecModels> models;

    /// Adds or replaces the entity with this id, keeping the order.
    void set(EntityId id, State state) {
        auto it = std::lower_bound(entities.begin(), entities.end(), id,
                                   [](const Entity& e, EntityId v) { return e.id < v; });
        if (it != entities.end() && it->id == id) {
            it->state = std::move(state);
        } else {
            entities.insert(it, Entity{id, std::move(state)});
        }
    }
    /// Removes the entity; false when there was none.
    bool remove(EntityId id) {
        auto it = std::lower_bound(entities.begin(), entities.end(), id,
                                   [](const Entity& e, EntityId v) { return e.id < v; });
        if (it == entities.end() || it->id != id) return false;
        entities.erase(it);
        return true;
    }
    /// The entity's state, or nullptr.
    [[nodiscard]] const State* find(EntityId id) const {
        auto it = std::lower_bound(entities.begin(), entities.end(), id,
                                   [](const Entity& e, EntityId v) { return e.id < v; });
        return (it != entities.end() && it->id == id) ? &it->state : nullptr;
    }

    friend bool operator==(const Snapshot& a, const Snapshot& b) {
        return a.tick == b.tick && a.entities == b.entities;
    }
};

/// Limits and options of a codec. Both ends must use the same values.
struct SnapshotCodecConfig {
    std::size_t maxEntities = 4096;  ///< 1..1,000,000: decoding never builds more
    bool entropyCoding = true;       ///< range-coded; false: the same decisions bit-packed
    /// Encoder: start each delta from the models its baseline's packet taught (smaller
    /// packets), at the cost of a copy of the models per packet and one kept with every
    /// snapshot stored as a baseline (a few KiB each). false: every packet starts fresh,
    /// and encode() returns no models. Decoders follow what each packet says.
    bool chainModels = true;
};

/// What a packet says about itself, readable without decoding it.
struct SnapshotHeader {
    std::uint32_t tick = 0;
    bool keyframe = true;
    std::uint32_t baselineTick = 0;     ///< keyframe == false only
    std::uint16_t baselineHash = 0;     ///< keyframe == false only: contentHash() of the baseline
    bool entropyCoded = true;
    bool chained = false;               ///< the models start from the baseline's learned models
    std::size_t headerBytes = 0;
};

namespace detail {

inline constexpr std::uint8_t kSnapshotVersion = 2;

Result<SnapshotHeader> readSnapshotHeader(std::span<const std::uint8_t> bytes);
void writeSnapshotHeader(std::vector<std::uint8_t>& out, const SnapshotHeader& header);

/// 64-bit FNV-1a, folded where fewer bits are wanted.
struct Fnv {
    std::uint64_t h = 1469598103934665603ull;
    void add(std::uint64_t v) noexcept {
        for (int i = 0; i < 8; ++i) {
            h ^= (v >> (8 * i)) & 0xFF;
            h *= 1099511628211ull;
        }
    }
};

/// The content hash's mixer: each value is folded in as one 64-bit word (FNV-1a's step on
/// words, not bytes: a server hashes a baseline for every client it sends a delta to), and
/// the result goes through MurmurHash3's finaliser so that every input bit reaches the
/// 16 bits that are sent.
struct WordHash {
    std::uint64_t h = 1469598103934665603ull;
    void add(std::uint64_t v) noexcept { h = (h ^ v) * 1099511628211ull; }
    [[nodiscard]] std::uint64_t finish() const noexcept {
        std::uint64_t x = h;
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdull;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53ull;
        x ^= x >> 33;
        return x;
    }
};

/// Adaptive models for one entity type.
struct TypeModels {
    std::vector<std::uint8_t> widths;       // per field
    std::vector<unsigned> treeDepth;        // per field: bits to code the size class
    std::vector<BitModel> differs;          // [field][previous field differed 0/1]
    std::vector<BitModel> sign;             // [field][previous sign of this field 0/1/2]
    std::vector<BitModel> sizeClass;        // [field][neighbour class 0..3][tree node 1..63]
    std::vector<BitModel> mantissa;         // [field][size class 0..64]
    std::vector<std::uint8_t> lastClass;    // per field: size class in the previous coded entity
    std::vector<std::uint8_t> lastSign;

    explicit TypeModels(std::vector<std::uint8_t> w) : widths(std::move(w)) {
        const std::size_t n = widths.size();
        treeDepth.resize(n);
        for (std::size_t f = 0; f < n; ++f) treeDepth[f] = bitsFor(widths[f] - 1u);
        differs.resize(n * 2);
        sign.resize(n * 3);
        sizeClass.resize(n * 4 * 64);
        mantissa.resize(n * 65);
        lastClass.assign(n, 0);
        lastSign.assign(n, 2);
    }
};

/// Every adaptive model of one packet. After a packet is coded they hold what it taught;
/// the next packet coded against that packet's snapshot may start from them.
struct CodecModels {
    std::array<BitModel, 4> same{};
    BitModel removed{};
    std::array<BitModel, 64> count{};
    std::array<BitModel, 64> gap{};
    std::vector<TypeModels> types;

    template <class Schema>
    explicit CodecModels(const Schema& schema) {
        for (const auto& w : schema) types.emplace_back(w);
    }
    /// Ready for the next packet: the per-packet neighbour state is cleared, the
    /// probabilities kept.
    void startPacket() {
        for (auto& t : types) {
            std::fill(t.lastClass.begin(), t.lastClass.end(), std::uint8_t{0});
            std::fill(t.lastSign.begin(), t.lastSign.end(), std::uint8_t{2});
        }
    }
};

/// Encoder or decoder of the codec's decisions: the codec's walk is written once and run
/// in either direction, so the two can never disagree.
class EncodeOps {
public:
    explicit EncodeOps(bool entropy) : entropy_(entropy) {}
    static constexpr bool kDecoding = false;
    void bit(BitModel& m, unsigned& b) {
        if (entropy_) range_.encode(m, b);
        else bits_.write(b, 1);
    }
    void direct(std::uint64_t& v, unsigned n) {
        if (n == 0) return;
        if (entropy_) range_.encodeDirect(v, n);
        else bits_.write(v, n);
    }
    std::vector<std::uint8_t> finish() { return entropy_ ? range_.finish() : bits_.finish(); }

private:
    bool entropy_;
    RangeEncoder range_;
    BitWriter bits_;
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
    /// True when the decoder ran past what a well-formed packet can need.
    bool truncated() const { return failed_ || range_.overrun() > RangeEncoder::kMaxDroppedZeros + 4; }

private:
    bool entropy_;
    RangeDecoder range_;
    BitReader bits_;
    bool failed_ = false;
};

/// Codes value (of `width` bits) against prediction for field f.
template <class Ops>
bool codeField(Ops& ops, TypeModels& m, std::size_t f, bool prevDiffered, std::uint64_t& value,
               std::uint64_t prediction) {
    const unsigned width = m.widths[f];
    const std::uint64_t mask = width >= 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << width) - 1);
    unsigned differs = Ops::kDecoding ? 0u : (value != prediction ? 1u : 0u);
    ops.bit(m.differs[f * 2 + (prevDiffered ? 1 : 0)], differs);
    if (!differs) {
        m.lastClass[f] = 0;
        m.lastSign[f] = 2;
        if constexpr (Ops::kDecoding) value = prediction;
        return false;
    }
    // Signed delta in two's complement; its magnitude has `cls` significant bits.
    std::uint64_t magnitude = 0;
    unsigned negative = 0;
    if constexpr (!Ops::kDecoding) {
        const std::uint64_t up = (value - prediction) & mask;
        const std::uint64_t down = (prediction - value) & mask;
        negative = value < prediction ? 1u : 0u;
        magnitude = negative ? down : up;
    }
    ops.bit(m.sign[f * 3 + m.lastSign[f]], negative);
    unsigned cls = Ops::kDecoding ? 0u : static_cast<unsigned>(std::bit_width(magnitude));  // 1..width
    // Size class - 1 through a bit tree, conditioned on the same field's class in the
    // previous entity coded (neighbouring entities tend to move alike).
    const unsigned depth = m.treeDepth[f];
    const unsigned neighbour = m.lastClass[f] == 0 ? 0u : (m.lastClass[f] <= 3 ? 1u : (m.lastClass[f] <= 7 ? 2u : 3u));
    BitModel* tree = &m.sizeClass[(f * 4 + neighbour) * 64];
    unsigned node = 1;
    unsigned clsMinus1 = cls - 1;
    for (unsigned i = depth; i-- > 0;) {
        unsigned b = Ops::kDecoding ? 0u : ((clsMinus1 >> i) & 1u);
        ops.bit(tree[node & 63], b);
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
    // Below the implicit leading one: the next bit modelled, the rest equiprobable.
    if (cls >= 2) {
        unsigned top = Ops::kDecoding ? 0u : static_cast<unsigned>((magnitude >> (cls - 2)) & 1u);
        ops.bit(m.mantissa[f * 65 + cls], top);
        std::uint64_t rest = Ops::kDecoding ? 0 : (magnitude & ((std::uint64_t{1} << (cls - 2)) - 1));
        ops.direct(rest, cls - 2);
        if constexpr (Ops::kDecoding) {
            magnitude = (std::uint64_t{1} << (cls - 1)) | (std::uint64_t{top} << (cls - 2)) | rest;
        }
    } else if constexpr (Ops::kDecoding) {
        magnitude = 1;
    }
    if constexpr (Ops::kDecoding) value = negative ? (prediction - magnitude) : (prediction + magnitude);
    m.lastClass[f] = static_cast<std::uint8_t>(cls);
    m.lastSign[f] = static_cast<std::uint8_t>(negative);
    return true;
}

/// Elias-gamma style count or gap, size class through adaptive models.
template <class Ops>
void codeCount(Ops& ops, std::array<BitModel, 64>& models, std::uint64_t& value) {
    // value + 1 >= 1: its bit width (1..64) in unary over adaptive bits, then the rest.
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

}  // namespace detail

/// Delta codec for snapshots of the given entity types. Stateless between calls:
/// adaptive models start fresh in every packet, so a lost packet never desynchronises.
template <class... Types>
class SnapshotCodec {
    static_assert(sizeof...(Types) >= 1 && sizeof...(Types) <= 256, "1..256 entity types");

public:
    using SnapshotType = Snapshot<Types...>;
    using State = typename SnapshotType::State;

    explicit SnapshotCodec(SnapshotCodecConfig config = {}) : config_(config) {}

    [[nodiscard]] const SnapshotCodecConfig& config() const noexcept { return config_; }

    /// Encodes `current` against `baseline` (nullptr: a keyframe). When the baseline
    /// carries `models` (it came from decode(), or the sender stored what `learned`
    /// returned when it encoded it), coding starts from them; `learned`, when given,
    /// receives the models after this packet: store them in the copy of `current` kept as
    /// a future baseline. Errors: InvalidArgument (entities not in strictly ascending id
    /// order, more than maxEntities, or a type whose layout is not fixed).
    [[nodiscard]] Result<std::vector<std::uint8_t>> encode(
        const SnapshotType* baseline, const SnapshotType& current,
        std::shared_ptr<const detail::CodecModels>* learned = nullptr) const {
        try {
            if (current.entities.size() > config_.maxEntities || !sortedUnique(current)) {
                return fail(Error::InvalidArgument);
            }
            if (baseline && !sortedUnique(*baseline)) return fail(Error::InvalidArgument);
            SnapshotHeader header;
            header.tick = current.tick;
            header.keyframe = baseline == nullptr;
            header.entropyCoded = config_.entropyCoding;
            if (baseline) {
                header.baselineTick = baseline->tick;
                header.baselineHash = contentHash(*baseline);
                header.chained = baseline->models != nullptr && config_.entropyCoding && config_.chainModels;
            }
            std::vector<std::uint8_t> out;
            detail::writeSnapshotHeader(out, header);
            detail::EncodeOps ops(config_.entropyCoding);
            // Unchained, the models are not kept: a scratch copy per thread saves the
            // allocations of a fresh set per packet.
            thread_local std::optional<detail::CodecModels> scratch;
            std::shared_ptr<detail::CodecModels> models;
            detail::CodecModels* working = nullptr;
            if (config_.chainModels || !config_.entropyCoding) {
                models = startModels(header.chained ? baseline->models.get() : nullptr);
                working = models.get();
            } else {
                if (!scratch) scratch.emplace(schema());
                *scratch = freshModels();
                scratch->startPacket();
                working = &*scratch;
            }
            Error ignored = Error::InvalidArgument;
            // The walk writes `current` only when decoding: no copy of the world is needed.
            if (!walk(ops, baseline, const_cast<SnapshotType&>(current), *working, ignored)) {
                return fail(Error::InvalidArgument);
            }
            if (learned) *learned = std::move(models);
            const auto body = ops.finish();
            out.insert(out.end(), body.begin(), body.end());
            return out;
        } catch (...) {
            return fail(Error::InvalidArgument);
        }
    }

    /// Decodes a packet. `baseline` must be the snapshot it was encoded against (ignored
    /// for a keyframe). Errors: WrongBaseline (missing, or another tick or content),
    /// Truncated, Malformed (a value outside its type's range, ids out of order),
    /// UnsupportedVersion, LimitExceeded (more than maxEntities). Never throws; never
    /// builds more than maxEntities entities.
    [[nodiscard]] Result<SnapshotType> decode(const SnapshotType* baseline, std::span<const std::uint8_t> bytes) const {
        auto header = detail::readSnapshotHeader(bytes);
        if (!header) return fail(header.error());
        if (!header->keyframe) {
            if (!baseline || baseline->tick != header->baselineTick || contentHash(*baseline) != header->baselineHash ||
                (header->chained && !baseline->models)) {
                return fail(Error::WrongBaseline);
            }
        }
        try {
            detail::DecodeOps ops(header->entropyCoded, bytes.subspan(header->headerBytes));
            SnapshotType out;
            out.tick = header->tick;
            auto models = startModels(header->chained ? baseline->models.get() : nullptr);
            Error error = Error::Malformed;
            if (!walk(ops, header->keyframe ? nullptr : baseline, out, *models, error)) return fail(error);
            if (ops.truncated()) return fail(Error::Truncated);
            out.models = std::move(models);
            return out;
        } catch (...) {
            return fail(Error::Malformed);
        }
    }

    /// Reads a packet's header alone. Errors: Truncated, Malformed, UnsupportedVersion.
    [[nodiscard]] static Result<SnapshotHeader> peekHeader(std::span<const std::uint8_t> bytes) {
        return detail::readSnapshotHeader(bytes);
    }

    /// 16 bits that change when any id, type or field of the snapshot (or its tick) does.
    [[nodiscard]] static std::uint16_t contentHash(const SnapshotType& s) {
        detail::WordHash h;
        h.add(s.tick);
        h.add(s.entities.size());
        thread_local std::vector<QuantizedField> fields;
        for (const auto& e : s.entities) {
            h.add((static_cast<std::uint64_t>(e.state.index()) << 32) | e.id);
            fieldsInto(e.state, fields);
            for (const auto& f : fields) h.add(f.value);
        }
        const std::uint64_t x = h.finish();
        return static_cast<std::uint16_t>(x ^ (x >> 16) ^ (x >> 32) ^ (x >> 48));
    }

    /// Identifies the entity types' layouts: equal on both ends when they can talk.
    [[nodiscard]] static std::uint64_t schemaHash() {
        detail::Fnv h;
        h.add(sizeof...(Types));
        for (const auto& widths : schema()) {
            h.add(widths.size());
            for (auto w : widths) h.add(w);
        }
        return h.h;
    }

    /// Field widths of every type, in declaration order.
    [[nodiscard]] static const std::array<std::vector<std::uint8_t>, sizeof...(Types)>& schema() {
        static const auto table = [] {
            std::array<std::vector<std::uint8_t>, sizeof...(Types)> t;
            std::size_t i = 0;
            ((t[i++] = widthsOf(State(std::in_place_type<Types>))), ...);
            return t;
        }();
        return table;
    }

private:
    static std::vector<std::uint8_t> widthsOf(const State& s) {
        std::vector<std::uint8_t> w;
        for (const auto& f : fieldsOf(s)) w.push_back(f.bits);
        return w;
    }

    static std::vector<QuantizedField> fieldsOf(const State& s) {
        std::vector<QuantizedField> out;
        fieldsInto(s, out);
        return out;
    }

    /// fieldsOf() into a buffer that keeps its capacity between entities.
    static void fieldsInto(const State& s, std::vector<QuantizedField>& out) {
        // One archive per thread: building Cereal's archive for every entity cost more than
        // reading the entity's fields. Fixed-layout types leave nothing in it between calls.
        thread_local detail::FieldWriter writer;
        writer.reset();
        std::visit([&](const auto& v) { writer(v); }, s);
        writer.drainInto(out);
    }

    /// Fields of the baseline's prediction: the baseline itself unless the type has a predictor.
    static void predictedFieldsInto(const State& baseline, std::uint32_t ticks, std::vector<QuantizedField>& out) {
        const bool hasPredictor = std::visit(
            [](const auto& v) { return HasPredictor<std::decay_t<decltype(v)>>; }, baseline);
        if (hasPredictor) fieldsInto(predicted(baseline, ticks), out);
        else fieldsInto(baseline, out);
    }

    static State stateFrom(std::size_t type, const std::vector<QuantizedField>& fields) {
        State s = makeDefault(type);
        detail::FieldReader reader(fields);
        std::visit([&](auto& v) { reader(v); }, s);
        return s;
    }

    /// fieldsOf() the default state of every type, computed once.
    static const std::array<std::vector<QuantizedField>, sizeof...(Types)>& defaultFields() {
        static const auto table = [] {
            std::array<std::vector<QuantizedField>, sizeof...(Types)> t;
            for (std::size_t i = 0; i < sizeof...(Types); ++i) t[i] = fieldsOf(makeDefault(i));
            return t;
        }();
        return table;
    }

    static State makeDefault(std::size_t type) {
        static const auto defaults = [] {
            std::array<State, sizeof...(Types)> d{State(std::in_place_type<Types>)...};
            return d;
        }();
        return defaults[type];
    }

    static State predicted(const State& baseline, std::uint32_t ticks) {
        State out = baseline;
        std::visit(
            [&](auto& p) {
                using T = std::decay_t<decltype(p)>;
                if constexpr (HasPredictor<T>) SnapshotTraits<T>::predict(std::get<T>(baseline), p, ticks);
            },
            out);
        return out;
    }

    static bool sortedUnique(const SnapshotType& s) {
        for (std::size_t i = 1; i < s.entities.size(); ++i) {
            if (s.entities[i - 1].id >= s.entities[i].id) return false;
        }
        return true;
    }

    /// The codec's walk, shared by encoder and decoder. Encoding reads `current`;
    /// decoding fills it. Returns false on a malformed packet (decoding) or an entity
    /// that does not fit its schema (encoding).
    static std::shared_ptr<detail::CodecModels> startModels(const detail::CodecModels* from) {
        // Fresh models are a copy of one built once: cheaper than sizing every table again.
        auto models = std::make_shared<detail::CodecModels>(from ? *from : freshModels());
        models->startPacket();
        return models;
    }

    static const detail::CodecModels& freshModels() {
        static const detail::CodecModels fresh(schema());
        return fresh;
    }

    template <class Ops>
    bool walk(Ops& ops, const SnapshotType* baseline, SnapshotType& current, detail::CodecModels& m,
              Error& error) const {
        constexpr bool decoding = Ops::kDecoding;
        const std::uint32_t ticks = baseline ? current.tick - baseline->tick : 0;
        std::vector<typename SnapshotType::Entity> kept;
        std::vector<typename SnapshotType::Entity> added;
        // Baseline entities, in id order: unchanged, removed, or changed field by field.
        std::size_t ci = 0;
        unsigned history = 0;
        std::vector<QuantizedField> guessFields;
        std::vector<QuantizedField> fields;
        if (baseline) {
            for (const auto& b : baseline->entities) {
                const typename SnapshotType::Entity* c = nullptr;
                if constexpr (!decoding) {
                    while (ci < current.entities.size() && current.entities[ci].id < b.id) {
                        added.push_back(current.entities[ci++]);
                    }
                    if (ci < current.entities.size() && current.entities[ci].id == b.id &&
                        current.entities[ci].state.index() == b.state.index()) {
                        c = &current.entities[ci++];
                    }
                }
                predictedFieldsInto(b.state, ticks, guessFields);
                fields.clear();
                if constexpr (!decoding) {
                    if (c) {
                        fieldsInto(c->state, fields);
                        if (fields.size() != guessFields.size()) return false;
                    }
                }
                unsigned same = decoding ? 0u : (c && equalValues(fields, guessFields) ? 1u : 0u);
                ops.bit(m.same[history & 3], same);
                history = ((history << 1) | (same ? 0u : 1u)) & 3u;
                if (same) {
                    if constexpr (decoding) kept.push_back({b.id, predicted(b.state, ticks)});
                    continue;
                }
                unsigned removed = decoding ? 0u : (c ? 0u : 1u);
                ops.bit(m.removed, removed);
                if (removed) continue;
                auto& tm = m.types[b.state.index()];
                if constexpr (decoding) fields = guessFields;
                bool prev = false;
                for (std::size_t f = 0; f < guessFields.size(); ++f) {
                    prev = detail::codeField(ops, tm, f, prev, fields[f].value, guessFields[f].value);
                    if (decoding && !inRange(fields[f])) return false;
                }
                if constexpr (decoding) kept.push_back({b.id, stateFrom(b.state.index(), fields)});
            }
        }
        if constexpr (!decoding) {
            while (ci < current.entities.size()) added.push_back(current.entities[ci++]);
        }
        // Additions: count, then each as an id gap, a type and every field against the
        // type's default state.
        std::uint64_t count = added.size();
        detail::codeCount(ops, m.count, count);
        if (decoding && count + kept.size() > config_.maxEntities) {
            error = Error::LimitExceeded;
            return false;
        }
        std::uint64_t previousId = 0;
        constexpr unsigned typeBits = sizeof...(Types) == 1 ? 0u : bitsFor(sizeof...(Types) - 1);
        for (std::uint64_t i = 0; i < count; ++i) {
            std::uint64_t gap = decoding ? 0 : (added[i].id - previousId - (i == 0 ? 0 : 1));
            detail::codeCount(ops, m.gap, gap);
            const std::uint64_t id = previousId + gap + (i == 0 ? 0 : 1);
            if (decoding && (id > UINT32_MAX || gap > UINT32_MAX)) return false;
            previousId = id;
            std::uint64_t type = decoding ? 0 : added[i].state.index();
            ops.direct(type, typeBits);
            if (decoding && type >= sizeof...(Types)) return false;
            const auto& defaults = defaultFields()[type];
            if constexpr (decoding) {
                fields = defaults;
            } else {
                fieldsInto(added[i].state, fields);
                if (fields.size() != defaults.size()) return false;
            }
            auto& tm = m.types[type];
            bool prev = false;
            for (std::size_t f = 0; f < defaults.size(); ++f) {
                prev = detail::codeField(ops, tm, f, prev, fields[f].value, defaults[f].value);
                if (decoding && !inRange(fields[f])) return false;
            }
            if constexpr (decoding) {
                if (ops.truncated()) {
                    error = Error::Truncated;
                    return false;
                }
                added.push_back({static_cast<EntityId>(id), stateFrom(type, fields)});
            }
        }
        if constexpr (decoding) {
            // Merge kept and added; an added id that is also kept is malformed.
            current.entities.clear();
            current.entities.reserve(kept.size() + added.size());
            std::merge(kept.begin(), kept.end(), added.begin(), added.end(), std::back_inserter(current.entities),
                       [](const auto& a, const auto& b) { return a.id < b.id; });
            if (!sortedUnique(current)) return false;
        }
        return true;
    }

    static bool equalValues(const std::vector<QuantizedField>& a, const std::vector<QuantizedField>& b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (a[i].value != b[i].value) return false;
        }
        return true;
    }

    static bool inRange(const QuantizedField& f) {
        return f.bits >= 64 || (f.value >> f.bits) == 0;
    }

    SnapshotCodecConfig config_;
};

}  // namespace tickwire::engine
