#include <tickwire/engine/lag_compensation.hpp>

#include <algorithm>
#include <cmath>

namespace tickwire::engine {

namespace {

constexpr double kMinTickRate = 1;
constexpr double kMaxTickRate = 1000;
constexpr std::uint32_t kMaxHistoryTicks = 1024;
constexpr std::size_t kMaxVolumesPerTick = 65536;

HitVolume lerp(const HitVolume& a, const HitVolume& b, float alpha) noexcept {
    return HitVolume{
        .id = a.id,
        .center = a.center + (b.center - a.center) * alpha,
        .radius = a.radius + (b.radius - a.radius) * alpha,
    };
}

// Distance along the unit ray `dir` at which it enters `v`, or a negative value on a miss.
float enterDistance(Vec3f origin, Vec3f dir, const HitVolume& v) noexcept {
    if (!(v.radius > 0)) return -1;
    const Vec3f m = origin - v.center;
    const float c = dot(m, m) - v.radius * v.radius;
    if (c <= 0) return 0;  // origin inside (or on) the sphere
    const float b = dot(m, dir);
    if (b > 0) return -1;  // outside and pointing away
    const float disc = b * b - c;
    if (!(disc >= 0)) return -1;  // also rejects NaN from non-finite volumes
    return std::max(0.f, -b - std::sqrt(disc));
}

}  // namespace

Result<void> LagCompensationConfig::validate() const {
    const char* problem = nullptr;
    if (!(tickRate >= kMinTickRate && tickRate <= kMaxTickRate)) {
        problem = "tickRate must be 1..1000 Hz";
    } else if (historyTicks < 1 || historyTicks > kMaxHistoryTicks) {
        problem = "historyTicks must be 1..1024";
    } else if (maxRewindTicks > historyTicks) {
        problem = "maxRewindTicks must not exceed historyTicks";
    } else if (maxVolumesPerTick < 1 || maxVolumesPerTick > kMaxVolumesPerTick) {
        problem = "maxVolumesPerTick must be 1..65536";
    }
    if (problem == nullptr) return {};
    return fail(Error::InvalidConfig, problem);
}

HitHistory::HitHistory(LagCompensationConfig config) : config_(config), slots_(config.historyTicks) {}

Result<HitHistory> HitHistory::create(LagCompensationConfig config) {
    if (auto ok = config.validate(); !ok) return fail(ok.failure());
    return HitHistory(config);
}

const HitHistory::Slot* HitHistory::held(std::uint32_t tick) const noexcept {
    if (!hasAny_ || tick < oldest_ || tick > newest_) return nullptr;
    const Slot& slot = slots_[tick % slots_.size()];
    return slot.valid && slot.tick == tick ? &slot : nullptr;
}

void HitHistory::record(std::uint32_t tick, std::span<const HitVolume> volumes) {
    if (hasAny_ && tick < newest_) {
        ++stats_.ignoredRecords;
        return;
    }
    Slot& slot = slots_[tick % slots_.size()];
    const std::size_t keep = std::min(volumes.size(), config_.maxVolumesPerTick);
    stats_.droppedVolumes += volumes.size() - keep;
    slot.volumes.clear();  // keeps the capacity of the slot's previous lap
    slot.volumes.reserve(keep);
    for (std::size_t i = 0; i < keep; ++i) {
        slot.volumes.push_back(Stored{.volume = volumes[i], .seq = static_cast<std::uint32_t>(i)});
    }
    // std::sort works in place; the sequence number makes it order an entity's volumes as
    // given, which std::stable_sort would do at the cost of a temporary buffer.
    std::sort(slot.volumes.begin(), slot.volumes.end(), [](const Stored& a, const Stored& b) {
        return a.volume.id != b.volume.id ? a.volume.id < b.volume.id : a.seq < b.seq;
    });
    slot.tick = tick;
    slot.valid = true;

    if (!hasAny_) {
        hasAny_ = true;
        oldest_ = newest_ = tick;
        return;
    }
    newest_ = tick;
    const std::uint32_t window = config_.historyTicks - 1;
    const std::uint32_t lowest = tick >= window ? tick - window : 0;
    if (oldest_ < lowest) {
        // Ticks may have been skipped, so the new oldest is the first one actually recorded
        // at or after the window's start; `tick` itself ends the search.
        oldest_ = lowest;
        while (held(oldest_) == nullptr) ++oldest_;
    }
}

void HitHistory::clear() noexcept {
    for (Slot& slot : slots_) {
        slot.valid = false;
        slot.volumes.clear();
    }
    hasAny_ = false;
    oldest_ = newest_ = 0;
}

double HitHistory::clampToHistory(double tick) {
    if (!hasAny_) {
        ++stats_.outsideHistory;
        return tick;
    }
    if (tick < oldest_ || tick > newest_) {
        ++stats_.outsideHistory;
        return std::clamp(tick, static_cast<double>(oldest_), static_cast<double>(newest_));
    }
    return tick;
}

double HitHistory::rewindTarget(double renderTick, std::uint32_t currentTick) {
    const double newestAllowed = currentTick;
    const double oldestAllowed = currentTick > config_.maxRewindTicks ? currentTick - config_.maxRewindTicks : 0;
    double target = renderTick;
    if (std::isnan(target)) {
        // A client that cannot say what it saw gets no compensation.
        target = newestAllowed;
        ++stats_.clamped;
    } else if (target < oldestAllowed || target > newestAllowed) {
        target = std::clamp(target, oldestAllowed, newestAllowed);
        ++stats_.clamped;
    }
    return clampToHistory(target);
}

template <class Visit>
bool HitHistory::visitAt(double tick, Visit&& visit) const {
    if (!hasAny_ || !(tick >= oldest_ && tick <= newest_)) return false;
    // oldest_ and newest_ are recorded, so both searches stop inside the history.
    std::uint32_t lo = static_cast<std::uint32_t>(std::floor(tick));
    std::uint32_t hi = static_cast<std::uint32_t>(std::ceil(tick));
    const Slot* a = held(lo);
    while (a == nullptr) a = held(--lo);
    const Slot* b = held(hi);
    while (b == nullptr) b = held(++hi);

    if (a == b) {
        for (const Stored& s : a->volumes) visit(s.volume);
        return true;
    }
    const auto alpha = static_cast<float>((tick - lo) / static_cast<double>(hi - lo));
    // Both lists are sorted by (id, order given), so a merge pairs the k-th volume of an
    // entity at `lo` with its k-th volume at `hi`; unpaired ones are taken as they are.
    const std::vector<Stored>& va = a->volumes;
    const std::vector<Stored>& vb = b->volumes;
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < va.size() || j < vb.size()) {
        if (j == vb.size() || (i < va.size() && va[i].volume.id < vb[j].volume.id)) {
            visit(va[i++].volume);
        } else if (i == va.size() || vb[j].volume.id < va[i].volume.id) {
            visit(vb[j++].volume);
        } else {
            visit(lerp(va[i++].volume, vb[j++].volume, alpha));
        }
    }
    return true;
}

std::vector<HitVolume> HitHistory::volumesAt(double tick) const {
    std::vector<HitVolume> out;
    visitAt(tick, [&out](const HitVolume& v) { out.push_back(v); });
    return out;
}

std::optional<HitHistory::Hit> HitHistory::raycast(Vec3f origin, Vec3f direction, float maxDistance, double tick,
                                                   std::optional<EntityId> ignore) const {
    if (!std::isfinite(origin.x) || !std::isfinite(origin.y) || !std::isfinite(origin.z)) return std::nullopt;
    if (!(maxDistance >= 0)) return std::nullopt;
    // Scale by the largest component first so that very long or very short directions
    // normalise without overflowing or underflowing the squared length.
    const float scale = std::max({std::fabs(direction.x), std::fabs(direction.y), std::fabs(direction.z)});
    if (!(scale > 0) || !std::isfinite(scale)) return std::nullopt;
    Vec3f dir = direction * (1 / scale);
    dir = dir * (1 / length(dir));

    std::optional<Hit> best;
    visitAt(tick, [&](const HitVolume& v) {
        if (ignore && v.id == *ignore) return;
        const float distance = enterDistance(origin, dir, v);
        if (distance < 0 || distance > maxDistance) return;
        // Volumes come sorted by id, so a strict comparison keeps the lowest id on a tie.
        if (!best || distance < best->distance) best = Hit{.id = v.id, .distance = distance, .point = origin + dir * distance};
    });
    return best;
}

std::optional<HitHistory::Hit> HitHistory::resolveShot(Vec3f origin, Vec3f direction, float maxDistance,
                                                       double renderTick, std::uint32_t currentTick,
                                                       std::optional<EntityId> shooter, bool compensate) {
    ++stats_.shots;
    const double target = compensate ? rewindTarget(renderTick, currentTick) : clampToHistory(currentTick);
    if (compensate && target < currentTick) ++stats_.rewound;
    return raycast(origin, direction, maxDistance, target, shooter);
}

}  // namespace tickwire::engine
