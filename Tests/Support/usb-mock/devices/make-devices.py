#!/usr/bin/env python3
"""Writes the .umockdev descriptions in this folder (run it after changing one).

Each device gets its own bus/device number and port, so several can be added to one
testbed (usb-mock --device a --device b ...). Descriptors are raw USB bytes; the
device descriptor is followed by the whole configuration descriptor.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def ep(addr, kind, size, interval):
    return [7, 5, addr, {"bulk": 2, "interrupt": 3}[kind], size & 0xFF, size >> 8, interval]


def iface(number, n_eps, cls, sub, proto, istr=0):
    return [9, 4, number, 0, n_eps, cls, sub, proto, istr]


def config(body, n_ifaces, attributes=0x80, power_2ma=50):
    total = 9 + len(body)
    return [9, 2, total & 0xFF, total >> 8, n_ifaces, 1, 0, attributes, power_2ma] + body


def device(bcd_usb, cls, sub, proto, mp0, vid, pid, bcd_dev, imanu, iprod, iser):
    return [18, 1, bcd_usb & 0xFF, bcd_usb >> 8, cls, sub, proto, mp0,
            vid & 0xFF, vid >> 8, pid & 0xFF, pid >> 8, bcd_dev & 0xFF, bcd_dev >> 8,
            imanu, iprod, iser, 1]


# Wired Xbox 360 controller (045e:028e), as the real pad describes itself (the same
# bytes appear in ViGEm's XusbTarget and several XInput firmware projects): four
# vendor interfaces, each with an undocumented 0x21 descriptor before its endpoints.
def x360_config(with_out=True):
    if0_eps = ep(0x81, "interrupt", 32, 4) + (ep(0x01, "interrupt", 32, 8) if with_out else [])
    body = (iface(0, 2 if with_out else 1, 0xFF, 0x5D, 0x01)
            + [0x11, 0x21, 0x00, 0x01, 0x01, 0x25, 0x81, 0x14, 0x00, 0x00, 0x00, 0x00, 0x13, 0x01, 0x08, 0x00, 0x00]
            + if0_eps
            + iface(1, 4, 0xFF, 0x5D, 0x03)
            + [0x1B, 0x21, 0x00, 0x01, 0x01, 0x01, 0x82, 0x40, 0x01, 0x02, 0x20, 0x16, 0x83, 0x00, 0x00,
               0x00, 0x00, 0x00, 0x00, 0x16, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
            + ep(0x82, "interrupt", 32, 2) + ep(0x02, "interrupt", 32, 4)
            + ep(0x83, "interrupt", 32, 64) + ep(0x03, "interrupt", 32, 16)
            + iface(2, 1, 0xFF, 0x5D, 0x02)
            + [0x09, 0x21, 0x00, 0x01, 0x01, 0x22, 0x84, 0x07, 0x00]
            + ep(0x84, "interrupt", 32, 16)
            + iface(3, 0, 0xFF, 0xFD, 0x13, 4)
            + [0x06, 0x41, 0x00, 0x01, 0x01, 0x03])
    return config(body, 4, attributes=0xA0, power_2ma=0xFA)


X360_DEVICE = device(0x0200, 0xFF, 0xFF, 0xFF, 8, 0x045E, 0x028E, 0x0114, 1, 2, 3)

# Rez Trance Vibrator (0b49:064f, ASCII Corporation): driven with vendor control
# requests only (Linux drivers/usb/misc/trancevibrator.c sends bmRequestType 0x43,
# bRequest 1, wValue = speed). No dump of its descriptors was found: this is a
# plausible low-speed USB 1.1 device with one vendor interface and no endpoints.
REZ = device(0x0110, 0, 0, 0, 8, 0x0B49, 0x064F, 0x0100, 1, 2, 0) + \
    config(iface(0, 0, 0xFF, 0x00, 0x00), 1, power_2ma=50)

# knead's own USB chair (pid.codes test PID 1209:fffe): full speed, one vendor
# interface with a bulk pair, 64-byte packets.
KNEAD_DEVICE = device(0x0200, 0, 0, 0, 64, 0x1209, 0xFFFE, 0x0100, 1, 2, 3)
KNEAD = KNEAD_DEVICE + config(
    iface(0, 2, 0xFF, 0x00, 0x00) + ep(0x01, "bulk", 64, 0) + ep(0x81, "bulk", 64, 0), 1)

# Its wrong-interface twin: interface 0 is a HID with one interrupt IN, no bulk pair.
HID_REPORT_LEN = 34
KNEAD_HID = KNEAD_DEVICE + config(
    iface(0, 1, 0x03, 0x00, 0x00)
    + [9, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22, HID_REPORT_LEN, 0x00]
    + ep(0x81, "interrupt", 64, 10), 1)

DEVICES = [
    # file, bus, dev, port, descriptors, manufacturer, product, serial, speed
    ("xbox360-rumble", 1, 2, "1-1", X360_DEVICE + x360_config(True),
     "\u00a9Microsoft Corporation", "Controller", "knead-test-pad", "12"),
    ("rez-trancevibrator", 1, 3, "1-2", REZ, "ASCII CORPORATION", "Trance Vibrator", None, "1.5"),
    ("knead-usb", 1, 4, "1-3", KNEAD, "knead", "knead usb chair", "knead-test-0001", "12"),
    ("xbox360-no-out", 1, 5, "1-4", X360_DEVICE + x360_config(False),
     "\u00a9Microsoft Corporation", "Controller", "knead-test-pad-no-out", "12"),
    ("knead-usb-hid", 1, 6, "1-5", KNEAD_HID, "knead", "knead usb chair", "knead-test-0002", "12"),
]


def attr_escape(s):
    return s.replace("\\", "\\\\").replace("\n", "\\n")


def write(name, bus, dev, port, desc, manu, prod, serial, speed):
    d = bytes(desc)
    assert d[0] == 18 and d[18 + 1] == 2
    assert d[18 + 2] | (d[18 + 3] << 8) == len(d) - 18, name
    h = d.hex().upper()
    vid, pid, bcd = d[8] | d[9] << 8, d[10] | d[11] << 8, d[12] | d[13] << 8
    n_ifaces = d[18 + 4]
    minor = (bus - 1) * 128 + dev - 1
    ifaces = []
    off = 18
    while off < len(d):
        if d[off + 1] == 4:
            ifaces.append("%02x%02x%02x" % (d[off + 5], d[off + 6], d[off + 7]))
        off += d[off]
    lines = [
        "P: /devices/pci0000:00/0000:00:14.0/usb%d/%s" % (bus, port),
        "N: bus/usb/%03d/%03d=%s" % (bus, dev, h),
        "E: BUSNUM=%03d" % bus,
        "E: DEVNAME=/dev/bus/usb/%03d/%03d" % (bus, dev),
        "E: DEVNUM=%03d" % dev,
        "E: DEVTYPE=usb_device",
        "E: DRIVER=usb",
        "E: ID_BUS=usb",
        "E: ID_MODEL_ID=%04x" % pid,
        "E: ID_REVISION=%04x" % bcd,
        "E: ID_USB_INTERFACES=:%s:" % ":".join(sorted(set(ifaces))),
        "E: ID_VENDOR_ID=%04x" % vid,
        "E: MAJOR=189",
        "E: MINOR=%d" % minor,
        "E: PRODUCT=%x/%x/%x" % (vid, pid, bcd),
        "E: SUBSYSTEM=usb",
        "E: TYPE=%d/%d/%d" % (d[4], d[5], d[6]),
        "A: authorized=1",
        "A: bConfigurationValue=1",
        "A: bDeviceClass=%02x" % d[4],
        "A: bDeviceProtocol=%02x" % d[6],
        "A: bDeviceSubClass=%02x" % d[5],
        "A: bMaxPacketSize0=%d" % d[7],
        "A: bMaxPower=%dmA" % (d[18 + 8] * 2),
        "A: bNumConfigurations=1",
        "A: bNumInterfaces=%2d" % n_ifaces,
        "A: bcdDevice=%04x" % bcd,
        "A: bmAttributes=%02x" % d[18 + 7],
        "A: busnum=%d\\n" % bus,
        "A: configuration=",
        "H: descriptors=%s" % h,
        "A: dev=189:%d" % minor,
        "A: devnum=%d\\n" % dev,
        "A: devpath=%s" % port.split("-", 1)[1],
        "A: idProduct=%04x" % pid,
        "A: idVendor=%04x" % vid,
        "A: manufacturer=%s" % attr_escape(manu),
        "A: maxchild=0",
        "A: product=%s" % attr_escape(prod),
        "A: removable=removable",
    ]
    if serial:
        lines.append("A: serial=%s" % attr_escape(serial))
    lines += [
        "A: speed=%s" % speed,
        "A: version=%5s" % ("%x.%02x" % (d[3], d[2])),
    ]
    with open(os.path.join(HERE, name + ".umockdev"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


for entry in DEVICES:
    write(*entry)
