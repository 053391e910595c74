#include <tickwire/net/address.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

namespace tickwire::net {

Result<Address> Address::parse(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
        return fail(Error::ParseError);
    }
    const std::string_view host = text.substr(0, colon);
    const std::string_view portText = text.substr(colon + 1);
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (ec != std::errc{} || end != portText.data() + portText.size() || port > 65535) {
        return fail(Error::ParseError);
    }
    // RFC 6761: "localhost" is loopback, with or without a resolver or /etc/hosts.
    if (host == "localhost") return Address::loopback(static_cast<std::uint16_t>(port));
    const std::string hostString(host);
    in_addr numeric{};
    if (inet_pton(AF_INET, hostString.c_str(), &numeric) == 1) {
        return Address{ntohl(numeric.s_addr), static_cast<std::uint16_t>(port)};
    }
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(hostString.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
        return fail(Error::ResolveFailed);
    }
    sockaddr_in first{};
    std::memcpy(&first, found->ai_addr, sizeof first);
    freeaddrinfo(found);
    return Address{ntohl(first.sin_addr.s_addr), static_cast<std::uint16_t>(port)};
}

std::string Address::toString() const {
    return std::to_string(ipv4 >> 24) + '.' + std::to_string((ipv4 >> 16) & 0xFF) + '.' +
           std::to_string((ipv4 >> 8) & 0xFF) + '.' + std::to_string(ipv4 & 0xFF) + ':' +
           std::to_string(port);
}

}  // namespace tickwire::net
