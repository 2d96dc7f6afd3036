import Foundation
import KneadCore

/// Reads funscript files, the interchange format of the script players:
/// `{"actions": [{"at": milliseconds, "pos": 0…100}, …]}` (other members are ignored).
///
/// Readers in the wild drop negative times and clamp positions; knead refuses such a
/// file instead and says why, because a file on the wrong scale has driven a device to
/// its end stop (MultiFunPlayer #222): positions must be whole numbers 0–100, and a
/// file whose positions all lie in 0…1 is reported as written on a 0–1 scale, unless it
/// declares `"range": 100`.
public enum Funscript {
    /// The longest script accepted: as long as a session may be.
    static let longestScript: Double = 24 * 3600

    /// The problems of one file, each a sentence; more than a few are summarised.
    public struct Problems: Error, Sendable, Equatable {
        public var messages: [String]
    }

    /// Points sorted by time, times in seconds, positions 0…1.
    public static func read(path: String) -> Result<[ScriptTrack.Point], Problems> {
        switch FileInput.read(path: path, limit: FileInput.funscriptLimit) {
        case let .failure(problem): return .failure(Problems(messages: [problem.description]))
        case let .success(data): return parse(data)
        }
    }

    /// The companion file carrying intensity: `wave.funscript` → `wave.vib.funscript`
    /// (the multi-axis naming convention's V0). nil for a path not named `*.funscript`.
    public static func vibrationCompanion(of path: String) -> String? {
        guard path.hasSuffix(".funscript"), !path.hasSuffix(".vib.funscript") else { return nil }
        return String(path.dropLast(".funscript".count)) + ".vib.funscript"
    }

    private struct File: Decodable {
        var actions: [Action]
        /// The scale the file declares (knead and OFS write `"range": 100`); absent in many.
        var range: Double?
    }
    private struct Action: Decodable {
        var at: Double
        var pos: Double
    }

    public static func parse(_ data: Data) -> Result<[ScriptTrack.Point], Problems> {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let error as DecodingError {
            return .failure(Problems(messages: [describe(error)]))
        } catch {
            return .failure(Problems(messages: ["not a funscript: \(error.localizedDescription)"]))
        }
        guard !file.actions.isEmpty else { return .failure(Problems(messages: ["the script has no actions"])) }

        var problems: [String] = []
        let positions = file.actions.map(\.pos)
        // A file that declares its range is on it: a quiet 0–100 script (knead's own
        // export of a 1 % pattern) may hold only 0s and 1s.
        if file.range != 100, positions.allSatisfy({ (0...1).contains($0) }),
           positions.contains(where: { $0 != $0.rounded() }) || (positions.contains(1) && file.actions.count > 1) {
            problems.append("positions are on a 0–1 scale; funscript positions are whole numbers 0–100 (multiply each pos by 100)")
        } else {
            for (index, action) in file.actions.enumerated() {
                if !(0...100).contains(action.pos) {
                    problems.append("action \(index + 1): pos \(Values.format(action.pos)) is outside 0–100")
                } else if action.pos != action.pos.rounded() {
                    problems.append("action \(index + 1): pos \(action.pos) is not a whole number 0–100")
                }
            }
        }
        for (index, action) in file.actions.enumerated() {
            if action.at < 0 {
                problems.append("action \(index + 1): at \(Values.format(action.at)) ms is before the start")
            } else if action.at / 1000 > longestScript {
                problems.append("action \(index + 1): at \(Values.format(action.at)) ms is more than 24 h in")
            }
        }
        guard problems.isEmpty else { return .failure(Problems(messages: summarise(problems))) }

        // Stable: actions written at the same time keep their order.
        let sorted = file.actions.enumerated().sorted { a, b in
            a.element.at != b.element.at ? a.element.at < b.element.at : a.offset < b.offset
        }
        return .success(sorted.map { ScriptTrack.Point(time: $0.element.at / 1000, position: $0.element.pos / 100) })
    }

    static func summarise(_ problems: [String]) -> [String] {
        let shown = 5
        guard problems.count > shown else { return problems }
        return Array(problems.prefix(shown)) + ["… and \(problems.count - shown) more problems"]
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ last: CodingKey? = nil) -> String {
            var text = ""
            for key in context.codingPath + (last.map { [$0] } ?? []) {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text
        }
        switch error {
        case let .keyNotFound(key, context):
            return context.codingPath.isEmpty ? "not a funscript: no \"\(key.stringValue)\" list"
                                              : "\(path(context)) has no \"\(key.stringValue)\""
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            guard let last = context.codingPath.last else {
                return "not a funscript: expected a JSON object with an \"actions\" list"
            }
            if last.intValue != nil { return "\(path(context)) must be an object {\"at\": ms, \"pos\": 0–100}" }
            return "\(path(context)) must be " + (last.stringValue == "actions" ? "a list" : "a number")
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context)) is not a valid value"
        @unknown default:
            return "not a funscript"
        }
    }
}
