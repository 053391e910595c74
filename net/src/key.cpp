#include <tickwire/net/key.hpp>

#include "crypto_internal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace tickwire::net {

Result<Key> Key::fromBytes(std::span<const std::uint8_t> bytes) {
    if (bytes.size() != kSize) return fail(Error::InvalidArgument);
    Key key;
    std::memcpy(key.bytes_.data(), bytes.data(), kSize);
    return key;
}

Key Key::generate() {
    Key key;
    detail::randomBytes(key.bytes_);
    return key;
}

Key::Key(const Key& other) noexcept : bytes_(other.bytes_) {}

Key& Key::operator=(const Key& other) noexcept {
    bytes_ = other.bytes_;
    return *this;
}

Key::~Key() { detail::wipe(bytes_); }

bool Key::isZero() const noexcept {
    std::uint8_t acc = 0;
    for (auto b : bytes_) acc |= b;
    return acc == 0;
}

bool operator==(const Key& a, const Key& b) noexcept {
    return detail::constantTimeEqual(a.bytes_, b.bytes_);
}

Result<Key> Key::load(const std::string& path) {
    auto bytes = detail::readFile(path, kSize + 1);
    if (!bytes) return fail(bytes.failure());
    if (bytes->size() != kSize) {
        detail::wipe(*bytes);
        return fail(Error::Malformed);
    }
    auto key = fromBytes(*bytes);
    detail::wipe(*bytes);
    return key;
}

Result<void> Key::save(const std::string& path) const {
    return detail::writeFileSecret(path, bytes_);
}

}  // namespace tickwire::net
