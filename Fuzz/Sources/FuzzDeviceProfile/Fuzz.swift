import Foundation
import FuzzKnead
import FuzzSupport
@testable import KneadCore
@testable import KneadPatternFile

/// Device profile reader (and the body profile reader on the same bytes): any bytes give
/// diagnostics or a profile. Every accepted device profile plays a short pattern that
/// uses every channel (intensity, pressure, heat, movement, taps), compiled for that
/// device and rendered at 10 Hz through the envelope the profile's limits make; every
/// frame must keep the envelope's rules.
let probe = """
    pattern: probe
    opt-in: [short-session, shallow-rhythm]
    steps:
      - warm-up: {duration: 4s, intensity: 30%, heat: 60%}
      - effleurage: {from: lower-ribs, to: neck-base, strokes: 1, stroke: 4s, pressure: firm}
      - petrissage: {zone: rhomboids, duration: 4s, circle: 1.5s}
      - trigger-point: {at: upper-trapezius-left, hold: 4s, intensity: 90%}
      - tapping: {zone: upper-trapezius, rate: 6Hz, duration: 4s}
      - vibration: {zone: lower-trapezius, duration: 3s, intensity: 80%}
      - rest: 2s

    """

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(fuzzBytes(data, size))
    let body = BodyProfileFile.parse(data: bytes, fileName: "fuzz-body.yaml")
    fuzzCheck(body.hasErrors == (body.profile == nil), "body: errors \(body.hasErrors), profile \(body.profile != nil)")

    let result = DeviceProfileFile.parse(data: bytes, fileName: "fuzz.yaml")
    guard let device = result.profile else {
        fuzzCheck(result.hasErrors, "no profile and no error")
        return 0
    }
    fuzzCheck(!result.hasErrors, "a profile with errors was accepted")
    let pattern = PatternFile.parse(text: probe, fileName: "probe.yaml", options: PatternFileOptions(device: device))
    guard let compiled = pattern.pattern, let timeline = pattern.timeline else { return 0 }
    let limits = SafetyLimits.resolve(device: device, pattern: compiled.limits, sessionCap: 60)
    SafetyCheck.run(timeline, limits: limits, rate: 10, label: "profile \(device.name)")
    return 0
}

@_cdecl("FuzzDeviceProfile_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // The probe pattern must play on the built-in chair, or the check above never runs.
    let check = PatternFile.parse(text: probe, fileName: "probe.yaml")
    fuzzCheck(check.timeline != nil, "the probe pattern does not compile: \(check.rendered())")
    return runLibFuzzer(argc, argv, testOneInput)
}
