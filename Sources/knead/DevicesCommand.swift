import ArgumentParser
import Foundation
import KneadDrivers
import KneadPatternFile

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the serial ports of this machine and the device profiles that match them.",
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

            Exit codes: 0; 74 the list could not be written to standard output.

            Examples:
              knead devices
              knead devices --json | jq '.ports[] | select(.transport == "usb")'
            """)

    @Flag(help: "Print the list as one JSON object: {\"ports\": [...]}.")
    var json = false

    func run() throws {
        let profiles = DeviceProfileFile.installedProfiles().filter { $0.connection != nil }
        let ports = PortListing.ports(matching: profiles)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(DevicesReport(ports: ports))
            try Console.outputOrExit(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            try Console.outputOrExit(DevicesReport.text(ports))
        }
    }
}

/// What `knead devices --json` prints.
struct DevicesReport: Encodable {
    var ports: [SerialPortInfo]

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
