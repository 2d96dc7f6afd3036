import Foundation
import KneadCore
import KneadEngine
import KneadPatternFile
import KneadWire
import Testing
@testable import KneadDrivers

/// Each shipped TCode profile against the D2 reply of the firmware it is for, replayed
/// from Tests/KneadWireTests/Golden: the profile opens its own firmware, and the sr6
/// map is refused by an OSR2 (which has no L1, L2) with a message that says so.
@Suite("Shipped TCode profiles against their firmware's D2 reply")
struct FirmwareReplyTests {
    static func shipped(_ name: String) throws -> DeviceProfile {
        let result = DeviceProfileFile.load(path: SourceTree.root + "/Profiles/\(name).yaml")
        return try #require(result.profile)
    }

    static func reply(_ file: String) throws -> String {
        try String(contentsOfFile: SourceTree.root + "/Tests/KneadWireTests/Golden/\(file)", encoding: .utf8)
    }

    @Test(arguments: [("osr2", "tcode-d2-osr2-v3.txt"), ("sr6", "tcode-d2-sr6.txt"), ("osr2", "tcode-d2-sr6.txt")])
    func aProfileOpensTheFirmwareItIsFor(profile name: String, reply file: String) throws {
        let device = try answeringTCodeDevice(axes: Self.reply(file))
        defer { device.closeMaster() }
        let driver = try TCodeDriver(profile: Self.shipped(name), path: device.slavePath, options: quickConnect())
        _ = try driver.open()
        defer { driver.close() }
        #expect(driver.deviceInfo?.axes.contains { $0.axis == TCodeAxis(.rotary, 1) } == true)
    }

    @Test func theSR6MapIsRefusedByAnOSR2() throws {
        let device = try answeringTCodeDevice(axes: Self.reply("tcode-d2-osr2-v3.txt"))
        defer { device.closeMaster() }
        let driver = try TCodeDriver(profile: Self.shipped("sr6"), path: device.slavePath, options: quickConnect())
        #expect {
            _ = try driver.open()
        } throws: { error in
            guard case let .refused(message) = error as? BackendError else { return false }
            return message.contains("pressure → L1") && message.contains("x → L2")
                && message.contains("(it lists A0 A1 L0 R0 R1 R2 V0 V1)")
        }
    }

    /// The first line after connect eases in over the profile's start-ramp (500 ms):
    /// every line until the ramp's end says the time left of it, then the tick's.
    @Test func theFirstLinesEaseIntoPosition() throws {
        let device = try answeringTCodeDevice(axes: Self.reply("tcode-d2-osr2-v3.txt"))
        defer { device.closeMaster() }
        let driver = try TCodeDriver(profile: Self.shipped("osr2"), path: device.slavePath, options: quickConnect())
        _ = try driver.open()
        defer { driver.close() }
        let greeting = device.text
        for k in 0..<3 { try driver.send(ChannelValues(intensity: 0.3, x: 1, y: 1), at: Double(k) * 0.25) }
        try driver.stop()
        // A line produced after the stop in the same run goes nowhere (a send in flight
        // when the engine stopped); the next run eases in again.
        try driver.send(ChannelValues(intensity: 0.9, x: 0.5, y: 0.5), at: 0.9)
        driver.runWillStart()
        try driver.send(ChannelValues(intensity: 0.3, x: 0, y: 0), at: 1)
        try driver.send(ChannelValues(intensity: 0.4, x: 0, y: 0), at: 1.01)
        let expected = greeting + "L09999I500 R19999I500 V03000I500\n" + "DSTOP\nV00000\n"
            + "L00000I500 R10000I500 V03000I500\n" + "V04000I490\n"
        #expect(device.waitUntil { $0.count >= expected.utf8.count })
        #expect(device.text == expected)
    }
}
