import Foundation
import KneadCore
import KneadEngine
import KneadPlayer
import KneadSystem

/// A play as a person at a terminal has it: signals and keys become the player's stops
/// and controls, and the calling thread draws the live view (when standard output is a
/// terminal) or hands progress lines to `progress` (every 2 s) until the run ends.
///
/// ```swift
/// let summary = LivePlay(player: player, environment: environment) { line in write(line) }.run()
/// ```
public struct LivePlay {
    public let player: Player
    public let environment: [String: String]
    /// Writes a progress line; the failure when it could not be written. A reader that
    /// went away (EPIPE) ends the play as SIGPIPE would (exit 141); any other failure
    /// (a full disk, a closed standard output) ends it as output lost (exit 74).
    public let progress: (String) -> FileOutput.Failure?

    public init(player: Player, environment: [String: String], progress: @escaping (String) -> FileOutput.Failure?) {
        self.player = player
        self.environment = environment
        self.progress = progress
    }

    /// Live view redraws per second; the key poll paces them.
    static let framesPerSecond = 16

    public func run() -> PlaySummary {
        // Stops first: from here on every signal stops the play whenever it comes.
        let player = self.player
        let watcher = SignalWatcher(priority: player.stopPriority) { stop, earlier in
            switch (stop, earlier) {
            case let (.key(key), 0): player.stop(.key(key))
            case let (.signal(number), 0): player.stop(.signal(number))
            case let (.signal(number), 1):
                writeAll(2, "knead: stopping the device at once (a second signal)\n")
                player.stop(.force(number))
            case let (.signal(number), _):
                // A third: the device already has its stop; leave without a summary.
                TerminalRescue.restoreNow()
                writeAll(2, "knead: leaving at once\n")
                _exit(128 + number)
            default: break
            }
        }
        guard player.open() else { return player.finish() }

        // Keys whenever standard input is a terminal; the live view when standard output is one too.
        let keysFD: Int32 = Terminal.isTerminal(0) ? 0 : -1
        let drawsView = Terminal.isTerminal(1) && environment["TERM"] != "dumb"
        let terminal = drawsView || keysFD >= 0
            ? TerminalMode(inputFD: keysFD, outputFD: 1, usesScreen: drawsView) : nil
        let screen = drawsView ? terminal.map { LiveScreen(terminal: $0, style: .from(environment: environment)) } : nil
        terminal?.enter()
        player.start()
        let keys = KeyReader(fd: keysFD)
        let started = MonotonicTime.nanoseconds()
        var nextProgress = 0.0
        while true {
            let finished = player.isFinished
            let status = player.status()
            if let screen {
                screen.draw(status)
            } else {
                let seconds = Double(MonotonicTime.nanoseconds() - started) / 1e9
                if seconds >= nextProgress || finished {
                    // A closed reader (a pipe into `head`) ends the play as SIGPIPE would.
                    if let failure = progress(ProgressLine.text(status)) {
                        player.stop(failure.code == Errno.EPIPE
                                    ? .signal(Signals.brokenPipe)
                                    : .outputLost("cannot write the progress lines: \(failure.reason)"))
                    }
                    nextProgress = seconds + ProgressLine.interval
                }
            }
            if finished { break }
            for key in keys.waitForKeys(milliseconds: Int32(1000 / Self.framesPerSecond), wake: player.endedFD) {
                switch key {
                case .togglePause: player.togglePause()
                case .capUp: player.adjustCap(by: SafetyEnvelope.personCapStep)
                case .capDown: player.adjustCap(by: -SafetyEnvelope.personCapStep)
                case let .quit(how): watcher.post(how)
                }
            }
        }
        let summary = player.finish()
        terminal?.restore()
        return summary
    }
}
