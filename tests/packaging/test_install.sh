#!/usr/bin/env bash
# A game takes tickwire the three usual ways, and each builds and runs:
#  1. installed (meson install into a staging root): pkg-config tickwire-net and
#     tickwire-engine, and the installed tools run without LD_LIBRARY_PATH;
#  2. installed, from CMake: find_package(tickwire CONFIG) and tickwire::net/::engine;
#  3. as a meson subproject: dependency('tickwire-net') and ('tickwire-engine'), building
#     only the libraries, without imposing -Werror on the game.
#   usage: test_install.sh SOURCE_ROOT BUILD_ROOT
set -euo pipefail
src=$1
build=$2
# shellcheck source=../integration/lib.sh
source "$src/tests/integration/lib.sh"
lib_init install

# The game: a server on a free port, and a snapshot codec round trip (both libraries).
cat > "$work/game.cpp" <<'CPP'
#include <tickwire/engine/quantize.hpp>
#include <tickwire/engine/snapshot.hpp>
#include <tickwire/net/transport.hpp>
#include <tickwire/version.hpp>
#include <cstdio>
#include <cstring>

using namespace tickwire;

struct Crate {
    engine::BoundedVec2<engine::FloatRange{-100.0, 100.0, 0.01}> position;
    template <class A> void serialize(A& a) { a(position); }
    friend bool operator==(const Crate&, const Crate&) = default;
};

int main() {
    if (std::strcmp(versionString(), TICKWIRE_VERSION_STRING) != 0) return 3;
    net::ServerConfig config;
    config.bind = net::Address::loopback(0);
    config.key = net::Key::generate();
    auto server = net::Server::create(config);
    if (!server) { std::puts(net::describe(server.error()).data()); return 1; }
    engine::SnapshotCodec<Crate> codec;
    decltype(codec)::SnapshotType world;
    world.tick = 7;
    Crate crate;
    crate.position.x.set(1.25);
    crate.position.y.set(-3.5);
    world.set(42, crate);
    auto bytes = codec.encode(nullptr, world);
    if (!bytes) return 2;
    auto back = codec.decode(nullptr, *bytes);
    if (!back || back->entities.size() != 1 || !(std::get<Crate>(back->entities[0].state) == crate)) return 2;
    std::printf("tickwire %s listening on %s, %zu snapshot bytes\n", versionString(),
                (*server)->address().toString().c_str(), bytes->size());
    return 0;
}
CPP

echo "== 1. meson install into a staging root, pkg-config"
DESTDIR="$work/root" meson install -C "$build" --no-rebuild --quiet
pcdir=$(find "$work/root" -name tickwire-net.pc -printf '%h\n' | head -1)
[ -n "$pcdir" ] || fail "tickwire-net.pc was not installed"
for pc in tickwire-net tickwire-engine tickwire; do [ -f "$pcdir/$pc.pc" ] || fail "$pc.pc was not installed"; done
[ -f "$(find "$work/root" -path '*include/tickwire/version.hpp' | head -1)" ] || fail "version.hpp missing"
real_prefix=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=prefix tickwire-net)
pc() { PKG_CONFIG_PATH="$pcdir" pkg-config --define-variable=prefix="$work/root$real_prefix" "$@"; }
[ "$(pc --variable=header_dependencies tickwire-net)" = "tl-expected,cereal" ] || fail "the .pc does not name its header dependencies"
flags=$(pc --cflags --libs tickwire-net tickwire-engine)
echo "pkg-config: $flags"
g++ -std=c++20 -Wall -Wextra -Werror "$work/game.cpp" -o "$work/game-pc" $flags
LD_LIBRARY_PATH="$(pc --variable=libdir tickwire-net)" "$work/game-pc" | grep -q 'listening on 127.0.0.1:' ||
  fail "the pkg-config build does not run"
# The installed programs find the installed libraries by themselves.
token=$(find "$work/root" -path '*/bin/tickwire-token' | head -1)
if [ -n "$token" ]; then
  env -u LD_LIBRARY_PATH "$token" keygen --out "$work/k.key" >/dev/null || fail "installed tickwire-token does not run"
  [ "$(stat -c %s "$work/k.key")" = 32 ] || fail "installed tickwire-token wrote no key"
fi

echo "== 2. CMake: find_package(tickwire CONFIG)"
mkdir -p "$work/cmake-game"
cp "$work/game.cpp" "$work/cmake-game/game.cpp"
cat > "$work/cmake-game/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(game CXX)
find_package(tickwire 0.2 CONFIG REQUIRED)
add_executable(game game.cpp)
target_link_libraries(game PRIVATE tickwire::net tickwire::engine)
set_target_properties(game PROPERTIES CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON)
target_compile_options(game PRIVATE -Wall -Wextra -Werror)
CMAKE
# Ninja, which tickwire's own build already needs (a fresh machine may have no make).
cmake -G Ninja -S "$work/cmake-game" -B "$work/cmake-game/build" -DCMAKE_PREFIX_PATH="$work/root$real_prefix" >/dev/null ||
  fail "cmake could not configure against the installed tickwire"
cmake --build "$work/cmake-game/build" >/dev/null || fail "the CMake game did not build"
"$work/cmake-game/build/game" | grep -q 'listening on 127.0.0.1:' || fail "the CMake game does not run"

echo "== 3. as a meson subproject"
mkdir -p "$work/consumer/subprojects"
ln -s "$src" "$work/consumer/subprojects/tickwire"
cp "$work/game.cpp" "$work/consumer/game.cpp"
cat > "$work/consumer/subprojects/tickwire.wrap" <<'WRAP'
[wrap-file]
directory = tickwire

[provide]
tickwire-net = tickwire_net_dep
tickwire-engine = tickwire_engine_dep
WRAP
cat > "$work/consumer/meson.build" <<'MESON'
project('consumer', 'cpp', default_options : ['cpp_std=c++20', 'warning_level=3'])
net = dependency('tickwire-net')
engine = dependency('tickwire-engine')
executable('game', 'game.cpp', dependencies : [net, engine])
MESON
meson setup "$work/consumer/build" "$work/consumer" >"$work/consumer-setup.log" 2>&1 ||
  { cat "$work/consumer-setup.log"; fail "the subproject did not configure"; }
ninja -C "$work/consumer/build" >/dev/null || fail "the subproject game did not build"
"$work/consumer/build/game" | grep -q 'listening on 127.0.0.1:' || fail "the subproject game does not run"
# Only the libraries: no tools, samples or tests of tickwire's in the game's build.
[ -z "$(find "$work/consumer/build/subprojects" -name 'tickwire-token' -o -name 'arena-server' -o -name 'test-*' | head -1)" ] ||
  fail "the subproject built more than its libraries"
meson test -C "$work/consumer/build" --list 2>/dev/null | grep -q . && fail "the game's meson test lists tickwire's tests"
# Warnings are errors in tickwire's own builds only.
grep -q -- '-Werror' "$work/consumer/build/compile_commands.json" && fail "tickwire imposes -Werror on the game"
echo "install, pkg-config, CMake and subproject: ok"
