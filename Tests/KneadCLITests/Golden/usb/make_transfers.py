#!/usr/bin/env python3
"""Writes the transfers a USB report device must receive when knead plays a pattern:
the golden files of USBPlayTests, written from docs/drivers.md rather than the Swift
codecs. The frames come from `knead render` (the compiler and the safety envelope,
tested on their own); the bytes from the documented mapping:

  xbox360-rumble:     interrupt-out 01 00 08 00 <large> <small> 00 00 00,
                      large = round(255 i), small = round(255 max(0, 2i - 1))
  rez-trancevibrator: control 43 01 <speed as 4 hex digits> 0000 0000, speed = round(255 i)

knead sends zero at open, a report only when it differs from the last, and zero again
as the stop at the end. Half-way values round up.

Usage: make_transfers.py KNEAD PATTERN DEVICE CAP RATE > FILE
"""
import csv, io, math, subprocess, sys

knead, pattern, device, cap, rate = sys.argv[1:6]
render = subprocess.run([knead, "render", pattern, "--device", device, "--session-cap", cap,
                         "--rate", rate, "--format", "csv"], capture_output=True, text=True, check=True)

def level(i):
    return int(math.floor(min(max(i, 0.0), 1.0) * 255 + 0.5))

def report(i):
    if device == "xbox360-rumble":
        large, small = level(i), level(max(0.0, 2 * i - 1))
        return "interrupt-out 01 000800%02x%02x000000" % (large, small)
    if device == "rez-trancevibrator":
        return "control 43 01 %04x 0000 0000" % level(i)
    raise SystemExit("unknown device " + device)

lines = [report(0.0)]
for row in csv.DictReader(io.StringIO(render.stdout)):
    line = report(float(row["intensity"]))
    if line != lines[-1]:
        lines.append(line)
lines.append(report(0.0))
print("\n".join(lines))
