import Foundation
import KneadCore
import Yams

/// Body profile files (YAML) to `BodyProfile`: the person's size, as a chair's body
/// scan measures it. Documented in docs/profiles.md.
///
/// ```yaml
/// body: Sam                 # optional, for people who keep several
/// shoulder-height: 340mm    # lower end of the rib cage to the base of the neck
/// back-width: 420mm         # across the back at the shoulder blades
/// ```
public enum BodyProfileFile {
    static let keys = ["body", "shoulder-height", "back-width"]
    /// Far outside any adult's back, but wide enough for children and large people;
    /// mostly catches centimetres written as millimetres.
    static let shoulderHeightRange = 150.0...600.0
    static let backWidthRange = 200.0...700.0

    /// `default` (the built-in average body) or the path of a body profile file.
    public static func resolve(_ nameOrPath: String) -> ProfileFileResult<BodyProfile> {
        if nameOrPath == "default" {
            return ProfileFileResult(file: nameOrPath, profile: .default, diagnostics: [], fileProblem: nil)
        }
        return load(path: nameOrPath)
    }

    public static func load(path: String) -> ProfileFileResult<BodyProfile> {
        switch DocumentInput.read(path: path) {
        case let .failure(problem): return .failed(path, problem)
        case let .success(data): return parse(data: data, fileName: path)
        }
    }

    public static func parse(data: Data, fileName: String) -> ProfileFileResult<BodyProfile> {
        .from(DocumentInput.root(data: data, emptyHint: emptyHint), file: fileName, parse: profile)
    }

    public static func parse(text: String, fileName: String) -> ProfileFileResult<BodyProfile> {
        .from(DocumentInput.root(text: text, emptyHint: emptyHint), file: fileName, parse: profile)
    }

    static let emptyHint = "a body profile has shoulder-height and back-width, e.g. 'shoulder-height: 320mm'"

    static func profile(_ root: Node, _ reader: NodeReader) -> BodyProfile? {
        guard let fields = reader.fields(root, what: "a body profile {shoulder-height: 320mm, back-width: 400mm}",
                                         known: keys, required: ["shoulder-height", "back-width"]) else { return nil }
        if let name = fields["body"], !NodeReader.isNull(name.value) { _ = reader.text(name) }
        let height = reader.value(fields["shoulder-height"]) { measure($0, $1, shoulderHeightRange) }
        let width = reader.value(fields["back-width"]) { measure($0, $1, backWidthRange) }
        guard let height, let width else { return nil }
        return BodyProfile(shoulderHeight: height, backWidth: width)
    }

    private static func measure(_ text: String, _ key: String, _ range: ClosedRange<Double>) -> Result<Double, ValueProblem> {
        Quantity.length.parse(text, key: key).flatMap { mm in
            range.contains(mm) ? .success(mm)
                : .failure(ValueProblem("\(key) \(text) is outside \(Values.format(range.lowerBound))–\(Values.format(range.upperBound))mm",
                                        hint: "measure it in millimetres (mm) or centimetres (cm)"))
        }
    }
}
