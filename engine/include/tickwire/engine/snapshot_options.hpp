#pragma once
/// \file snapshot_options.hpp
/// The snapshot codec's configuration, per-call options and what it remembers between
/// packets (snapshot.hpp has the codec itself; docs/PROTOCOL.md §6 the wire format).

#include <tickwire/engine/error.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace tickwire::engine {

/// Identifies an entity across snapshots. Chosen by the game; any 32-bit value.
using EntityId = std::uint32_t;

/// What the codec remembers of one snapshot it encoded or decoded: the adaptive models the
/// packet that carried it taught, and the recent history of every entity's fields along
/// the chain of baselines (from which the next delta predicts motion). Opaque, immutable,
/// shared; a few KiB to a few hundred KiB for thousands of entities. Both ends derive the
/// same memory from the same packet, so a delta coded against a snapshot and its memory
/// decodes wherever that snapshot and its memory are held.
class CodecMemory;

/// Limits and options of a codec. Both ends must use the same values.
struct SnapshotCodecConfig {
    std::size_t maxEntities = 4096;  ///< 1..1,000,000: decoding never builds more
    bool entropyCoding = true;       ///< range-coded; false: the same decisions bit-packed
    /// Encoder: code each delta with what the codec remembered of its baseline (models that
    /// keep learning from packet to packet, motion predicted from the baselines before
    /// it): much smaller packets, at the cost of a memory kept with every snapshot stored
    /// as a baseline. false: every packet starts fresh and predicts nothing, and no memory
    /// is returned. Decoders follow what each packet says.
    bool chainModels = true;
};

/// What a packet says about itself, readable without decoding it.
struct SnapshotHeader {
    std::uint32_t tick = 0;
    bool keyframe = true;
    std::uint32_t baselineTick = 0;     ///< keyframe == false only
    std::uint16_t baselineHash = 0;     ///< keyframe == false only: contentHash() of the baseline
    bool entropyCoded = true;
    bool chained = false;               ///< coded with the baseline's memory (CodecMemory)
    std::size_t headerBytes = 0;
};

/// Options of one encode() call.
struct EncodeOptions {
    /// What the codec remembered of the baseline (from the encode() that produced it, or
    /// the decode() on the other end). nullptr: nothing, the packet is coded unchained.
    const CodecMemory* baselineMemory = nullptr;
    /// When set, receives what to remember of `current`: keep it with the copy of `current`
    /// kept as a future baseline. Left empty when the config's chainModels is off.
    std::shared_ptr<const CodecMemory>* memory = nullptr;
    /// Largest packet accepted, in bytes (0: no limit). A larger one is not returned:
    /// MessageTooLarge.
    std::size_t maxBytes = 0;
    /// When set, receives one figure per entity of `current` (same order): the bits its
    /// coding cost in this packet (0 for an entity that equals its prediction costs a
    /// fraction of a bit, rounded up to 1), for bandwidth budgets kept in real bytes.
    std::vector<std::uint32_t>* entityBits = nullptr;
};

/// Options of one decode() call.
struct DecodeOptions {
    /// What this end remembered of the baseline. A chained packet needs it (WrongBaseline
    /// without it).
    const CodecMemory* baselineMemory = nullptr;
    /// When set, receives what to remember of the decoded snapshot (for chained deltas
    /// coded against it).
    std::shared_ptr<const CodecMemory>* memory = nullptr;
};

}  // namespace tickwire::engine
