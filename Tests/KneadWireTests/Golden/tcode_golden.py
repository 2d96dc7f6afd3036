#!/usr/bin/env python3
"""Independent TCode v0.3 encoding of a known sequence at 100 Hz (docs/tcode.md).

Written from the rules in docs/tcode.md, not from the Swift code: each tick, every
mapped axis whose value (digits after "0.", rounded half up, 1.0 and above as all nines,
below 0 as 0) changed goes on one line, axes in the order L, R, V, A then by digit,
space-separated, each with I<ms since the previous tick> in ramp mode (not on the first
line), and the line ends with a newline. Writes the three tcode-*.txt golden files.
"""
import math

def sequence():
    """200 ticks at 100 Hz; only + - * / and abs, so every language gets the same doubles."""
    for k in range(200):
        t = k / 100
        intensity = (k % 50) / 49
        y = 0.2 + 0.6 * (k / 199)
        x = 0.5 + 0.4 * abs((k % 80) / 40 - 1)
        pressure = 0.25 if (k // 25) % 2 == 0 else 0.75
        yield t, {"intensity": intensity, "x": x, "y": y, "pressure": pressure, "heat": 0.0}

def magnitude(value, digits):
    scale = 10 ** digits
    if not value > 0:
        return 0
    scaled = value * scale
    whole = int(scaled)
    rounded = whole + (1 if scaled - whole >= 0.5 else 0)
    return min(rounded, scale - 1)

ORDER = "LRVA"

def encode(axes, digits, ramp):
    axes = sorted(axes.items(), key=lambda item: (ORDER.index(item[1][0]), int(item[1][1])))
    last = {}
    last_time = None
    out = []
    for t, values in sequence():
        interval = None
        if ramp and last_time is not None:
            ms = math.floor((t - last_time) * 1000 + 0.5)
            if ms >= 1:
                interval = ms
        last_time = t
        commands = []
        for channel, axis in axes:
            m = magnitude(values[channel], digits)
            if last.get(axis) == m:
                continue
            last[axis] = m
            commands.append(f"{axis}{m:0{digits}d}" + (f"I{interval}" if interval else ""))
        if commands:
            out.append(" ".join(commands) + "\n")
    return "".join(out)

OSR2 = {"intensity": "V0", "y": "L0", "x": "L2", "pressure": "L1"}

if __name__ == "__main__":
    assert magnitude(1.0, 4) == 9999 and magnitude(0.5, 4) == 5000 and magnitude(0.77, 2) == 77
    files = {
        "tcode-osr2-100hz-live.txt": encode(OSR2, 4, False),
        "tcode-osr2-100hz-ramp.txt": encode(OSR2, 4, True),
        "tcode-vibrator-100hz-2digits.txt": encode({"intensity": "V0"}, 2, False),
    }
    for name, text in files.items():
        with open(name, "w") as f:
            f.write(text)
        print(name, text.count("\n"), "lines")
