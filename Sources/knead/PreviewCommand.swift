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

            --watch draws again each time the pattern (or a script file it plays) is
            saved, also by editors that save by renaming a temporary file over it.
            Errors are shown below the last good picture; Ctrl-C ends it (exit 130).
            On a terminal each picture replaces the last; otherwise each redraw is
            printed after a line `── redraw N · FILE · HH:MM:SS ──`. Everything,
            errors included, goes to standard output; if that closes, it exits 74.

            Examples:
              knead preview Patterns/desk-reset.yaml
              knead preview Patterns/handheld-quick-5.yaml --device handheld --width 100
              NO_COLOR=1 knead preview Patterns/swedish-warm-up.yaml | less
              knead preview --watch my-pattern.yaml
            """)

    @Argument(help: ArgumentHelp("The pattern file.", valueName: "PATTERN"),
              completion: .file(extensions: ["yaml", "yml", "json"]))
    var pattern: String

    @Option(help: ArgumentHelp("Width in characters (default: the terminal's, else 80; at least 40).", valueName: "N"))
    var width: Int?

    @Option(help: ArgumentHelp("auto, always or never.", valueName: "WHEN"))
    var color: ColorChoice = .auto

    @Flag(help: "Draw again each time the file is saved, until Ctrl-C.")
    var watch = false

    @OptionGroup var session: SessionOptions

    /// Frames per second folded into the picture: enough to show 6 Hz tapping as a band.
    static let pictureRate = 50.0

    func validate() throws {
        if let width, !(40...1000).contains(width) {
            throw ValidationError("--width must be between 40 and 1000 characters, not \(width)")
        }
    }

    func run() throws {
        if watch { return try runWatching() }
        let prepared = try PreparedSession.load(path: pattern, options: session)
        try Console.outputOrExit(makePicture().draw(prepared))
    }

    private func makePicture() -> TerminalPicture {
        let environment = ProcessInfo.processInfo.environment
        return TerminalPicture(width: width ?? Console.terminalWidth(environment: environment),
                               color: color.enabled(isTerminal: Console.isTerminal(1), environment: environment))
    }

    /// `--watch`: the picture, drawn again on every save, with the errors of a broken
    /// save under the last good one. A file missing at the start exits 66 as without
    /// --watch (a misspelt name would otherwise wait for ever); one with errors is
    /// watched until it is fixed.
    private func runWatching() throws {
        let device = try session.resolveDevice(), body = try session.resolveBody()
        let onTerminal = Console.isTerminal(1)
        let shownPath = ArgumentText.shown(pattern)
        let loop = try WatchLoop(path: pattern)
        var lastGood: String?
        var redraws = 0
        var firstProblem: PreparedSession.Failure?  // .fileProblem: missing at the start

        let ended = try loop.run(output: 1) { () -> [String]? in
            redraws += 1
            let loaded = PreparedSession.load(path: pattern, device: device, body: body,
                                              personCap: session.personCap, sessionCap: session.sessionCapSeconds)
            let diagnostics = shownPath == pattern ? loaded.diagnostics
                                                   : loaded.diagnostics.replacingOccurrences(of: pattern, with: shownPath)
            var scripts: [String]?
            var text = ""
            switch loaded.session {
            case let .success(prepared):
                let picture = makePicture().draw(prepared)
                lastGood = picture
                scripts = WatchLoop.scriptPaths(of: prepared.pattern, patternPath: pattern)
                text = onTerminal || redraws == 1 ? picture : Self.separator(redraws, shownPath) + picture
                text += diagnostics
            case let .failure(failure):
                if redraws == 1 && failure == .fileProblem {
                    firstProblem = failure
                    Console.error(diagnostics)
                    return nil
                }
                if onTerminal {
                    text = (lastGood ?? "") + diagnostics
                } else {
                    text = (redraws == 1 ? "" : Self.separator(redraws, shownPath)) + diagnostics
                    if lastGood != nil { text += "(the last good picture is above)\n" }
                }
            }
            if onTerminal {
                // Home, clear, the picture; the cursor hidden so it does not flicker over it.
                text = "\u{1B}[?25l\u{1B}[H\u{1B}[2J" + text
                    + "watching \(shownPath) · drawn \(WatchLoop.clock()) · Ctrl-C to stop\n"
            }
            // Standard output gone (a pipe's reader quit): stop, as without --watch (74).
            try Console.outputOrExit(text)
            return scripts
        } stopEarly: {
            firstProblem == .fileProblem
        }
        if onTerminal { Console.output("\u{1B}[?25h") }
        if firstProblem == .fileProblem && ended == 0 { throw KneadExitCode.noInput }
        throw ExitCode(128 + ended)
    }

    /// The line between two redraws when standard output is not a terminal.
    static func separator(_ redraw: Int, _ path: String) -> String {
        let text = "── redraw \(redraw) · \(path) · \(WatchLoop.clock()) "
        return "\n" + text + String(repeating: "─", count: max(2, 60 - text.count)) + "\n"
    }
}

extension TerminalPicture {
    /// The picture of a prepared session: bands, curves, axis and the table of steps.
    func draw(_ prepared: PreparedSession) -> String {
        var columns = FrameColumns(count: columnCount, duration: prepared.pictureDuration)
        for safe in prepared.safeFrames(rate: PreviewCommand.pictureRate) { columns.add(safe.frame) }
        let summary = PictureSummary(timeline: prepared.timeline, device: prepared.device)
        return render(summary: summary, columns: columns)
    }
}
