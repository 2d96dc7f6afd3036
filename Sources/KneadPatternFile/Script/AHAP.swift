import Foundation
import KneadCore
import Yams

/// Reads Apple Haptic and Audio Pattern files (`.ahap`, Core Haptics) into an
/// intensity curve for a `script:` step.
///
/// What is used: the `Pattern` list's `Event`s of type `HapticTransient` (a pulse of
/// `transientLength` at its `HapticIntensity`) and `HapticContinuous` (its intensity
/// for its `EventDuration`), and `ParameterCurve`s and `Parameter`s with the id
/// `HapticIntensityControl` (a 0–1 multiplier on every event, linear between control
/// points, each curve holding until the next begins). Overlapping events give the
/// strongest. A missing `HapticIntensity` is 1, as in Core Haptics.
///
/// What is ignored, because no device knead drives can render it: `HapticSharpness`
/// and `HapticSharpnessControl` (knead's devices have no vibration frequency or
/// texture channel: only intensity, position, pressure and heat), `AttackTime`,
/// `DecayTime`, `ReleaseTime` and `Sustained` (the envelope ramps and slew limits shape
/// every edge), audio events and parameters, `Version` and `Metadata`.
///
/// Unlike Core Haptics, which clamps values out of range, knead refuses them, each at
/// its line and column in the file, as it refuses a funscript on the wrong scale.
public enum AHAP {
    /// How long a transient lasts: Core Haptics plays a few milliseconds, far shorter
    /// than a massager can move; a tenth of a second is a tap the envelope can shape.
    public static let transientLength = 0.1

    /// The intensity curve of the file at `path`; messages name the file `name`.
    public static func read(path: String, name: String) -> Result<[ScriptTrack.Point], Funscript.Problems> {
        switch FileInput.read(path: path, limit: FileInput.funscriptLimit) {
        case let .failure(problem): return .failure(Funscript.Problems(messages: [problem.description]))
        case let .success(data): return parse(data, name: name)
        }
    }

    static let usedEventTypes = ["HapticTransient", "HapticContinuous"]
    static let ignoredEventTypes = ["AudioContinuous", "AudioCustom"]

    public static func parse(_ data: Data, name: String) -> Result<[ScriptTrack.Point], Funscript.Problems> {
        var json = HapticJSON(name: name)
        var curve = HapticCurve()
        read(&json, data, into: &curve)
        guard json.problems.isEmpty else { return .failure(Funscript.Problems(messages: Funscript.summarise(json.problems))) }
        return .success(curve.points())
    }

    private static func read(_ json: inout HapticJSON, _ data: Data, into curve: inout HapticCurve) {
        guard let root = json.root(of: data),
              let top = json.object(root, "an AHAP file") else { return }
        guard let patternNode = top["Pattern"] else {
            json.problem(root, "not an AHAP file: no \"Pattern\" list")
            return
        }
        guard let entries = json.array(patternNode, "Pattern") else { return }
        var hapticEvents = 0
        for (index, entry) in entries.enumerated() {
            let what = "Pattern[\(index)]"
            guard let members = json.object(entry, what) else { continue }
            if let event = members["Event"] {
                if readEvent(&json, event, "\(what).Event", into: &curve) { hapticEvents += 1 }
            } else if let node = members["ParameterCurve"] {
                readCurve(&json, node, "\(what).ParameterCurve", into: &curve)
            } else if let node = members["Parameter"] {
                readParameter(&json, node, "\(what).Parameter", into: &curve)
            } else {
                json.problem(entry, "\(what) must hold an \"Event\", a \"ParameterCurve\" or a \"Parameter\"")
            }
        }
        if json.problems.isEmpty && hapticEvents == 0 {
            json.problem(patternNode, "the pattern has no haptic events (HapticTransient or HapticContinuous)")
        }
    }

    /// True for a haptic event read whole.
    private static func readEvent(_ json: inout HapticJSON, _ node: Node, _ what: String,
                                  into curve: inout HapticCurve) -> Bool {
        guard let members = json.object(node, what),
              let typeNode = json.member(members, "EventType", of: node, what),
              let type = json.string(typeNode, "\(what).EventType") else { return false }
        if ignoredEventTypes.contains(type) { return false }
        guard usedEventTypes.contains(type) else {
            json.problem(typeNode, "unknown EventType '\(type)'"
                         + Suggestions.didYouMean(type, among: usedEventTypes + ignoredEventTypes))
            return false
        }
        guard let timeNode = json.member(members, "Time", of: node, what),
              let time = json.number(timeNode, "\(what).Time", in: 0...Funscript.longestScript) else { return false }
        var length = transientLength
        if type == "HapticContinuous" {
            guard let durationNode = json.member(members, "EventDuration", of: node, what),
                  let duration = json.number(durationNode, "\(what).EventDuration", in: 0...Funscript.longestScript)
            else { return false }
            length = duration
        }
        var intensity = 1.0
        if let parametersNode = members["EventParameters"] {
            guard let parameters = json.array(parametersNode, "\(what).EventParameters") else { return false }
            for (index, parameter) in parameters.enumerated() {
                let name = "\(what).EventParameters[\(index)]"
                guard let fields = json.object(parameter, name),
                      let idNode = json.member(fields, "ParameterID", of: parameter, name),
                      let id = json.string(idNode, "\(name).ParameterID"),
                      let valueNode = json.member(fields, "ParameterValue", of: parameter, name) else { return false }
                switch id {
                case "HapticIntensity":
                    guard let value = json.number(valueNode, "HapticIntensity", in: 0...1) else { return false }
                    intensity = value
                case "HapticSharpness":
                    guard json.number(valueNode, "HapticSharpness", in: 0...1) != nil else { return false }
                default:
                    break  // AttackTime, DecayTime, ReleaseTime, Sustained, audio: not rendered
                }
            }
        }
        if length > 0 { curve.pulses.append(.init(start: time, end: time + length, level: intensity)) }
        return true
    }

    private static func readCurve(_ json: inout HapticJSON, _ node: Node, _ what: String, into curve: inout HapticCurve) {
        guard let members = json.object(node, what),
              let idNode = json.member(members, "ParameterID", of: node, what),
              let id = json.string(idNode, "\(what).ParameterID"),
              let timeNode = json.member(members, "Time", of: node, what),
              let start = json.number(timeNode, "\(what).Time", in: 0...Funscript.longestScript),
              let pointsNode = json.member(members, "ParameterCurveControlPoints", of: node, what),
              let points = json.array(pointsNode, "\(what).ParameterCurveControlPoints") else { return }
        let isIntensity = id == "HapticIntensityControl"
        var control: HapticCurve.Control = []
        for (index, point) in points.enumerated() {
            let name = "\(what).ParameterCurveControlPoints[\(index)]"
            guard let fields = json.object(point, name),
                  let pointTimeNode = json.member(fields, "Time", of: point, name),
                  let time = json.number(pointTimeNode, "\(name).Time", in: 0...Funscript.longestScript),
                  let valueNode = json.member(fields, "ParameterValue", of: point, name),
                  let value = json.number(valueNode, isIntensity ? "HapticIntensityControl" : "\(name).ParameterValue",
                                          in: isIntensity ? 0...1 : -1_000_000...1_000_000) else { return }
            if let previous = control.last, start + time < previous.time {
                json.problem(pointTimeNode, "\(name).Time \(Values.format(time)) is before the point above it; "
                             + "control points must be in time order")
                return
            }
            control.append((start + time, value))
        }
        if points.isEmpty { json.problem(pointsNode, "\(what).ParameterCurveControlPoints is empty") }
        if isIntensity && !control.isEmpty { curve.controls.append(control) }
    }

    private static func readParameter(_ json: inout HapticJSON, _ node: Node, _ what: String,
                                      into curve: inout HapticCurve) {
        guard let members = json.object(node, what),
              let idNode = json.member(members, "ParameterID", of: node, what),
              let id = json.string(idNode, "\(what).ParameterID"),
              let timeNode = json.member(members, "Time", of: node, what),
              let time = json.number(timeNode, "\(what).Time", in: 0...Funscript.longestScript),
              let valueNode = json.member(members, "ParameterValue", of: node, what) else { return }
        guard id == "HapticIntensityControl" else { return }
        guard let value = json.number(valueNode, "HapticIntensityControl", in: 0...1) else { return }
        curve.controls.append([(time, value)])
    }
}
