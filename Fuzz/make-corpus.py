#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/corpus/<target>/ from the shipped patterns and
profiles, the pattern-file test fixtures and the golden files (Tests/*/Golden/).
Run from anywhere: python3 Fuzz/make-corpus.py. Deterministic; small files only."""
import glob, os, shutil, struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fuzz", "corpus")
MAX = 4096  # bytes: a seed larger than this is cut (libFuzzer's -max_len default is 4096)

def target(name):
    path = os.path.join(OUT, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path

def write(directory, name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data[:MAX])

def copy(directory, pattern, limit=MAX):
    for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
        data = open(path, "rb").read()
        if len(data) <= limit:
            write(directory, os.path.basename(path), data)

# Pattern files: the shipped patterns and the fixtures (good and bad on purpose).
d = target("FuzzPatternFile")
copy(d, "Patterns/*.yaml", limit=1 << 20)
copy(d, "Tests/KneadPatternFileTests/Fixtures/*.yaml")
copy(d, "Tests/KneadPatternFileTests/Fixtures/*.json")

# Generated patterns: the input is choices (device, body, flags, then steps), any bytes do.
d = target("FuzzPatternCompile")
for seed in range(8):
    write(d, "choices-%d" % seed, bytes((seed * 37 + i * (2 * seed + 1)) % 256 for i in range(64 + 32 * seed)))

# Device (and body) profiles.
d = target("FuzzDeviceProfile")
copy(d, "Profiles/*.yaml", limit=1 << 20)
write(d, "body.yaml", "name: tall\nshoulder-height: 560mm\nback-width: 400mm\n")

# Script importers.
d = target("FuzzScriptImport")
for ext in ("funscript", "ahap", "haptic"):
    copy(d, "Tests/KneadPatternFileTests/Fixtures/*." + ext)

# KWP golden frames: name|packet hex|encoded frame hex.
examples = []
for line in open(os.path.join(ROOT, "Tests/KneadWireTests/Golden/kwp-examples.txt")):
    line = line.strip()
    if not line or line.startswith("#") or line.count("|") != 2:
        continue
    name, packet, frame = line.split("|")
    examples.append((name, bytes.fromhex(packet), bytes.fromhex(frame)))

def raw(data):  # ByteReader program step: raw bytes (op 0, length, bytes)
    out = b""
    for i in range(0, len(data), 255):
        chunk = data[i:i + 255]
        out += bytes([0, len(chunk)]) + chunk
    return out

def wrapped(packet, op):  # a packet re-wrapped with a valid CRC: op, type, seq, length, payload
    payload = packet[3:-2]
    return bytes([op, packet[1], packet[2], len(payload)]) + payload

d = target("FuzzKWPHostDecoder")
for name, packet, frame in examples:
    write(d, name + "-raw", raw(frame))
    write(d, name + "-wrapped", wrapped(packet, 2))
write(d, "all-frames", raw(b"".join(f for _, _, f in examples)))

host_types = {0x01, 0x02, 0x03, 0x04, 0x05}
d = target("FuzzKWPDevice")
for name, packet, frame in examples:
    if packet[1] in host_types:
        write(d, name, wrapped(packet, 1) + bytes([3, 5]))
hello = [p for n, p, _ in examples if n == "hello"][0]
frames = [p for n, p, _ in examples if n == "frames-chair"][0]
stop = [p for n, p, _ in examples if n == "stop"][0]
write(d, "hello-frames-run-stop",
      wrapped(hello, 1) + bytes([3, 2]) + wrapped(frames, 1) + bytes([3, 50]) * 4 + wrapped(stop, 1) + bytes([3, 100]))

# Host session programs: 0 = deliver both ways, 6 = time goes by (ms), 8 = setpoint, 9 = stop.
d = target("FuzzKWPHostSession")
happy = bytes([0, 6, 5]) * 40
setpoint = bytes([8]) + struct.pack(">HHHHH", 0x8000, 0x4000, 0x8000, 0x2000, 0x1000) + bytes([60])
write(d, "identify-and-sync", happy)
write(d, "play", happy + (setpoint + bytes([0, 6, 10])) * 20 + bytes([0, 6, 20]) * 10)
write(d, "play-lossy", happy + (setpoint + bytes([0, 6, 10, 3, 0, 0, 6, 10, 2, 7, 0x40])) * 10)
write(d, "play-stop", happy + (setpoint + bytes([0, 6, 10])) * 10 + bytes([9, 0, 0, 6, 50]) * 3)
for name, packet, frame in examples:
    if packet[1] & 0x80:
        write(d, "inject-" + name, happy + wrapped(packet, 5) + bytes([6, 5]))

# TCode: replies (D0, D1, D2 and the golden axis lines) and command streams.
d = target("FuzzTCode")
write(d, "d1", "TCode v0.3\n")
write(d, "d0-d1", "OSR2 Firmware v3\nTCode v0.3\n")
write(d, "dstop-query", "D0\nD1\nD2\nDSTOP\n$L0-0000-9999\n")
for path in sorted(glob.glob(os.path.join(ROOT, "Tests/KneadWireTests/Golden/tcode-*.txt"))):
    lines = open(path).read().splitlines()[:24]
    write(d, os.path.basename(path), "\n".join(lines) + "\n")

# USB: the pad's interface (ff/5d/01, 0x81 interrupt IN, 0x01 interrupt OUT), the Rez's,
# an intensity pair, a selector.
d = target("FuzzUSB")
def usb(cls, sub, proto, endpoints, a, b, selector):
    out = bytes([cls, sub, proto, len(endpoints)])
    for address, attributes, size, interval in endpoints:
        out += bytes([7, 5, address, attributes]) + struct.pack("<H", size) + bytes([interval])
    return out + struct.pack(">dd", a, b) + selector.encode()
pad = [(0x81, 3, 32, 4), (0x01, 3, 32, 8)]
write(d, "xbox360-pad", usb(0xff, 0x5d, 0x01, pad, 0.25, 0.75, "045e:028e"))
write(d, "xbox360-pad-serial", usb(0xff, 0x5d, 0x01, pad, 0.5, 1.0, "045e:028e,serial=ABC123,path=1-4.2"))
write(d, "rez", usb(0x00, 0x00, 0x00, [], 0.001, 0.999, "0b49:064f"))
write(d, "bulk-only", usb(0xff, 0x5d, 0x01, [(0x02, 2, 512, 0), (0x82, 2, 512, 0)], -1.0, 2.0, "1209:0001,path=3-1"))
for path in sorted(glob.glob(os.path.join(ROOT, "Tests/KneadWireTests/Golden/usb-reports.txt"))):
    for i, line in enumerate(l for l in open(path) if l.strip() and not l.startswith("#")):
        if i % 4 == 0:
            fields = line.split()
            write(d, "report-%s-%s" % (fields[0], fields[1]), usb(0xff, 0x5d, 0x01, pad, float(fields[1]), 0.0, "045e:028e"))

for name in sorted(os.listdir(OUT)):
    print(name, len(os.listdir(os.path.join(OUT, name))))
