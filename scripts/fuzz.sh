#!/usr/bin/env bash
# Fuzzes CivicSync's wire decoding, operation validation, access rules and merge with libFuzzer
# (Swift's -sanitize=fuzzer, with AddressSanitizer), starting from the committed seed corpus of
# real operations in Fuzz/corpus.
#
#   scripts/fuzz.sh [RUNS] [more libFuzzer flags...]     # default 100000 runs; 0 runs forever
#
# Builds into .build-fuzz (kept apart from the normal build). New interesting inputs go to a
# temporary directory; a crashing input is written to .build-fuzz/crashes/ and the script exits
# non-zero. Replay any input without the fuzzer: `swift run civicsync-fuzz FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

runs="${1:-100000}"
if (($# > 0)); then shift; fi

# gold fails on the sanitizer runtime's debug information; lld (shipped with Swift) links it.
swift build --product civicsync-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DCIVICSYNC_FUZZING -Xswiftc -use-ld=lld

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p .build-fuzz/crashes
# Leak checking is off: Swift's lazily initialised globals (the field catalog) look leaked to
# LeakSanitizer at exit. Crashes, overflows and use-after-free are what this run looks for.
ASAN_OPTIONS=detect_leaks=0 .build-fuzz/debug/civicsync-fuzz "$work" Fuzz/corpus \
    -runs="$runs" -max_len=65536 -artifact_prefix=.build-fuzz/crashes/ -print_final_stats=1 "$@"
