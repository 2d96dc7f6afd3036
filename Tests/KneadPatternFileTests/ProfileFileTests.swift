import Foundation
import KneadCore
import Testing
@testable import KneadPatternFile

@Suite("Device and body profile files")
struct ProfileFileTests {
    static let profiles = SourceTree.root + "/Profiles"

    @Test func shippedChairIsTheBuiltIn() throws {
        let result = DeviceProfileFile.load(path: Self.profiles + "/chair.yaml")
        #expect(result.diagnostics == [])
        #expect(try #require(result.profile) == DeviceProfile.chair)
    }

    @Test func shippedHandheldIsTheBuiltIn() throws {
        let result = DeviceProfileFile.load(path: Self.profiles + "/handheld.yaml")
        #expect(result.diagnostics == [])
        #expect(try #require(result.profile) == DeviceProfile.handheld)
    }

    @Test func resolveNamesAndPaths() throws {
        #expect(DeviceProfileFile.resolve("chair").profile == .chair)
        #expect(DeviceProfileFile.resolve("handheld").profile == .handheld)
        #expect(DeviceProfileFile.resolve(Self.profiles + "/handheld.yaml").profile == .handheld)
        let unknown = DeviceProfileFile.resolve("chiar", searchDirectories: [Self.profiles])
        #expect(unknown.fileProblem == .missing)
        #expect(unknown.headlines == ["chiar: error: unknown device profile 'chiar' (did you mean 'chair'?)"])
        let missing = DeviceProfileFile.resolve("nowhere/osr9.yaml")
        #expect(missing.fileProblem == .missing)
        #expect(missing.headlines == ["nowhere/osr9.yaml: error: no such file"])
    }

    @Test func resolveFindsProfilesInSearchFolders() throws {
        let folder = NSTemporaryDirectory() + "knead-profiles-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let text = "name: tiny\nkind: handheld\nmax-rate: 100Hz\nintensity: {steps: 10, max-slew: 1/s}\n"
        try text.write(toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
        let result = DeviceProfileFile.resolve("tiny", searchDirectories: [folder])
        #expect(result.profile == DeviceProfile(name: "tiny", summary: "", kind: .handheld,
                                                intensity: .init(steps: 10, maxSlew: 1), maxRate: 100))
        #expect(DeviceProfileFile.resolve("tiyn", searchDirectories: [folder]).headlines == [
            "tiyn: error: unknown device profile 'tiyn' (did you mean 'tiny'?)",
        ])
    }

    @Test func connectionAndDefaults() throws {
        let text = """
            name: osr-test
            summary: A TCode stroker
            kind: handheld
            max-rate: 500Hz
            motor-lag: 0s
            watchdog: 1s
            intensity: {steps: 1000, max-slew: 50%/s, max: 0.8}
            connection:
              protocol: tcode
              baud: 115200
              dtr: true
              axes: {intensity: V0, y: L0, x: L2}
            """
        let result = DeviceProfileFile.parse(text: text, fileName: "osr.yaml")
        #expect(result.diagnostics == [])
        #expect(try #require(result.profile) == DeviceProfile(
            name: "osr-test", summary: "A TCode stroker", kind: .handheld,
            intensity: .init(steps: 1000, maxSlew: 0.5, max: 0.8), maxRate: 500, motorLag: 0, watchdog: 1,
            connection: .init(protocol: .tcode, baud: 115_200, dtr: true, rts: false,
                              axes: [.intensity: "V0", .y: "L0", .x: "L2"])))
    }

    @Test func deviceProfileErrors() {
        let text = """
            name: broken
            kind: sofa
            max-rate: 2000
            motor-lag: 80
            intensity: {steps: 1, max-slew: 2}
            position: {track-width: 420mm, track-lenght: 700mm}
            heat: {steps: 16, max-slew: 0.2/s, max-temperature: 90°C, time-constant: 30s}
            conection: {}
            connection: {protocol: tcode, baud: fast, axes: {intensity: V9X, y: L0, x: L0}}
            """
        let result = DeviceProfileFile.parse(text: text, fileName: "broken.yaml")
        #expect(result.headlines == [
            "broken.yaml:2:7: error: unknown kind 'sofa'",
            "broken.yaml:3:11: error: max-rate needs a unit, e.g. 2000Hz",
            "broken.yaml:4:12: error: motor-lag needs a unit, e.g. 80s",
            "broken.yaml:5:20: error: steps must be at least 2 (got 1)",
            "broken.yaml:5:33: error: max-slew needs a unit, e.g. 2/s",
            "broken.yaml:6:1: error: missing 'max-acceleration'",
            "broken.yaml:6:1: error: missing 'max-speed'",
            "broken.yaml:6:1: error: missing 'steps'",
            "broken.yaml:6:1: error: missing 'track-length'",
            "broken.yaml:6:32: error: unknown key 'track-lenght' (did you mean 'track-length'?)",
            "broken.yaml:7:53: error: max-temperature 90°C is more than 60°C",
            "broken.yaml:8:1: error: unknown key 'conection' (did you mean 'connection'?)",
            "broken.yaml:9:37: error: baud must be a whole number (got 'fast')",
            "broken.yaml:9:43: error: axis L0 is given to more than one channel (x, y)",
            "broken.yaml:9:61: error: 'V9X' is not a TCode axis",
        ])
        #expect(result.profile == nil)
    }

    /// The protocol and the axis map are closed sets: anything else is refused where it
    /// is written, never carried as text to a driver.
    @Test func anUnknownProtocolOrAxisIsAnErrorWithItsPlace() {
        let text = """
            name: odd
            kind: handheld
            max-rate: 100Hz
            intensity: {steps: 256, max-slew: 10/s}
            connection: {protocol: tcodes, axes: {intensity: V0}}
            """
        let result = DeviceProfileFile.parse(text: text, fileName: "odd.yaml")
        #expect(result.headlines.count == 1)
        #expect(result.headlines.first?.hasPrefix("odd.yaml:5:24: error: ") == true, "\(result.headlines)")
        #expect(result.headlines.first?.contains("tcodes") == true)
        #expect(result.profile == nil)

        let axes = DeviceProfileFile.parse(text: text.replacingOccurrences(of: "tcodes, axes: {intensity: V0}",
                                                                          with: "kwp, axes: {intensity: V0}"),
                                           fileName: "odd.yaml")
        #expect(axes.headlines == ["odd.yaml:5:29: error: axes maps channels to TCode axes; this profile's protocol is kwp"])

        let good = DeviceProfileFile.parse(text: text.replacingOccurrences(of: "tcodes", with: "tcode"), fileName: "odd.yaml")
        #expect(good.profile?.connection?.protocol == .tcode)
        #expect(good.profile?.connection?.axes == [.intensity: "V0"])
        #expect(good.profile?.connection?.axes[.intensity] == DeviceProfile.TCodeAxes.Axis(.vibration, 0))
    }

    /// Near-zero speeds once made travel last longer than an Int of seconds (a trap in
    /// the clock text) or a five-minute pattern last 167 hours.
    @Test(arguments: [
        ("1e-20mm/s", "600mm/s2", "track.yaml:4:43: error: max-speed 1e-20mm/s is less than 1mm/s"),
        ("0.001mm/s", "600mm/s2", "track.yaml:4:43: error: max-speed 0.001mm/s is less than 1mm/s"),
        ("2000mm/s", "600mm/s2", "track.yaml:4:43: error: max-speed 2000mm/s is more than 1000mm/s"),
        ("120mm/s", "1e-300mm/s2", "track.yaml:4:72: error: max-acceleration 1e-300mm/s2 is less than 10mm/s2"),
        ("120mm/s", "200000mm/s2", "track.yaml:4:72: error: max-acceleration 200000mm/s2 is more than 100000mm/s2"),
    ])
    func trackSpeedAndAccelerationHaveSaneBounds(speed: String, acceleration: String, expected: String) {
        let text = """
            name: track
            kind: chair
            intensity: {steps: 16, max-slew: 2/s}
            position: {track-width: 420mm, max-speed: \(speed.padding(toLength: 9, withPad: " ", startingAt: 0)), \
            max-acceleration: \(acceleration), track-length: 700mm, steps: 1024}
            max-rate: 100Hz
            """
        let result = DeviceProfileFile.parse(text: text, fileName: "track.yaml")
        #expect(result.headlines == [expected])
        #expect(result.profile == nil)
    }

    @Test func theSlowestAllowedTrackStillLoads() throws {
        let text = """
            name: slow
            kind: chair
            intensity: {steps: 16, max-slew: 2/s}
            position: {track-width: 420mm, max-speed: 1mm/s, max-acceleration: 10mm/s2, track-length: 700mm, steps: 1024}
            max-rate: 100Hz
            """
        let profile = try #require(DeviceProfileFile.parse(text: text, fileName: "slow.yaml").profile)
        #expect(profile.position?.maxSpeed == 1)
        #expect(profile.position?.maxAcceleration == 10)
    }

    @Test func deviceProfileMissingEverything() {
        let result = DeviceProfileFile.parse(text: "summary: nothing else\n", fileName: "p.yaml")
        #expect(result.headlines == [
            "p.yaml:1:1: error: missing 'intensity'",
            "p.yaml:1:1: error: missing 'kind'",
            "p.yaml:1:1: error: missing 'max-rate'",
            "p.yaml:1:1: error: missing 'name'",
        ])
        #expect(DeviceProfileFile.parse(text: "", fileName: "e.yaml").headlines == ["e.yaml:1:1: error: the file is empty"])
    }

    @Test func bodyProfiles() throws {
        let result = BodyProfileFile.parse(text: "body: Sam\nshoulder-height: 34cm\nback-width: 420mm\n", fileName: "sam.yaml")
        #expect(result.diagnostics == [])
        #expect(try #require(result.profile) == BodyProfile(shoulderHeight: 340, backWidth: 420))
        #expect(BodyProfileFile.resolve("default").profile == .default)

        let bad = BodyProfileFile.parse(text: "shoulder-height: 34\nback-width: 42mm\nheight: 1.8m\n", fileName: "b.yaml")
        #expect(bad.headlines == [
            "b.yaml:1:18: error: shoulder-height needs a unit, e.g. 34mm",
            "b.yaml:2:13: error: back-width 42mm is outside 200–700mm",
            "b.yaml:3:1: error: unknown key 'height' (did you mean 'shoulder-height'?)",
        ])
        #expect(BodyProfileFile.resolve("/nonexistent/body.yaml").fileProblem == .missing)
    }
}

extension ProfileFileResult {
    var headlines: [String] { diagnostics.map { $0.headline(file: file) } }
}

/// The `link` and `interface` connection keys (issue 8): what each protocol runs over.
@Suite struct ConnectionLinkTests {
    static func profile(_ connection: String) -> ProfileFileResult<DeviceProfile> {
        DeviceProfileFile.parse(text: """
            name: linked
            kind: handheld
            max-rate: 100Hz
            intensity: {steps: 256, max-slew: 3/s}
            connection: \(connection)
            """, fileName: "linked.yaml")
    }

    @Test func aUSBOnlyProtocolIsOnUSBWithoutSayingSo() throws {
        let pad = try #require(Self.profile("{protocol: xbox360-rumble, match: [{usb: \"045e:028e\"}]}").profile)
        #expect(pad.connection?.link == .usb && pad.connection?.interface == 0)
        let board = try #require(Self.profile("{protocol: kwp, link: usb, interface: 2}").profile)
        #expect(board.connection?.link == .usb && board.connection?.interface == 2)
        let serial = try #require(Self.profile("{protocol: kwp}").profile)
        #expect(serial.connection?.link == .serial)
    }

    @Test func aLinkTheProtocolCannotRunOverIsAnErrorAtItsPlace() {
        #expect(Self.profile("{protocol: tcode, link: usb}").headlines
                == ["linked.yaml:5:37: error: TCode v0.3 does not run over usb"])
        #expect(Self.profile("{protocol: rez-trancevibrator, link: serial}").headlines
                == ["linked.yaml:5:50: error: the Rez Trance Vibrator's speed request does not run over serial"])
        #expect(Self.profile("{protocol: kwp, link: radio}").headlines.first?.contains("radio") == true)
    }

    @Test func serialKeysOnUSBAndAnInterfaceOnSerialAreErrors() {
        #expect(Self.profile("{protocol: kwp, link: usb, baud: 115200}").headlines
                == ["linked.yaml:5:40: error: baud sets up a serial port; this connection is USB (link: usb)"])
        #expect(Self.profile("{protocol: kwp, interface: 1}").headlines
                == ["linked.yaml:5:29: error: interface is the USB interface a driver claims; this connection is serial"])
        #expect(Self.profile("{protocol: kwp, link: usb, interface: 300}").headlines.first?.contains("300") == true)
    }

    @Test func theShippedUSBProfilesLoad() throws {
        for name in ["knead-usb", "xbox360-rumble", "rez-trancevibrator"] {
            let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Profiles/\(name).yaml").path
            let result = DeviceProfileFile.load(path: path)
            #expect(!result.hasErrors, "\(result.rendered())")
            #expect(result.profile?.connection?.link == .usb, "\(name)")
        }
    }
}

@Suite("Percussion capability in profile files")
struct PercussionProfileTests {
    /// The shipped chair without its percussion lines, so each test writes its own.
    static let chair = try! String(contentsOfFile: ProfileFileTests.profiles + "/chair.yaml", encoding: .utf8)
        .replacingOccurrences(of: #"percussion:[^\n]*\n(  [^\n]*\n)*"#, with: "", options: .regularExpression)

    @Test func percussionIsReadAndOptional() throws {
        let text = Self.chair + "percussion: {min-rate: 1Hz, max-rate: 12Hz, steps: 64}\n"
        let result = DeviceProfileFile.parse(text: text, fileName: "perc.yaml")
        #expect(result.diagnostics == [])
        let profile = try #require(result.profile)
        #expect(profile.percussion == DeviceProfile.Percussion(minRate: 1, maxRate: 12, steps: 64))
        #expect(DeviceProfileFile.parse(text: Self.chair, fileName: "chair.yaml").profile?.percussion == nil)
    }

    @Test func badPercussionIsAnError() {
        let upsideDown = DeviceProfileFile.parse(
            text: Self.chair + "percussion: {min-rate: 12Hz, max-rate: 1Hz, steps: 64}\n", fileName: "perc.yaml")
        #expect(upsideDown.profile == nil)
        #expect(upsideDown.diagnostics.first?.message == "percussion max-rate is less than its min-rate")
        let missing = DeviceProfileFile.parse(text: Self.chair + "percussion: {max-rate: 12Hz}\n", fileName: "perc.yaml")
        #expect(missing.profile == nil)
    }

    /// TCode has no percussion channel: the taps would be dropped, so the profile is refused
    /// at the key; the knead wire protocol carries it.
    @Test func onlyAProtocolThatCarriesPercussionMayDeclareIt() throws {
        let percussion = "percussion: {min-rate: 1Hz, max-rate: 12Hz, steps: 64}\n"
        let tcode = DeviceProfileFile.parse(text: Self.chair + percussion + "connection: {protocol: tcode}\n",
                                            fileName: "perc.yaml")
        #expect(tcode.profile == nil)
        let error = try #require(tcode.diagnostics.first)
        #expect(error.message == "percussion needs a protocol that carries it; tcode has no percussion channel")
        #expect(error.location.line == Self.chair.split(separator: "\n", omittingEmptySubsequences: false).count)
        let kwp = DeviceProfileFile.parse(text: Self.chair + percussion + "connection: {protocol: kwp}\n",
                                          fileName: "perc.yaml")
        #expect(kwp.diagnostics == [] && kwp.profile?.percussion != nil)
    }
}
