#!/usr/bin/env bash
# Builds the project's own WASI job programs with Debian's clang + wasi-libc
# (apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32).
# `programs/build.sh --check` rebuilds into a temp dir and fails if the committed binaries differ.
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-clang-14}
FLAGS=(--target=wasm32-wasi --sysroot=/usr -O2 -Wl,--strip-all -lm)
out=.
if [[ "${1:-}" == "--check" ]]; then out=$(mktemp -d); fi
mkdir -p "$out/heat"
"$CC" "${FLAGS[@]}" heat/heat.c -o "$out/heat/heat.wasm"
"$CC" "${FLAGS[@]}" -DALT_ORDER heat/heat.c -o "$out/heat/heat-alt-order.wasm"
mkdir -p "$out/probe"
"$CC" "${FLAGS[@]}" probe/probe.c -o "$out/probe/probe.wasm"
if [[ "$out" != "." ]]; then
  for f in heat/heat.wasm heat/heat-alt-order.wasm probe/probe.wasm; do
    cmp -s "$f" "$out/$f" || { echo "programs: $f differs from a fresh build of its source" >&2; exit 1; }
  done
  echo "programs: committed binaries match a fresh build"
fi
sha256sum heat/*.wasm probe/*.wasm
