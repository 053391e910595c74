#include <tickwire/engine/interpolation.hpp>

#include "smoothing.hpp"

#include <algorithm>
#include <cmath>

namespace tickwire::engine {

namespace {

constexpr double kMaxTickRate = 1000;
// Delays and extrapolation beyond this many seconds are configuration mistakes.
constexpr double kMaxSpanSeconds = 10;
constexpr double kMaxJitterMultiplier = 10;
constexpr std::size_t kMinCapacity = 2;
constexpr std::size_t kMaxCapacity = 65536;

// The offset is a running mean over the first samples, then an exponential mean over about
// this many: long enough to average jitter away, short enough to follow clock drift.
constexpr double kOffsetWindow = 32;
// RFC 3550's interarrival jitter gain.
constexpr double kJitterGain = 1.0 / 16;
// The delay rises at once (late snapshots cost stalls) but falls with this gain per
// snapshot (about 2 s at 30 Hz), so one quiet moment does not undo it.
constexpr double kDelayFallGain = 1.0 / 64;
// The render clock runs at 1 ± this while steering toward its target.
constexpr double kMaxRateChange = 0.1;
// An error of kMaxRateChange × tickRate × kSteerSeconds ticks steers at full rate; smaller
// errors decay with this time constant.
constexpr double kSteerSeconds = 0.5;

}  // namespace

Result<void> InterpolationConfig::validate() const {
    const char* problem = nullptr;
    if (!detail::inRange(tickRate, 0, kMaxTickRate) || tickRate == 0) {
        problem = "tickRate must be in (0, 1000] Hz";
    } else if (!detail::inRange(snapshotRate, 0, tickRate) || snapshotRate == 0) {
        problem = "snapshotRate must be in (0, tickRate] Hz";
    } else if (!detail::inRange(maxDelayTicks, 0, kMaxSpanSeconds * tickRate) || maxDelayTicks == 0) {
        problem = "maxDelayTicks must be in (0, 10 s x tickRate]";
    } else if (!detail::inRange(minDelayTicks, 0, maxDelayTicks)) {
        problem = "minDelayTicks must be in [0, maxDelayTicks]";
    } else if (!detail::inRange(jitterMultiplier, 0, kMaxJitterMultiplier)) {
        problem = "jitterMultiplier must be in [0, 10]";
    } else if (!detail::inRange(maxExtrapolationTicks, 0, kMaxSpanSeconds * tickRate)) {
        problem = "maxExtrapolationTicks must be in [0, 10 s x tickRate]";
    } else if (capacity < kMinCapacity || capacity > kMaxCapacity) {
        problem = "capacity must be 2..65536";
    } else if (static_cast<double>(capacity) < maxDelayTicks * snapshotRate / tickRate + 2) {
        problem = "capacity must hold maxDelayTicks worth of snapshots plus 2";
    }
    if (problem == nullptr) return {};
    return fail(Error::InvalidConfig, problem);
}

Result<InterpolationTimeline> InterpolationTimeline::create(InterpolationConfig config) {
    if (auto ok = config.validate(); !ok) return fail(ok.failure());
    return InterpolationTimeline(config);
}

InterpolationTimeline::InterpolationTimeline(InterpolationConfig config) noexcept : config_(config) {
    const double interval = config_.tickRate / config_.snapshotRate;
    delayTicks_ = std::clamp(2 * interval, config_.minDelayTicks, config_.maxDelayTicks);
}

void InterpolationTimeline::onSnapshot(std::uint32_t tick, double arrivalSeconds) noexcept {
    if (!std::isfinite(arrivalSeconds)) return;
    if (rendering_ && tick < shownTick_) ++stats_.lateSnapshots;
    if (!ticks_.empty() && tick <= ticks_.back()) {
        ++stats_.droppedOld;
        return;
    }
    ticks_.push_back(tick);
    if (ticks_.size() > config_.capacity) ticks_.pop_front();

    const double sampleOffset = arrivalSeconds - tick / config_.tickRate;
    ++accepted_;
    if (accepted_ > 1) detail::trackJitter(jitter_, sampleOffset, lastOffset_, kJitterGain);
    lastOffset_ = sampleOffset;
    detail::smooth(offset_, sampleOffset, accepted_, kOffsetWindow);

    const double interval = config_.tickRate / config_.snapshotRate;
    const double wanted = std::clamp(2 * interval + config_.jitterMultiplier * jitter_ * config_.tickRate,
                                     config_.minDelayTicks, config_.maxDelayTicks);
    delayTicks_ = wanted > delayTicks_ ? wanted : delayTicks_ + (wanted - delayTicks_) * kDelayFallGain;
}

InterpolationTimeline::Sample InterpolationTimeline::sample(double nowSeconds) noexcept {
    Sample out;
    if (ticks_.size() < 2) return out;
    if (!std::isfinite(nowSeconds)) nowSeconds = lastNow_;

    const double rate = config_.tickRate;
    const double target = (nowSeconds - offset_) * rate - delayTicks_;
    if (!rendering_) {
        rendering_ = true;
        clockTick_ = target;
        lastNow_ = nowSeconds;
    } else if (nowSeconds > lastNow_) {
        const double elapsed = nowSeconds - lastNow_;
        lastNow_ = nowSeconds;
        const double step = elapsed * rate;
        const double error = target - (clockTick_ + step);  // what running at real time would leave
        if (error > config_.maxDelayTicks) {
            // Far behind (e.g. the arrival offset fell after a latency spike): showing states
            // older than the largest delay helps nobody, so catch up in one step.
            clockTick_ = target;
        } else {
            clockTick_ += step * (1 + std::clamp(error / (rate * kSteerSeconds), -kMaxRateChange, kMaxRateChange));
        }
    }

    // Both terms never decrease, so neither does the shown tick.
    const double newest = ticks_.back();
    const double cap = newest + config_.maxExtrapolationTicks;
    const double shown = std::min(clockTick_, cap);
    shownTick_ = shown;

    out.valid = true;
    out.renderTick = shown;
    out.stalled = clockTick_ > cap;
    out.extrapolating = shown > newest;
    const auto blend = [&](std::uint32_t from, std::uint32_t to) {
        out.fromTick = from;
        out.toTick = to;
        out.alpha = std::max(0.0, (shown - from) / (static_cast<double>(to) - from));
    };
    if (shown >= newest) {
        blend(ticks_[ticks_.size() - 2], ticks_.back());
    } else {
        // First buffered tick after the shown one: exists, since shown < newest.
        const auto after =
            std::upper_bound(ticks_.begin(), ticks_.end(), shown, [](double t, std::uint32_t k) { return t < k; });
        if (after == ticks_.begin()) {
            blend(ticks_[0], ticks_[1]);
        } else {
            blend(*(after - 1), *after);
        }
    }

    ++stats_.frames;
    if (out.stalled) {
        ++stats_.stalls;
    } else if (out.extrapolating) {
        ++stats_.extrapolations;
    }
    return out;
}

}  // namespace tickwire::engine
