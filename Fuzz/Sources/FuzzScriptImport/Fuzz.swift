import Foundation
import FuzzKnead
import FuzzSupport
@testable import KneadCore
@testable import KneadPatternFile

/// The script importers (funscript, AHAP, Haptic Studio .haptic), each given the same
/// bytes. What one accepts must be what the compiler needs (at least one point, times
/// finite, 0…24 h and in order, positions 0…1), and it is played: a script step on the
/// handheld, rendered at 10 Hz through the envelope, every frame checked.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(fuzzBytes(data, size))
    check(Funscript.parse(bytes), "funscript", asIntensity: false)
    check(AHAP.parse(bytes, name: "fuzz.ahap"), "ahap", asIntensity: true)
    check(HapticStudio.parse(bytes, name: "fuzz.haptic"), "haptic", asIntensity: true)
    return 0
}

func check(_ result: Result<[ScriptTrack.Point], Funscript.Problems>, _ kind: String, asIntensity: Bool) {
    let points: [ScriptTrack.Point]
    switch result {
    case let .failure(problems):
        fuzzCheck(!problems.messages.isEmpty, "\(kind): a failure without a message")
        return
    case let .success(read):
        points = read
    }
    fuzzCheck(!points.isEmpty, "\(kind): no points")
    var previous = -Double.infinity
    for point in points {
        fuzzCheck(point.time.isFinite && point.time >= 0 && point.time <= Compiler.maximumStepTime,
                  "\(kind): time \(point.time)")
        fuzzCheck(point.position.isFinite && (0...1).contains(point.position), "\(kind): position \(point.position)")
        fuzzCheck(point.time >= previous, "\(kind): out of order at \(point.time)")
        previous = point.time
    }
    let track = asIntensity
        ? ScriptTrack(path: "fuzz." + kind, points: [.init(time: 0, position: ScriptLoader.heldPosition)], intensity: points)
        : ScriptTrack(path: "fuzz." + kind, points: points)
    let pattern = Pattern(name: "fuzz", items: [.step(Step(technique: .script, parameters: StepParameters(script: track)))])
    let timeline: Timeline
    do {
        timeline = try Compiler.compile(pattern, device: .handheld)
    } catch {
        return
    }
    SafetyCheck.run(timeline, limits: SafetyLimits.resolve(device: .handheld, sessionCap: 60), rate: 10, label: kind)
}

@_cdecl("FuzzScriptImport_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
