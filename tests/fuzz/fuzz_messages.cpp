// Typed messages (net/include/tickwire/net/messages.hpp), as every session message is
// decoded from the bytes of a batch: a message type with every kind of field the wire
// format has (integers of each width, floats, bool, enum, string, vectors, optional,
// array, nested struct). Properties: decoding never throws, crashes or allocates beyond
// the limits; what decodes encodes back to the same bytes (one encoding per value).

#include "fuzz_input.hpp"
#include "message_types.hpp"

#include <cstring>

using namespace tickwire;


extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    net::DecodeLimits limits;
    limits.maxBytes = 4096;
    limits.maxElements = 512;
    auto decoded = net::decodeMessage<fuzz::Everything>(7, input, limits);
    if (!decoded) return 0;
    const auto again = net::encodeMessage(7, *decoded);
    // NaN payloads and signed zeros survive as bits, so the bytes must match exactly.
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) fuzz::broken();
    return 0;
}
