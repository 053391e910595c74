#include <tickwire/engine/tick_clock.hpp>

#include <algorithm>
#include <chrono>

namespace tickwire::engine {

namespace {

// One tick costs this many units of (µs × tickRate).
constexpr std::uint64_t kUnitsPerTick = 1'000'000;

constexpr std::uint32_t kMaxTickRate = 1000;
constexpr std::uint32_t kMaxCatchUp = 1000;

}  // namespace

Result<void> TickClockConfig::validate() const {
    const char* problem = nullptr;
    if (tickRate < 1 || tickRate > kMaxTickRate) {
        problem = "tickRate must be 1..1000 Hz";
    } else if (maxCatchUpTicks < 1 || maxCatchUpTicks > kMaxCatchUp) {
        problem = "maxCatchUpTicks must be 1..1000";
    }
    if (problem == nullptr) return {};
    return fail(Error::InvalidConfig, problem);
}

Result<TickClock> TickClock::create(TickClockConfig config) {
    if (auto ok = config.validate(); !ok) return fail(ok.failure());
    return TickClock(config);
}

std::uint32_t TickClock::advance(std::uint64_t nowMicros) noexcept {
    batchFirst_ = tick_;
    if (!started_) {
        reset(nowMicros, tick_);
        return 0;
    }
    if (nowMicros <= lastMicros_) return 0;
    const std::uint64_t delta = nowMicros - lastMicros_;
    lastMicros_ = nowMicros;

    // delta × rate can overflow 64 bits for a long enough gap, so split delta into whole
    // seconds' worth of units and a remainder: with delta = q·10^6 + r,
    // delta·rate = q·rate·10^6 + r·rate, i.e. q·rate whole ticks plus r·rate units.
    const std::uint64_t rate = config_.tickRate;
    const std::uint64_t q = delta / kUnitsPerTick;
    const std::uint64_t r = delta % kUnitsPerTick;
    const std::uint64_t units = units_ + r * rate;  // < 10^6 + 10^6·1000: no overflow
    const std::uint64_t due = q * rate + units / kUnitsPerTick;
    units_ = units % kUnitsPerTick;

    const std::uint64_t run = std::min<std::uint64_t>(due, config_.maxCatchUpTicks);
    dropped_ += due - run;
    tick_ += run;
    return static_cast<std::uint32_t>(run);
}

void TickClock::reset(std::uint64_t nowMicros, std::uint64_t tick) noexcept {
    started_ = true;
    lastMicros_ = nowMicros;
    units_ = 0;
    tick_ = tick;
    batchFirst_ = tick;
}

double TickClock::alpha() const noexcept {
    return static_cast<double>(units_) / static_cast<double>(kUnitsPerTick);
}

std::uint64_t TickClock::tickDurationMicros() const noexcept {
    return (kUnitsPerTick + config_.tickRate / 2) / config_.tickRate;
}

std::uint64_t TickClock::steadyMicros() noexcept {
    const auto since = std::chrono::steady_clock::now().time_since_epoch();
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(since).count());
}

}  // namespace tickwire::engine
