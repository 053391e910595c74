#pragma once
/// \file bandwidth_budget.hpp
/// The server's per-client bandwidth budget, in encoded bytes: a token bucket refilled at
/// ServerSessionConfig::bytesPerSecondPerClient and spent by every snapshot sent. What the
/// budget does not cover waits, and the priority accumulator (priority.hpp) decides which
/// entities go first next time.

#include <cstddef>

namespace tickwire::engine::detail {

/// A per-client allowance of bytes, refilled at a rate and spent by what is sent: a token
/// bucket holding at most `burstSeconds` of the rate.
class BandwidthBudget {
public:
    /// Starts full. `bytesPerSecond` > 0; `burstSeconds` > 0.
    BandwidthBudget(double bytesPerSecond, double burstSeconds) noexcept
        : rate_(bytesPerSecond), capacity_(bytesPerSecond * burstSeconds), available_(capacity_) {}
    /// Adds what `seconds` of the rate allow, up to the capacity.
    void refill(double seconds) noexcept;
    /// Bytes that may be sent now.
    [[nodiscard]] std::size_t available() const noexcept;
    /// Spends what was sent (the allowance may go negative for one message; it is paid back
    /// before anything else is sent).
    void spend(std::size_t bytes) noexcept { available_ -= static_cast<double>(bytes); }

private:
    double rate_;
    double capacity_;
    double available_;
};

}  // namespace tickwire::engine::detail
