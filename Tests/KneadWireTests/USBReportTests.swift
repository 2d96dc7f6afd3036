import Foundation
import Testing
@testable import KneadWire

/// The USB report codecs against Golden/usb-reports.txt, written from docs/drivers.md
/// (Python, rounding half up) rather than from this code.
@Suite struct USBReportTests {
    struct Row {
        let device: String
        let intensity: Double
        let bytes: [UInt8]
    }

    static func rows() throws -> [Row] {
        try Golden.text("usb-reports.txt").split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: " ")
            return Row(device: String(fields[0]), intensity: try #require(Double(String(fields[1]))),
                       bytes: try fields.dropFirst(2).map { try #require(UInt8($0, radix: 16)) })
        }
    }

    @Test func xboxRumbleReportsMatchTheGoldenFile() throws {
        let rows = try Self.rows().filter { $0.device == "xbox360-rumble" }
        #expect(rows.count == 10)
        for row in rows {
            #expect(XboxRumbleReport.report(intensity: row.intensity) == row.bytes, "intensity \(row.intensity)")
        }
    }

    @Test func rezSpeedRequestsMatchTheGoldenFile() throws {
        let rows = try Self.rows().filter { $0.device == "rez-trancevibrator" }
        #expect(rows.count == 7)
        for row in rows {
            #expect(RezSpeedRequest.setup(intensity: row.intensity) == row.bytes, "intensity \(row.intensity)")
        }
    }

    @Test func stopIsEveryMotorOff() {
        #expect(XboxRumbleReport.stop == [0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])
        #expect(RezSpeedRequest.stop == [0x43, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])
    }

    @Test func notANumberIsOff() {
        #expect(XboxRumbleReport.report(intensity: .nan) == XboxRumbleReport.stop)
        #expect(RezSpeedRequest.setup(intensity: .nan) == RezSpeedRequest.stop)
    }

    @Test func theSmallMotorJoinsAtHalfIntensity() {
        #expect(XboxRumbleReport.motors(intensity: 0.5).small == 0)
        #expect(XboxRumbleReport.motors(intensity: 0.6).small > 0)
        // The large motor never falls as intensity rises; neither does the small.
        var previous: (UInt8, UInt8) = (0, 0)
        for step in 0...1000 {
            let motors = XboxRumbleReport.motors(intensity: Double(step) / 1000)
            #expect(motors.large >= previous.0 && motors.small >= previous.1)
            previous = (motors.large, motors.small)
        }
    }
}
