#!/usr/bin/env python3
"""Independent encoding of the worked examples of docs/protocol.md.

Written from the page alone (not from the Swift code): CRC-16/CCITT-FALSE from the
standard library (binascii.crc_hqx with initial value 0xFFFF), COBS from section 2.1.
Prints kwp-examples.txt (read by KWPGoldenTests) with --golden, or the Markdown of the
examples section with --markdown.
"""
import binascii, struct, sys

def crc16(data):
    return binascii.crc_hqx(data, 0xFFFF)

def cobs(packet):
    """Section 2.1: blocks of non-zero bytes, ended by a 00 (code 01…fe, the 00 implied)
    or by reaching 254 bytes (code ff, nothing implied); the last block is always sent
    unless the packet ended exactly with a full ff block."""
    out, run = bytearray(), bytearray()
    ended_full = False
    for byte in packet:
        ended_full = False
        if byte == 0:
            out += bytes([len(run) + 1]) + run
            run = bytearray()
        else:
            run.append(byte)
            if len(run) == 254:
                out += b"\xff" + run
                run = bytearray()
                ended_full = True
    if not ended_full:
        out += bytes([len(run) + 1]) + run
    return bytes(out)

def packet(version, mtype, seq, payload):
    body = bytes([version, mtype, seq]) + payload
    return body + struct.pack(">H", crc16(body))

def frame(p):
    return cobs(p) + b"\x00"

le = lambda fmt, *v: struct.pack("<" + fmt, *v)

def identify_payload():
    p = le("IHBHHH", 1_000_000, 128, 16, 250, 250, 50)
    p += bytes([1]) + le("BHHHH", 0, 100, 0, 65535, 3000)
    model, firmware = b"knead-handheld", b"1.0.0"
    return p + bytes([len(model)]) + model + bytes([len(firmware)]) + firmware

EXAMPLES = [
    ("hello", "HELLO, tag 0x01", 0x01, 0x01, b""),
    ("identify", "IDENTIFY answering tag 0x01: a handheld with one channel (intensity, 100 steps, "
                 "max slew 3.000/s), clock 1 MHz, 128 slots, batches of 16, watchdog 250 ms, ramp 250 ms, "
                 "telemetry every 50 ms, model `knead-handheld`, firmware `1.0.0`",
     0x81, 0x01, identify_payload()),
    ("clock-request", "CLOCK_REQUEST, tag 0x02", 0x02, 0x02, b""),
    ("clock", "CLOCK answering tag 0x02: device time 0x12345678", 0x82, 0x02, le("Q", 0x12345678)),
    ("frames-handheld", "FRAMES, sequence 0, intensity only (mask 0x01): 0x8000 at tick 1 234 567, "
                        "0x8148 at tick 1 244 567 (10 ms later)",
     0x03, 0x00, bytes([0x01, 2]) + le("IH", 1_234_567, 0x8000) + le("IH", 1_244_567, 0x8148)),
    ("frames-chair", "FRAMES, sequence 5, all five channels (mask 0x1f): at tick 2 000 000 intensity "
                     "0x4000, x 0x8000 (spine), y 0xc000, pressure 0x2000, heat 0x1000",
     0x03, 0x05, bytes([0x1F, 1]) + le("IHHHHH", 2_000_000, 0x4000, 0x8000, 0xC000, 0x2000, 0x1000)),
    ("frames-tapping", "FRAMES, sequence 6, intensity and percussion (mask 0x61): at tick 2 500 000 "
                       "intensity 0x8000, percussion rate 600 (6 Hz), percussion depth 0xffff (full)",
     0x03, 0x06, bytes([0x61, 1]) + le("IHHH", 2_500_000, 0x8000, 600, 0xFFFF)),
    ("identify-tapping", "IDENTIFY answering tag 0x07: a chair's tapping mechanism on its own: intensity "
                         "(256 steps, max slew 2.000/s), percussion rate (64 steps, 0 … 1200 = 12 Hz, "
                         "no slew limit), percussion depth (64 steps); model `knead-tapper`, firmware `1.0.0`",
     0x81, 0x07, le("IHBHHH", 1_000_000, 128, 16, 250, 250, 50) + bytes([3])
        + le("BHHHH", 0, 256, 0, 65535, 2000) + le("BHHHH", 5, 64, 0, 1200, 0) + le("BHHHH", 6, 64, 0, 65535, 0)
        + bytes([12]) + b"knead-tapper" + bytes([5]) + b"1.0.0"),
    ("ack", "ACK: expected 1, 126 free slots", 0x83, 0x01, le("H", 126)),
    ("nak", "NAK: expected 1, 126 free, reason GAP, refused packet 2", 0x84, 0x01, le("HBB", 126, 1, 2)),
    ("stop", "STOP, tag 0x03, next sequence 1", 0x04, 0x03, bytes([0x01])),
    ("stopped", "STOPPED answering tag 0x03: 128 free", 0x85, 0x03, le("H", 128)),
    ("heartbeat", "HEARTBEAT, tag 0x04", 0x05, 0x04, b""),
    ("telemetry", "TELEMETRY, counter 0: device time 1 300 000, playing, intensity 0x8000, x, y and "
                  "pressure 0, no temperature sensor, 10 queued, 118 free, no fault",
     0x86, 0x00, le("QBHHHHhHHB", 1_300_000, 2, 0x8000, 0, 0, 0, -32768, 10, 118, 0)),
    ("fault", "FAULT, counter 1: device time 1 600 000, WATCHDOG (0x80), detail 250 ms",
     0x87, 0x01, le("QBH", 1_600_000, 0x80, 250)),
]

def hexs(b):
    return " ".join(f"{x:02x}" for x in b)

if __name__ == "__main__":
    assert crc16(b"123456789") == 0x29B1
    assert cobs(bytes([0x11, 0x22, 0x00, 0x33])) == bytes([3, 0x11, 0x22, 2, 0x33])
    assert cobs(bytes(range(1, 255))) == b"\xff" + bytes(range(1, 255))
    assert cobs(bytes(range(1, 256))) == b"\xff" + bytes(range(1, 255)) + b"\x02\xff"
    assert cobs(b"\x00") == b"\x01\x01" and cobs(b"") == b"\x01"
    assert cobs(bytes(range(1, 255)) + b"\x00") == b"\xff" + bytes(range(1, 255)) + b"\x01\x01"
    mode = sys.argv[1] if len(sys.argv) > 1 else "--golden"
    for name, title, mtype, seq, payload in EXAMPLES:
        p = packet(1, mtype, seq, payload)
        if mode == "--golden":
            print(f"{name}|{hexs(p)}|{hexs(frame(p))}")
        else:
            print(f"**{name}** — {title}\n\n```\npacket  {hexs(p)}\nframe   {hexs(frame(p))}\n```\n")
