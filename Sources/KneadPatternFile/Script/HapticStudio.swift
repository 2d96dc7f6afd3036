import Foundation
import KneadCore
import Yams

/// Reads Meta Haptics Studio clips (`.haptic`, the Lofelt data model v1) into an
/// intensity curve for a `script:` step.
///
/// The file: `{"version": {"major": 1, …}, "signals": {"continuous": {"envelopes":
/// {"amplitude": [{"time": s, "amplitude": 0–1, "emphasis": {"amplitude": 0–1,
/// "frequency": 0–1}}, …], "frequency": [{"time": s, "frequency": 0–1}, …]}}}}`.
///
/// What is used: the amplitude envelope (linear between breakpoints, as Haptics Studio
/// plays it) and each breakpoint's emphasis, a pulse of `AHAP.transientLength` at the
/// emphasis amplitude (the clip's "haptic highlight"). The clip ends at its last
/// breakpoint.
///
/// What is ignored: the frequency envelope and the emphasis frequency (knead's devices
/// have no vibration frequency channel), and `metadata`. Values are checked as Haptics
/// Studio checks them (0–1, breakpoints in time order, an emphasis no weaker than its
/// breakpoint), each problem at its line and column.
public enum HapticStudio {
    public static func read(path: String, name: String) -> Result<[ScriptTrack.Point], Funscript.Problems> {
        switch FileInput.read(path: path, limit: FileInput.funscriptLimit) {
        case let .failure(problem): return .failure(Funscript.Problems(messages: [problem.description]))
        case let .success(data): return parse(data, name: name)
        }
    }

    public static func parse(_ data: Data, name: String) -> Result<[ScriptTrack.Point], Funscript.Problems> {
        var json = HapticJSON(name: name)
        var curve = HapticCurve()
        read(&json, data, into: &curve)
        guard json.problems.isEmpty else { return .failure(Funscript.Problems(messages: Funscript.summarise(json.problems))) }
        return .success(curve.points())
    }

    private static func read(_ json: inout HapticJSON, _ data: Data, into curve: inout HapticCurve) {
        guard let root = json.root(of: data), let top = json.object(root, "a .haptic file") else { return }
        if let versionNode = top["version"], let version = json.object(versionNode, "version"),
           let majorNode = version["major"], let major = json.number(majorNode, "version.major"), major != 1 {
            json.problem(majorNode, "version \(Values.format(major)) of the .haptic format is not supported; knead reads version 1")
            return
        }
        guard let signalsNode = top["signals"] else {
            json.problem(root, "not a .haptic file: no \"signals\"")
            return
        }
        guard let signals = json.object(signalsNode, "signals"),
              let continuousNode = json.member(signals, "continuous", of: signalsNode, "signals"),
              let continuous = json.object(continuousNode, "signals.continuous"),
              let envelopesNode = json.member(continuous, "envelopes", of: continuousNode, "signals.continuous"),
              let envelopes = json.object(envelopesNode, "signals.continuous.envelopes"),
              let amplitudeNode = json.member(envelopes, "amplitude", of: envelopesNode, "signals.continuous.envelopes"),
              let breakpoints = json.array(amplitudeNode, "amplitude") else { return }
        guard !breakpoints.isEmpty else {
            json.problem(amplitudeNode, "the amplitude envelope is empty")
            return
        }
        var lastTime = 0.0
        for (index, breakpoint) in breakpoints.enumerated() {
            let what = "amplitude[\(index)]"
            guard let fields = json.object(breakpoint, what),
                  let timeNode = json.member(fields, "time", of: breakpoint, what),
                  let time = json.number(timeNode, "\(what).time", in: 0...Funscript.longestScript) else { continue }
            if time < lastTime {
                json.problem(timeNode, "\(what).time \(Values.format(time)) is before the breakpoint above it (\(Values.format(lastTime))); breakpoints must be in time order")
                continue
            }
            lastTime = time
            guard let amplitudeValueNode = json.member(fields, "amplitude", of: breakpoint, what),
                  let amplitude = json.number(amplitudeValueNode, "\(what).amplitude", in: 0...1) else { continue }
            curve.envelope.append((time, amplitude))
            guard let emphasisNode = fields["emphasis"] else { continue }
            guard let emphasis = json.object(emphasisNode, "\(what).emphasis"),
                  let levelNode = json.member(emphasis, "amplitude", of: emphasisNode, "\(what).emphasis"),
                  let level = json.number(levelNode, "\(what).emphasis.amplitude", in: 0...1) else { continue }
            if let frequencyNode = emphasis["frequency"] {
                _ = json.number(frequencyNode, "\(what).emphasis.frequency", in: 0...1)
            }
            if level < amplitude {
                json.problem(levelNode, "\(what).emphasis.amplitude \(Values.format(level)) is below the breakpoint's amplitude \(Values.format(amplitude)); an emphasis stands out from the envelope")
                continue
            }
            curve.pulses.append(.init(start: time, end: time + AHAP.transientLength, level: level))
        }
        if let frequencyNode = envelopes["frequency"], let frequencies = json.array(frequencyNode, "frequency") {
            for (index, breakpoint) in frequencies.enumerated() {
                let what = "frequency[\(index)]"
                guard let fields = json.object(breakpoint, what) else { continue }
                if let node = fields["time"] { _ = json.number(node, "\(what).time", in: 0...Funscript.longestScript) }
                if let node = fields["frequency"] { _ = json.number(node, "\(what).frequency", in: 0...1) }
            }
        }
        // Pulses past the clip's end are cut at it: the clip ends at its last breakpoint.
        curve.pulses = curve.pulses.compactMap { pulse in
            guard pulse.start < lastTime else { return nil }
            return .init(start: pulse.start, end: Swift.min(pulse.end, lastTime), level: pulse.level)
        }
    }
}
