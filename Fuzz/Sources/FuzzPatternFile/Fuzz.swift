import Foundation
import FuzzExport
import FuzzKnead
import FuzzSupport
@testable import KneadCore
@testable import KneadPatternFile

/// Pattern file reader: any bytes give diagnostics or a pattern. Every accepted pattern
/// is compiled for the default device (the chair) and rendered at 10 Hz through the
/// safety envelope with a two-minute session cap; every frame must keep the envelope's
/// rules. `script:` paths resolve against the test fixtures (wave.funscript, buzz.ahap,
/// swell.haptic).
let scriptDirectory: String = {
    let here = URL(fileURLWithPath: #filePath)  // Fuzz/Sources/FuzzPatternFile/Fuzz.swift
    return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tests/KneadPatternFileTests/Fixtures").path
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(fuzzBytes(data, size))
    let result = PatternFile.parse(data: bytes, fileName: "fuzz.yaml", baseDirectory: scriptDirectory)
    _ = result.rendered()
    guard !result.hasErrors else {
        fuzzCheck(result.pattern == nil && result.timeline == nil, "a pattern with errors was accepted")
        return 0
    }
    guard let pattern = result.pattern, let timeline = result.timeline else {
        fuzzCheck(false, "no errors, but no pattern or timeline")
        return 0
    }
    fuzzCheck(timeline.duration.isFinite && timeline.duration >= 0, "timeline duration \(timeline.duration)")
    let limits = SafetyLimits.resolve(device: .chair, pattern: pattern.limits, sessionCap: 120)
    let frames = SafetyCheck.run(timeline, limits: limits, rate: 10, label: "chair")
    ExportCheck.run(frames, title: pattern.name, description: pattern.description, label: "chair")
    return 0
}

@_cdecl("FuzzPatternFile_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
