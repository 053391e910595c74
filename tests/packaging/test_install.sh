#!/usr/bin/env bash
# `meson install` ships headers, the library and tickwire.pc that a game can build
# against, and the project works as a meson subproject.
#   usage: test_install.sh SOURCE_ROOT BUILD_ROOT
set -euo pipefail
src=$1
build=$2
work=$(mktemp -d /tmp/tickwire-install.XXXXXX)
trap 'rm -rf "$work"' EXIT

cat > "$work/game.cpp" <<'CPP'
#include <tickwire/net/transport.hpp>
#include <cstdio>
int main() {
    using namespace tickwire::net;
    ServerConfig config;
    config.bind = Address::loopback(0);
    config.key = Key::generate();
    auto server = Server::create(config);
    if (!server) { std::puts(describe(server.error()).data()); return 1; }
    std::printf("listening on %s\n", (*server)->address().toString().c_str());
    return 0;
}
CPP

echo "== meson install into a staging root"
DESTDIR="$work/root" meson install -C "$build" --no-rebuild --quiet
prefix=$(find "$work/root" -name tickwire.pc -printf '%h\n' | head -1)
[ -n "$prefix" ] || { echo "tickwire.pc was not installed"; exit 1; }
[ -f "$(find "$work/root" -path '*include/tickwire/net/transport.hpp' | head -1)" ] || { echo "headers missing"; exit 1; }
stage_prefix=$(cd "$prefix/../../.." 2>/dev/null && pwd)
# The .pc names the real prefix; point it at the staging root.
real_prefix=$(PKG_CONFIG_PATH="$prefix" pkg-config --variable=prefix tickwire)
flags=$(PKG_CONFIG_PATH="$prefix" pkg-config --define-variable=prefix="$work/root$real_prefix" --cflags --libs tickwire)
echo "pkg-config: $flags"
g++ -std=c++20 -Wall -Wextra -Werror "$work/game.cpp" -o "$work/game" $flags
libdir=$(PKG_CONFIG_PATH="$prefix" pkg-config --define-variable=prefix="$work/root$real_prefix" --variable=libdir tickwire)
LD_LIBRARY_PATH="$libdir" "$work/game" | grep -q 'listening on 127.0.0.1:'
: "$stage_prefix"

echo "== as a meson subproject"
mkdir -p "$work/consumer/subprojects"
ln -s "$src" "$work/consumer/subprojects/tickwire"
cp "$work/game.cpp" "$work/consumer/game.cpp"
cat > "$work/consumer/meson.build" <<'MESON'
project('consumer', 'cpp', default_options : ['cpp_std=c++20', 'warning_level=3', 'werror=true'])
tickwire = dependency('tickwire-net', fallback : 'tickwire')
executable('game', 'game.cpp', dependencies : tickwire)
MESON
meson setup "$work/consumer/build" "$work/consumer" \
  -Dtickwire:tests=disabled -Dtickwire:tools=disabled -Dtickwire:samples=disabled >/dev/null
ninja -C "$work/consumer/build" >/dev/null
"$work/consumer/build/game" | grep -q 'listening on 127.0.0.1:'
echo "install and subproject: ok"
