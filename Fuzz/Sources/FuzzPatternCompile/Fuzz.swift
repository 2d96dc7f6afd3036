import Foundation
import FuzzExport
import FuzzKnead
import FuzzSupport
@testable import KneadCore
@testable import KneadPatternFile

/// Structure-aware companion of FuzzPatternFile: the input chooses a device (every
/// profile in Profiles/ and the built-in chair and handheld), a body, the pattern's
/// limits and its steps (techniques with the keys each accepts, values from a table of
/// ordinary and extreme ones, nested repeats), and the generated YAML goes through the
/// reader. Every accepted pattern is rendered for that device at 10 Hz through the
/// envelope its limits make (session cap 2 min); every frame must keep the rules.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

let devices: [DeviceProfile] = {
    var devices: [DeviceProfile] = [.chair, .handheld]
    let folder = root.appendingPathComponent("Profiles")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    for name in names.sorted() where name.hasSuffix(".yaml") {
        if let profile = DeviceProfileFile.load(path: folder.appendingPathComponent(name).path).profile {
            devices.append(profile)
        }
    }
    return devices
}()

/// FUZZ_VERBOSE=1: print each generated pattern and how long it took (for slow inputs).
let verbose = ProcessInfo.processInfo.environment["FUZZ_VERBOSE"] != nil

let scriptDirectory = root.appendingPathComponent("Tests/KneadPatternFileTests/Fixtures").path

let bodies = [BodyProfile.default, BodyProfile(shoulderHeight: 100, backWidth: 1000),
              BodyProfile(shoulderHeight: 1000, backWidth: 100), BodyProfile(shoulderHeight: 0, backWidth: .nan)]
// Each value table: ordinary values, and (one byte value in ten) wrong or extreme ones.
let durations = (["1ms", "0.1s", "0.5s", "1s", "3s", "10s", "45s", "2min", "30min", "1440min", "90s"],
                 ["0s", "1e-9s", "-1s", "0.00001ms", "25h", ".inf", ".nan", "5", "100000h", "1e300s"])
let levels = (["0%", "1%", "20%", "50%", "70%", "100%", "0.3", "1.0", "99.9999%", "0.0000001%"],
              ["101%", "-5%", "2", ".nan", "light"])
let pressures = (levels.0 + ["light", "medium", "firm"], ["101%", "-5%", ".nan", "hard"])
let rates = (["0.5Hz", "1Hz", "3Hz", "6Hz", "12Hz", "13Hz", "50Hz", "60bpm", "0.01Hz"],
             ["0Hz", "-2Hz", "1e308Hz", "6", "1000Hz"])
let counts = (["1", "2", "3", "7", "100"], ["0", "-1", "2.5", "1e9", "10000"])
let targets = (Target.allNames + ["spine-left", "spine-right", "{x: 0.5, y: 0.5}", "{x: 0, y: 0}", "{x: 1, y: 1}",
                                  "{x: 0.52, y: 0.9}", "{x: 0.4, y: 0.6}"],
               ["{x: 2, y: -1}", "{x: 0.5, y: 1e308}", "nowhere", "{x: .nan, y: 0}"])
let scripts = (["wave.funscript", "buzz.ahap", "swell.haptic"], ["unit-scale.funscript", "bad.ahap", "missing.funscript"])

struct Generator {
    var reader: ByteReader
    var lines: [String] = []

    mutating func pick(_ table: ([String], [String])) -> String {
        let b = Int(reader.byte())
        return b >= 232 ? table.1[b % table.1.count] : table.0[b % table.0.count]
    }

    mutating func value(for key: String) -> String {
        switch key {
        case "duration", "stroke", "circle", "hold", "breaks", "after": return pick(durations)
        case "intensity", "heat": return pick(levels)
        case "pressure": return pick(pressures)
        case "rate": return pick(rates)
        case "strokes": return pick(counts)
        case "zone", "from", "to", "at": return pick(targets)
        case "file": return pick(scripts)
        default: return "1"
        }
    }

    mutating func steps(indent: String, depth: Int) {
        let count = 1 + Int(reader.byte() % 6)
        for _ in 0..<count where !reader.isAtEnd {
            let choice = reader.byte()
            if choice % 8 == 0 && depth < 3 {
                lines.append("\(indent)- repeat: \(pick(counts))")
                lines.append("\(indent)  steps:")
                steps(indent: indent + "    ", depth: depth + 1)
                continue
            }
            let technique = Technique.patternTechniques[Int(choice / 8) % Technique.patternTechniques.count]
            let keys = TechniqueDefaults.accepted(technique).sorted()
            var pairs: [String] = []
            let mask = reader.uint16()
            for (index, key) in keys.enumerated() where mask & (1 << UInt16(index % 16)) != 0 {
                pairs.append("\(key): \(value(for: key))")
            }
            for key in TechniqueDefaults.required(technique) where !pairs.contains(where: { $0.hasPrefix(key + ":") }) {
                pairs.append("\(key): \(value(for: key))")
            }
            lines.append("\(indent)- \(technique.rawValue): {\(pairs.joined(separator: ", "))}")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var generator = Generator(reader: ByteReader(fuzzBytes(data, size)))
    let device = devices[Int(generator.reader.byte()) % devices.count]
    let body = bodies[Int(generator.reader.byte()) % bodies.count]
    let flags = generator.reader.byte()
    generator.lines.append("pattern: generated")
    if flags & 1 != 0 {
        generator.lines.append("limits: {intensity: \(generator.pick(levels)), pressure: \(generator.pick(pressures)), "
                               + "heat: \(generator.pick(levels))}")
    }
    if flags & 2 != 0 { generator.lines.append("opt-in: [short-session, shallow-rhythm]") }
    generator.lines.append("steps:")
    generator.steps(indent: "  ", depth: 0)
    let text = generator.lines.joined(separator: "\n") + "\n"

    let started = ContinuousClock.now
    let result = PatternFile.parse(text: text, fileName: "generated.yaml", baseDirectory: scriptDirectory,
                                   options: PatternFileOptions(device: device, body: body))
    if verbose {
        print("--- \(device.name), parse+compile \(ContinuousClock.now - started), errors: \(result.hasErrors), "
              + "duration \(result.timeline?.duration ?? -1)\n\(text)\(result.rendered())")
    }
    _ = result.rendered()
    guard !result.hasErrors else { return 0 }
    guard let pattern = result.pattern, let timeline = result.timeline else {
        fuzzCheck(false, "no errors, but no pattern or timeline:\n\(text)")
        return 0
    }
    fuzzCheck(timeline.duration.isFinite && timeline.duration >= 0, "timeline duration \(timeline.duration)")
    let limits = SafetyLimits.resolve(device: device, body: body, pattern: pattern.limits, sessionCap: 120)
    let frames = SafetyCheck.run(timeline, limits: limits, rate: 10, label: "\(device.name):\n\(text)")
    ExportCheck.run(frames, title: pattern.name, description: pattern.description, label: "\(device.name):\n\(text)")
    return 0
}

@_cdecl("FuzzPatternCompile_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzCheck(devices.count > 2, "no profiles read from \(root.path)/Profiles")
    return runLibFuzzer(argc, argv, testOneInput)
}
