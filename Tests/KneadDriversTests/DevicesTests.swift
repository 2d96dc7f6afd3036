import Foundation
import KneadCore
import KneadPatternFile
import Testing
@testable import KneadDrivers

@Suite("knead devices: listing and matching ports")
struct DevicesTests {
    private func shipped(_ name: String) throws -> DeviceProfile {
        let result = DeviceProfileFile.load(path: SourceTree.root + "/Profiles/\(name).yaml")
        #expect(!result.hasErrors, "\(result.rendered())")
        return try #require(result.profile)
    }

    private func usbPort(vendor: UInt16, product: UInt16, productText: String?) -> SerialPortInfo {
        SerialPortInfo(path: "/dev/ttyUSB0", description: productText ?? "ttyUSB0", transport: .usb,
                       usbVendorID: vendor, usbProductID: product, usbSerial: "KC-0001", usbProduct: productText)
    }

    @Test func aProfileMatchesByUSBIdAndProductText() throws {
        let profiles = try ["osr2", "tcode-vibrator", "knead-chair", "knead-handheld"].map(shipped)
        #expect(usbPort(vendor: 0x1209, product: 0x0001, productText: "knead chair controller")
            .matchingProfiles(among: profiles) == ["knead-chair"])
        #expect(usbPort(vendor: 0x1209, product: 0x0001, productText: "Knead Handheld")
            .matchingProfiles(among: profiles) == ["knead-handheld"])
        #expect(usbPort(vendor: 0x1209, product: 0x0001, productText: "something else")
            .matchingProfiles(among: profiles) == [])
        #expect(usbPort(vendor: 0x1209, product: 0x0002, productText: "knead chair")
            .matchingProfiles(among: profiles) == [])
        #expect(usbPort(vendor: 0x10c4, product: 0xea60, productText: "CP2102 USB to UART Bridge Controller")
            .matchingProfiles(among: profiles) == [])
        let native = SerialPortInfo(path: "/dev/ttyS0", description: "ttyS0", transport: .native, isConsole: true)
        #expect(native.matchingProfiles(among: profiles) == [])
        #expect(native.isNeverProbed)
    }

    @Test func aRuleWithoutProductTextMatchesTheIdAlone() {
        var profile = DeviceProfile.handheld
        profile.name = "mine"
        profile.connection = DeviceProfile.Connection(protocol: .tcode, match: [PortMatch(vendorID: 0x10c4, productID: 0xea60)])
        #expect(usbPort(vendor: 0x10c4, product: 0xea60, productText: nil).matchingProfiles(among: [profile]) == ["mine"])
    }

    @Test func usbIdsParseAsLsusbPrintsThem() {
        #expect(PortMatch.parseUSBID("1209:0001")! == (0x1209, 0x0001))
        #expect(PortMatch.parseUSBID("0x10C4:0xEA60")! == (0x10c4, 0xea60))
        #expect(PortMatch.parseUSBID("1209") == nil)
        #expect(PortMatch.parseUSBID("12345:1") == nil)
        #expect(PortMatch.parseUSBID("zz:01") == nil)
        #expect(PortMatch(vendorID: 0x1209, productID: 1).usbID == "1209:0001")
    }

    @Test func theJSONNamesEveryField() throws {
        let port = SerialPortInfo(path: "/dev/ttyUSB0", description: "knead chair controller - KC-0001", transport: .usb,
                                  usbVendorID: 0x1209, usbProductID: 0x0001, usbSerial: "KC-0001",
                                  usbManufacturer: "knead project", usbProduct: "knead chair controller",
                                  profiles: ["knead-chair"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(String(decoding: try encoder.encode(port), as: UTF8.self)
                == #"{"console":false,"description":"knead chair controller - KC-0001","neverProbed":false,"#
                + #""path":"/dev/ttyUSB0","profiles":["knead-chair"],"transport":"usb","usbID":"1209:0001","#
                + #""usbManufacturer":"knead project","usbProduct":"knead chair controller","usbProductID":"0001","#
                + #""usbSerial":"KC-0001","usbVendorID":"1209"}"#)
    }

    /// umockdev presents a pty as /dev/ttyUSB0 with a USB parent (sysfs: busnum,
    /// idVendor, idProduct, serial …); `knead devices --json` run inside its testbed
    /// reports it through sp_list_ports as a USB port and matches knead-chair.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/umockdev-run")))
    func umockdevUSBPortIsListedWithItsIdsAndProfile() throws {
        let folder = try TemporaryFolder()
        let description = folder.file("knead-chair.umockdev")
        try Self.usbSerialDevice.write(toFile: description, atomically: true, encoding: .utf8)
        let run = try KneadRun(["devices", "--json"], wrapper: ["/usr/bin/umockdev-run", "-d", description, "--"],
                               directory: SourceTree.root)
        #expect(run.wait() == 0, "stderr: \(run.stderr)")
        #expect(run.stdout == #"{"ports":[{"console":false,"description":"knead chair controller - KC-0001","#
                + #""neverProbed":false,"path":"/dev/ttyUSB0","profiles":["knead-chair"],"transport":"usb","#
                + #""usbID":"1209:0001","usbManufacturer":"knead project","usbProduct":"knead chair controller","#
                + #""usbProductID":"0001","usbSerial":"KC-0001","usbVendorID":"1209"}],"usb":[]}"# + "\n")

        let text = try KneadRun(["devices"], wrapper: ["/usr/bin/umockdev-run", "-d", description, "--"],
                                directory: SourceTree.root)
        #expect(text.wait() == 0)
        #expect(text.stdout == """
            /dev/ttyUSB0  usb  1209:0001  knead chair controller - KC-0001  serial KC-0001
                manufacturer: knead project
                profile: knead-chair  (knead play PATTERN --port /dev/ttyUSB0 --device knead-chair)
            no USB device that a profile names (knead-usb, xbox360-rumble, rez-trancevibrator); --all lists every USB device

            """)
    }

    /// Listing opens no device file at all: not the console (on these machines
    /// /dev/ttyS0), not any port. An LD_PRELOAD shim logs every open under /dev/.
    @Test func listingOpensNoPort() throws {
        let folder = try TemporaryFolder()
        let shim = folder.file("open-log-shim.so")
        try compileShim(SourceTree.root + "/Tests/Support/open-log-shim.c", to: shim)
        let log = folder.file("opens.log")
        // The shim sees opens (a program that opens /dev/null is logged) …
        let cat = try KneadRun([], environment: ["LD_PRELOAD": shim, "KNEAD_OPEN_LOG": log], wrapper: ["/bin/cat", "/dev/null"],
                               executable: "/bin/cat")
        #expect(cat.wait() == 0)
        #expect((try? String(contentsOfFile: log, encoding: .utf8)) == "/dev/null\n")
        try FileManager.default.removeItem(atPath: log)
        // … and knead devices opens nothing under /dev.
        let run = try KneadRun(["devices", "--json"], environment: ["LD_PRELOAD": shim, "KNEAD_OPEN_LOG": log])
        #expect(run.wait() == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.hasPrefix(#"{"ports":["#))
        #expect(!FileManager.default.fileExists(atPath: log),
                "knead devices opened: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    @Test func eightTwoFiftyUARTsWithoutAUARTAreLeftOut() throws {
        let folder = try TemporaryFolder()
        let sysfs = folder.file("tty")
        let devices = folder.file("devices")
        let manager = FileManager.default
        for (name, parent, type) in [("ttyS0", "serial8250", "4"), ("ttyS1", "serial8250", "0"),
                                     ("tty1", "virtual", nil), ("ttyACM0", "usb1/1-1/1-1:1.0", nil)] as [(String, String, String?)] {
            let target = devices + "/" + parent + "/tty/" + name
            try manager.createDirectory(atPath: target, withIntermediateDirectories: true)
            if let type { try (type + "\n").write(toFile: target + "/type", atomically: true, encoding: .utf8) }
            try manager.createDirectory(atPath: sysfs, withIntermediateDirectories: true)
            try manager.createSymbolicLink(atPath: sysfs + "/" + name, withDestinationPath: target)
        }
        #expect(PortListing.portPaths(sysfs: sysfs) == ["/dev/ttyACM0", "/dev/ttyS0"])
    }

    /// A CP2102 bridge (ttyUSB) under a USB hub port: tty → usb-serial port → interface
    /// → device, as the kernel lays it out in sysfs.
    static let usbSerialDevice = """
        P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0
        N: ttyUSB0
        E: DEVNAME=/dev/ttyUSB0
        E: MAJOR=188
        E: MINOR=0
        E: SUBSYSTEM=tty
        A: dev=188:0\\n
        L: device=../../../ttyUSB0

        P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0
        E: DRIVER=cp210x
        E: SUBSYSTEM=usb-serial
        A: port_number=0\\n

        P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0
        E: DEVTYPE=usb_interface
        E: DRIVER=cp210x
        E: SUBSYSTEM=usb
        A: bInterfaceNumber=00\\n

        P: /devices/pci0000:00/0000:00:14.0/usb1/1-2
        N: bus/usb/001/002
        E: DEVNAME=/dev/bus/usb/001/002
        E: DEVTYPE=usb_device
        E: DRIVER=usb
        E: SUBSYSTEM=usb
        A: busnum=1\\n
        A: devnum=2\\n
        A: idVendor=1209\\n
        A: idProduct=0001\\n
        A: manufacturer=knead project\\n
        A: product=knead chair controller\\n
        A: serial=KC-0001\\n

        """
}

@Suite("Shipped device profiles for real devices")
struct ShippedProfileTests {
    private func load(_ name: String) throws -> DeviceProfile {
        let result = DeviceProfileFile.load(path: SourceTree.root + "/Profiles/\(name).yaml")
        #expect(!result.hasErrors, "\(result.rendered())")
        return try #require(result.profile)
    }

    /// Stock OSR2 firmware has no L1 or L2 (its D2 reply: Tests/KneadWireTests/Golden).
    @Test func osr2() throws {
        let profile = try load("osr2")
        #expect(profile.connection == DeviceProfile.Connection(
            protocol: .tcode, baud: 115_200, dtr: false, rts: false,
            axes: [.intensity: "V0", .y: "L0", .x: "R1"], answers: ["D0", "D1", "D2"], startRamp: 0.5))
        #expect(profile.kind == .chair)
        #expect(profile.pressure == nil)
        #expect(profile.maxRate == 250)
        #expect(DeviceDrivers.linkRate(profile: profile, requested: 250).rate == 250)
    }

    @Test func sr6() throws {
        let profile = try load("sr6")
        #expect(profile.connection == DeviceProfile.Connection(
            protocol: .tcode, baud: 115_200, dtr: false, rts: false,
            axes: [.intensity: "V0", .y: "L0", .x: "L2", .pressure: "L1"], answers: ["D0", "D1", "D2"],
            startRamp: 0.5))
        #expect(profile.maxRate == 250)
        #expect(DeviceDrivers.linkRate(profile: profile, requested: 250).rate == 250)
    }

    @Test func tcodeVibrator() throws {
        let profile = try load("tcode-vibrator")
        #expect(profile.connection == DeviceProfile.Connection(protocol: .tcode, axes: [.intensity: "V0"],
                                                               answers: ["D1"]))
        #expect(profile.kind == .handheld)
    }

    @Test func kneadChairIsTheChairOnTheWire() throws {
        let profile = try load("knead-chair")
        #expect(profile.connection == DeviceProfile.Connection(
            protocol: .kwp, lead: 0.15, match: [PortMatch(vendorID: 0x1209, productID: 0x0001, product: "knead chair")]))
        var physical = profile
        physical.name = "chair"
        physical.summary = DeviceProfile.chair.summary
        physical.connection = nil
        physical.maxRate = DeviceProfile.chair.maxRate
        // The same mechanism too: percussion goes on the wire's channels 5 and 6.
        #expect(physical.summary != profile.summary)
        #expect(physical == DeviceProfile.chair)
    }

    @Test func kneadHandheldIsTheHandheldOnTheWire() throws {
        let profile = try load("knead-handheld")
        #expect(profile.connection?.protocol == .kwp)
        #expect(profile.connection?.match == [PortMatch(vendorID: 0x1209, productID: 0x0001, product: "knead handheld")])
        var physical = profile
        physical.name = "handheld"
        physical.summary = DeviceProfile.handheld.summary
        physical.connection = nil
        physical.maxRate = DeviceProfile.handheld.maxRate
        #expect(physical == DeviceProfile.handheld)
    }

    @Test func connectionKeysAreChecked() {
        let text = """
            name: broken
            kind: handheld
            max-rate: 100Hz
            intensity: {steps: 100, max-slew: 3/s}
            connection:
              protocol: kwp
              answers: [D1]
              lead: 20ms
              match:
                - usb: "12:zz"
                - product: "no id"
            """
        let result = DeviceProfileFile.parse(text: text, fileName: "broken.yaml")
        #expect(result.rendered().split(separator: "\n").filter { $0.contains("error:") } == [
            "broken.yaml:7:3: error: answers lists the TCode queries a device answers; this profile's protocol is kwp",
            "broken.yaml:8:9: error: lead 20ms is outside 100ms–2s",
            "broken.yaml:10:12: error: usb '12:zz' is not a USB id",
            "broken.yaml:11:7: error: missing 'usb'",
        ])
    }

    @Test func startRampIsATCodeDurationOfAtMostFiveSeconds() {
        func errors(_ connection: String) -> [String] {
            let text = "name: ramp\nkind: handheld\nmax-rate: 100Hz\nintensity: {steps: 100, max-slew: 3/s}\n"
                + "connection:\n" + connection
            return DeviceProfileFile.parse(text: text, fileName: "ramp.yaml").rendered().split(separator: "\n")
                .filter { $0.contains("error:") }.map(String.init)
        }
        #expect(errors("  protocol: tcode\n  start-ramp: 250ms\n").isEmpty)
        // 0 turns the ease off, as the hint says.
        #expect(errors("  protocol: tcode\n  start-ramp: 0s\n").isEmpty)
        #expect(errors("  protocol: tcode\n  start-ramp: 9s\n") == ["ramp.yaml:7:15: error: start-ramp 9s is outside 0–5s"])
        #expect(errors("  protocol: kwp\n  start-ramp: 250ms\n") == [
            "ramp.yaml:7:3: error: start-ramp is how a TCode device eases into its first position; this profile's protocol is kwp",
        ])
        let parsed = DeviceProfileFile.parse(text: "name: ramp\nkind: handheld\nmax-rate: 100Hz\n"
                                             + "intensity: {steps: 100, max-slew: 3/s}\n"
                                             + "connection:\n  protocol: tcode\n  start-ramp: 250ms\n", fileName: "ramp.yaml")
        #expect(parsed.profile?.connection?.startRamp == 0.25)
    }
}
