#pragma once
// Whether this test binary is built with AddressSanitizer (and the UBSan that goes with it
// here). Real-time tests size their load by it: under a sanitizer the snapshot codec costs
// about thirty times as much, and a test that cannot keep real time measures the
// instrumentation instead of the engine.

namespace tickwire::test {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;  // g++
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;  // clang
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace tickwire::test
