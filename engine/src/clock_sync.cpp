#include <tickwire/engine/clock_sync.hpp>

#include "smoothing.hpp"

#include <algorithm>
#include <cmath>

namespace tickwire::engine {

namespace {

constexpr double kMaxTickRate = 1000;
constexpr double kMaxJitterMultiplier = 10;
constexpr double kMaxAdjustLimit = 0.5;
// Leads beyond this many seconds are nonsense; clamping keeps one bad report from
// dragging the smoothed lead for long.
constexpr double kMaxLeadSeconds = 10;

// TCP's SRTT gain (RFC 6298).
constexpr double kRttGain = 1.0 / 8;
// Running mean over the first samples, then an exponential mean over about this many.
constexpr double kServerWindow = 16;
constexpr double kLeadWindow = 16;
// RFC 3550's interarrival jitter estimator with a longer memory than its 1/16: the target
// lead is twice the jitter, and a wobbling target would keep the rate moving.
constexpr double kJitterGain = 1.0 / 64;
// Within this many ticks of the target the clock runs at exactly 1: tick quantization and
// jitter leave the smoothed lead wobbling by a few tenths, which is not worth chasing.
constexpr double kDeadBandTicks = 0.5;
// Time constant of the correction. The lead reacts to a rate change only after a round trip
// and the lead smoothing (about 0.5 s at 30 Hz); a loop three times slower than that
// settles without overshoot.
constexpr double kCorrectionSeconds = 1.5;

}  // namespace

Result<void> ClockSyncConfig::validate() const {
    const char* problem = nullptr;
    if (!detail::inRange(tickRate, 0, kMaxTickRate) || tickRate == 0) {
        problem = "tickRate must be in (0, 1000] Hz";
    } else if (!detail::inRange(safetyTicks, 0, tickRate)) {
        problem = "safetyTicks must be in [0, 1 s x tickRate]";
    } else if (!detail::inRange(jitterMultiplier, 0, kMaxJitterMultiplier)) {
        problem = "jitterMultiplier must be in [0, 10]";
    } else if (!detail::inRange(maxAdjust, 0, kMaxAdjustLimit) || maxAdjust == 0) {
        problem = "maxAdjust must be in (0, 0.5]";
    }
    if (problem == nullptr) return {};
    return fail(Error::InvalidConfig, problem);
}

Result<ClockSync> ClockSync::create(ClockSyncConfig config) {
    if (auto ok = config.validate(); !ok) return fail(ok.failure());
    return ClockSync(config);
}

void ClockSync::onInputFeedback(std::int64_t leadTicks) noexcept {
    const double bound = kMaxLeadSeconds * config_.tickRate;
    const double sample = std::clamp(static_cast<double>(leadTicks), -bound, bound);
    ++leadSamples_;
    if (leadSamples_ > 1) detail::trackJitter(jitterTicks_, sample, lastLead_, kJitterGain);
    lastLead_ = sample;
    detail::smooth(lead_, sample, leadSamples_, kLeadWindow);
}

void ClockSync::onRtt(double rttSeconds) noexcept {
    if (!std::isfinite(rttSeconds) || rttSeconds < 0) return;
    if (!haveRtt_) {
        haveRtt_ = true;
        rtt_ = rttSeconds;
    } else {
        rtt_ += (rttSeconds - rtt_) * kRttGain;
    }
}

void ClockSync::onServerTick(std::uint32_t tick, double nowSeconds) noexcept {
    if (!std::isfinite(nowSeconds)) return;
    ++serverSamples_;
    detail::smooth(serverOffset_, tick - nowSeconds * config_.tickRate, serverSamples_, kServerWindow);
}

double ClockSync::estimatedServerTick(double nowSeconds) const noexcept {
    if (serverSamples_ == 0) return 0;
    return serverOffset_ + (nowSeconds + rtt_ / 2) * config_.tickRate;
}

double ClockSync::targetClientTick(double nowSeconds) const noexcept {
    if (serverSamples_ == 0) return 0;
    return estimatedServerTick(nowSeconds) + rtt_ / 2 * config_.tickRate + targetLeadTicks();
}

double ClockSync::targetLeadTicks() const noexcept {
    return config_.jitterMultiplier * jitterTicks_ + config_.safetyTicks;
}

double ClockSync::timeScale() const noexcept {
    if (leadSamples_ == 0) return 1;
    const double error = lead_ - targetLeadTicks();
    const double outside = std::max(std::abs(error) - kDeadBandTicks, 0.0);
    const double change = std::min(outside / (kCorrectionSeconds * config_.tickRate), config_.maxAdjust);
    // Too little lead (negative error): run faster to get further ahead.
    return error < 0 ? 1 + change : 1 - change;
}

}  // namespace tickwire::engine
