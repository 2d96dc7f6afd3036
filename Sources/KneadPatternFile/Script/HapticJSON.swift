import Foundation
import KneadCore
import Yams

/// Reads the JSON of an AHAP or `.haptic` file with every value's line and column, so
/// a problem is reported at its own place in that file: `buzz.ahap:12:5: …`.
///
/// JSON is parsed by the YAML parser the pattern files use (JSON is YAML's flow
/// style), which keeps the position of every node; a JSON decoder would only say
/// "Pattern[3].Event.Time".
struct HapticJSON {
    /// The file's name as the pattern wrote it: the start of every message.
    let name: String
    private(set) var problems: [String] = []

    init(name: String) {
        self.name = name
    }

    /// The root node of the file's text, or nil after reporting why there is none.
    mutating func root(of data: Data) -> Node? {
        switch SourceText.decode(data) {
        case let .failure(diagnostic):
            report(diagnostic.location, diagnostic.message)
            return nil
        case let .success(text):
            switch YAMLDocument.compose(text) {
            case let .failure(diagnostic):
                report(diagnostic.location, diagnostic.message.replacingOccurrences(of: "invalid YAML", with: "invalid JSON"))
                return nil
            case .success(nil):
                report(SourceLocation(line: 1, column: 1), "the file is empty")
                return nil
            case let .success(node?):
                return node
            }
        }
    }

    mutating func problem(_ node: Node, _ message: String) {
        report(YAMLDocument.location(node.mark), message)
    }

    private mutating func report(_ location: SourceLocation, _ message: String) {
        let place = location == .unknown ? name : "\(name):\(location.line):\(location.column)"
        problems.append("\(place): \(message)")
    }

    /// The members of an object by key (the first of a repeated key), or nil after
    /// reporting that `node` is not an object.
    mutating func object(_ node: Node, _ what: String) -> [String: Node]? {
        guard case let .mapping(mapping) = node else {
            problem(node, "\(what) must be an object {…}, found \(Self.kind(node))")
            return nil
        }
        var members: [String: Node] = [:]
        for (key, value) in mapping {
            if let name = key.scalar?.string, members[name] == nil { members[name] = value }
        }
        return members
    }

    mutating func array(_ node: Node, _ what: String) -> [Node]? {
        guard case let .sequence(sequence) = node else {
            problem(node, "\(what) must be a list […], found \(Self.kind(node))")
            return nil
        }
        return Array(sequence)
    }

    /// A number, or nil after reporting. JSON numbers only: `"0.5"` (a string) is refused.
    mutating func number(_ node: Node, _ what: String, in range: ClosedRange<Double>? = nil) -> Double? {
        guard case let .scalar(scalar) = node, scalar.style == .plain,
              let value = Double(scalar.string), value.isFinite else {
            problem(node, "\(what) must be a number, found \(Self.kind(node))")
            return nil
        }
        if let range, !range.contains(value) {
            problem(node, "\(what) \(Values.format(value)) is outside \(Values.format(range.lowerBound))–\(Values.format(range.upperBound))")
            return nil
        }
        return value
    }

    mutating func string(_ node: Node, _ what: String) -> String? {
        guard case let .scalar(scalar) = node, scalar.style != .plain || Double(scalar.string) == nil else {
            problem(node, "\(what) must be a string, found \(Self.kind(node))")
            return nil
        }
        return scalar.string
    }

    /// A required member: nil after reporting it missing at the object.
    mutating func member(_ members: [String: Node], _ key: String, of object: Node, _ what: String) -> Node? {
        guard let node = members[key] else {
            problem(object, "\(what) has no \"\(key)\"")
            return nil
        }
        return node
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "an object"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(scalar):
            if scalar.style == .plain {
                if Double(scalar.string) != nil { return "the number \(scalar.string)" }
                if ["true", "false"].contains(scalar.string) { return scalar.string }
                if scalar.string == "null" || scalar.string.isEmpty { return "null" }
            }
            return "the string \"\(scalar.string)\""
        }
    }
}
