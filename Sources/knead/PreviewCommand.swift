import KneadPlayer
import ArgumentParser
import Foundation
import KneadCore
import KneadPatternFile
import KneadPictures

/// When to colour terminal output.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never

    /// `auto`: colour when standard output is a terminal and NO_COLOR is unset or empty
    /// (https://no-color.org) and TERM is not `dumb`.
    func enabled(isTerminal: Bool, environment: [String: String]) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto:
            let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
            return isTerminal && !noColor && environment["TERM"] != "dumb"
        }
    }
}

struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Draw a pattern in the terminal, with its table of steps.",
        discussion: """
            The same picture as render --format svg, in text: technique bands, intensity,
            the height on the back (braille), the side of the back (◂ left, ▸ right,
            │ spine, ↔ both), pressure and a time axis, then one line per step with its
            start, length, technique, zone and peak intensity. The frames are what the
            device would be given, through the safety envelope.

            Colour when standard output is a terminal, unless NO_COLOR is set;
            --color always|never overrides.

            Examples:
              knead preview Patterns/desk-reset.yaml
              knead preview Patterns/handheld-quick-5.yaml --device handheld --width 100
              NO_COLOR=1 knead preview Patterns/swedish-warm-up.yaml | less
            """)

    @Argument(help: ArgumentHelp("The pattern file.", valueName: "PATTERN"),
              completion: .file(extensions: ["yaml", "yml", "json"]))
    var pattern: String

    @Option(help: ArgumentHelp("Width in characters (default: the terminal's, else 80; at least 40).", valueName: "N"))
    var width: Int?

    @Option(help: ArgumentHelp("auto, always or never.", valueName: "WHEN"))
    var color: ColorChoice = .auto

    @OptionGroup var session: SessionOptions

    /// Frames per second folded into the picture: enough to show 6 Hz tapping as a band.
    static let pictureRate = 50.0

    func validate() throws {
        if let width, !(40...1000).contains(width) {
            throw ValidationError("--width must be between 40 and 1000 characters, not \(width)")
        }
    }

    func run() throws {
        let prepared = try PreparedSession.load(path: pattern, options: session)
        let environment = ProcessInfo.processInfo.environment
        let picture = TerminalPicture(width: width ?? Console.terminalWidth(environment: environment),
                                      color: color.enabled(isTerminal: Console.isTerminal(1), environment: environment))
        var columns = FrameColumns(count: picture.columnCount, duration: prepared.pictureDuration)
        for safe in prepared.safeFrames(rate: Self.pictureRate) { columns.add(safe.frame) }
        let summary = PictureSummary(timeline: prepared.timeline, device: prepared.device)
        try Console.outputOrExit(picture.render(summary: summary, columns: columns))
    }
}
