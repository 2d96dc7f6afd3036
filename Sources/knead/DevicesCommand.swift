import ArgumentParser
import Foundation
import KneadDrivers
import KneadPatternFile

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the serial ports and USB devices of this machine and the device profiles that match them.",
        discussion: """
            For each serial port (found in sysfs; details from libserialport): its path, description, transport (usb,
            native or bluetooth), USB vendor:product id, serial number and strings where
            known, and the shipped profiles whose match rules name it (a profile's
            connection.match, by USB id and product string; docs/drivers.md). Play one
            with: knead play PATTERN --port PATH --device PROFILE.

            No port is opened and nothing is sent. The machine's console (on these
            machines /dev/ttyS0) and native ports without a USB parent are marked as
            ports knead never probes.

            A pseudo-terminal from 'knead sim' is not a port the system lists: use the
            path 'knead sim' prints.

            Then the USB devices (through libusb) whose id a USB profile names
            (knead-usb, xbox360-rumble, rez-trancevibrator, or a profile file with
            link: usb): VID:PID, bus-port path, serial number, maker and product, and
            the profile. Play one with: knead play PATTERN --usb VID:PID --device
            PROFILE. Those devices are opened to read their strings; no interface is
            claimed and nothing else is sent. --all lists every USB device.

            Exit codes: 0; 74 the list could not be written to standard output.

            Examples:
              knead devices
              knead devices --json | jq '.ports[] | select(.transport == "usb")'
              knead devices --json | jq '.usb[] | {usbID, path, profiles}'
            """)

    @Flag(help: "Print the list as one JSON object: {\"ports\": [...], \"usb\": [...]}.")
    var json = false

    @Flag(help: "List every USB device, not only those a profile names.")
    var all = false

    func run() throws {
        let profiles = DeviceProfileFile.installedProfiles().filter { $0.connection != nil }
        let ports = PortListing.ports(matching: profiles)
        let usb: [USBDeviceInfo]
        var usbProblem: String?
        switch USBListing.devices(matching: profiles, all: all) {
        case let .success(list): usb = list
        case let .failure(error):
            usb = []
            usbProblem = error.description
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(DevicesReport(ports: ports, usb: usb, usbProblem: usbProblem))
            try Console.outputOrExit(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            try Console.outputOrExit(DevicesReport.text(ports) + DevicesReport.text(usb: usb, problem: usbProblem, all: all))
        }
    }
}

/// What `knead devices --json` prints.
struct DevicesReport: Encodable {
    var ports: [SerialPortInfo]
    var usb: [USBDeviceInfo]
    /// Why USB devices could not be listed (libusb failed to start), else nil.
    var usbProblem: String?

    static func text(usb: [USBDeviceInfo], problem: String?, all: Bool) -> String {
        if let problem { return "USB devices could not be listed: \(problem)\n" }
        guard !usb.isEmpty else {
            return all ? "no USB devices found\n"
                : "no USB device that a profile names (knead-usb, xbox360-rumble, rez-trancevibrator); "
                    + "--all lists every USB device\n"
        }
        var lines: [String] = []
        for device in usb {
            var line = "usb \(device.usbID)  path \(device.path)"
            if let serial = device.serial { line += "  serial \(serial)" }
            let what = [device.manufacturer, device.product].compactMap { $0 }.joined(separator: " ")
            if !what.isEmpty { line += "  \(what)" }
            lines.append(line)
            if !device.accessible {
                lines.append("    no permission to open it: install knead's udev rule (README, 'USB devices without root')")
            }
            if !device.profiles.isEmpty {
                lines.append("    profile: \(device.profiles.joined(separator: ", "))  "
                             + "(knead play PATTERN --usb \(device.usbID) --device \(device.profiles[0]))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func text(_ ports: [SerialPortInfo]) -> String {
        guard !ports.isEmpty else {
            return "no serial ports found (a USB device may need its driver, or you may need the dialout group)\n"
        }
        var lines: [String] = []
        for port in ports {
            var line = "\(port.path)  \(port.transport.rawValue)"
            if let id = port.usbID { line += "  \(id)" }
            if !port.description.isEmpty { line += "  \(port.description)" }
            if let serial = port.usbSerial { line += "  serial \(serial)" }
            lines.append(line)
            if let manufacturer = port.usbManufacturer { lines.append("    manufacturer: \(manufacturer)") }
            if port.isConsole {
                lines.append("    this machine's console: knead never opens it")
            } else if port.isNeverProbed {
                lines.append("    native port without a USB parent: knead never probes it")
            }
            if !port.profiles.isEmpty {
                lines.append("    profile: \(port.profiles.joined(separator: ", "))  "
                             + "(knead play PATTERN --port \(port.path) --device \(port.profiles[0]))")
            } else if port.transport == .usb {
                lines.append("    no shipped profile matches: pick one with --device (osr2, tcode-vibrator, knead-chair, "
                             + "knead-handheld)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
