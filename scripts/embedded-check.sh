#!/usr/bin/env bash
# Proves that the device side of the knead wire protocol is firmware-ready: the files in
# Sources/KneadWire/Shared and Sources/KneadWire/DeviceSide compile alone with Embedded
# Swift for a Cortex-M4/M7 (armv7em, no OS), and nothing reachable from the frame path
# allocates memory (allocation happens only in initialisers, at start-up).
#
# Usage: scripts/embedded-check.sh [output-dir]     (default .build-wire/embedded)
# Exit status: 0 when both checks pass, 1 otherwise, 2 when the toolchain is missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/.build-wire/embedded}"
mkdir -p "$out"
object="$out/KneadWireDevice.o"

shopt -s nullglob
sources=("$root"/Sources/KneadWire/Shared/*.swift "$root"/Sources/KneadWire/DeviceSide/*.swift)
if [ ${#sources[@]} -eq 0 ]; then
    echo "embedded-check: no sources under Sources/KneadWire/{Shared,DeviceSide}" >&2
    exit 1
fi

if ! command -v swiftc >/dev/null; then
    echo "embedded-check: swiftc not found; install a Swift 6 toolchain" >&2
    exit 2
fi

echo "embedded-check: compiling ${#sources[@]} files for armv7em-none-none-eabi (Embedded Swift)"
if ! swiftc -target armv7em-none-none-eabi -enable-experimental-feature Embedded -wmo -Osize \
        -parse-as-library -module-name KneadWireDevice -c "${sources[@]}" -o "$object"; then
    echo "embedded-check: FAILED: the device side does not compile with Embedded Swift." >&2
    echo "  Keep Shared/ and DeviceSide/ free of Foundation, existentials (any P), String" >&2
    echo "  processing and anything that needs runtime metadata." >&2
    exit 1
fi
size_line="$(wc -c <"$object")"
echo "embedded-check: compiled $object ($size_line bytes)"

# Allocation audit: every function that allocates, directly or through what it calls, must
# be an initialiser (start-up) or the runtime's own allocation code.
toolchain_bin="$(dirname "$(readlink -f "$(command -v swiftc)")")"
objdump=""
for candidate in "$toolchain_bin/llvm-objdump" "$(command -v llvm-objdump || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then objdump="$candidate"; break; fi
done
demangle=("$toolchain_bin/swift-demangle")
[ -x "${demangle[0]}" ] || demangle=(swift demangle)
if [ -z "$objdump" ]; then
    echo "embedded-check: FAILED: llvm-objdump not found (it ships with the Swift toolchain)" >&2
    exit 1
fi

# The call graph from the relocations; a function "allocates" if it calls an allocation
# entry point or (transitively) a function that allocates.
callers="$("$objdump" -dr --no-show-raw-insn "$object" | awk '
    /^[0-9a-f]+ <.*>:$/ { fn = substr($2, 2, length($2) - 3); functions[fn] = 1; next }
    /R_ARM_(THM_)?(CALL|JUMP24)/ { calls[fn] = calls[fn] " " $NF }
    END {
        split("swift_allocObject swift_slowAlloc swift_allocBox swift_allocEmptyBox malloc calloc realloc posix_memalign _Znwj _Znaj", list, " ")
        for (i in list) allocating[list[i]] = 1
        do {
            changed = 0
            for (f in functions) {
                if (f in allocating) continue
                n = split(calls[f], callees, " ")
                for (j = 1; j <= n; j++) if (callees[j] in allocating) { allocating[f] = 1; changed = 1; break }
            }
        } while (changed)
        for (f in allocating) if (f in functions) print f
    }' | sort -u | "${demangle[@]}" --simplified)"

echo "embedded-check: functions that allocate:"
printf '%s\n' "$callers" | sed 's/^/  /'

# Allowed: initialisers (including stored-property initial values), and the runtime.
bad="$(printf '%s\n' "$callers" \
    | grep -vE '\.init\(|__allocating_init|variable initialization expression|^swift_|^\$[td]|^$' || true)"
if [ -n "$bad" ]; then
    echo "embedded-check: FAILED: these functions allocate outside start-up:" >&2
    printf '%s\n' "$bad" | sed 's/^/  /' >&2
    exit 1
fi
echo "embedded-check: OK: device side compiles for Cortex-M and allocates only in initialisers"
