#!/usr/bin/env bash
# The README's examples are the real thing: every C++ block marked `<!-- example: NAME -->`
# is compiled as printed, warning-free, against an installed tickwire (pkg-config) and run;
# each must exit 0.
#   usage: test_readme.sh SOURCE_ROOT BUILD_ROOT
set -euo pipefail
src=$1
build=$2
# shellcheck source=../integration/lib.sh
source "$src/tests/integration/lib.sh"
lib_init readme

# Each marked block into $work/NAME.cpp: the marker, then a ```cpp fence, then the code up
# to the closing fence.
awk -v dir="$work" '
  /^<!-- example: [a-z0-9-]+ -->$/ { name = $3; want = 1; next }
  want && /^```cpp$/ { file = dir "/" name ".cpp"; inside = 1; want = 0; next }
  inside && /^```$/ { inside = 0; close(file); next }
  inside { print > file }
  want && !/^$/ { printf "example %s: the marker is not followed by a ```cpp block\n", name > "/dev/stderr"; exit 1 }
' "$src/README.md" || fail "README.md: a malformed example"
examples=$(cd "$work" && ls -- *.cpp 2>/dev/null | sed 's/\.cpp$//')
[ -n "$examples" ] || fail "README.md marks no example"
# Every C++ block in the README is an example the test runs.
blocks=$(grep -c '^```cpp$' "$src/README.md")
[ "$blocks" -eq "$(echo "$examples" | wc -l)" ] || fail "README.md has $blocks C++ blocks but marks $(echo "$examples" | wc -l)"

DESTDIR="$work/root" meson install -C "$build" --no-rebuild --quiet
pcdir=$(find "$work/root" -name tickwire-net.pc -printf '%h\n' | head -1)
[ -n "$pcdir" ] || fail "tickwire-net.pc was not installed"
real_prefix=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=prefix tickwire-net)
pc() { PKG_CONFIG_PATH="$pcdir" pkg-config --define-variable=prefix="$work/root$real_prefix" "$@"; }
flags=$(pc --cflags --libs tickwire-net tickwire-engine)
libdir=$(pc --variable=libdir tickwire-net)

for name in $examples; do
  echo "== $name"
  g++ -std=c++20 -Wall -Wextra -Wpedantic -Werror "$work/$name.cpp" -o "$work/$name" $flags ||
    fail "the README's example '$name' does not compile"
  status=0
  LD_LIBRARY_PATH="$libdir" timeout 60 "$work/$name" || status=$?
  [ "$status" -eq 0 ] || fail "the README's example '$name' exited $status"
done
echo "README examples: ok"
