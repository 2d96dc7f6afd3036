import Foundation
import KneadCore
import KneadPlayer
import KneadPatternFile
import KneadSystem
import Synchronization

/// The loop behind `preview --watch` and `render --watch`: draw once, then again each
/// time the pattern file (or a script file it plays) is saved, until a signal.
///
/// Saves are seen by `FileChangeWatch` on the folders holding the files, so editors
/// that save by writing a temporary file and renaming it over the pattern keep
/// working, and a burst of events from one save gives one redraw. SIGINT, SIGTERM,
/// SIGHUP and SIGQUIT end the loop: `run` returns the signal's number, and the caller
/// puts the terminal back and exits 128 + that number (130 for Ctrl-C).
final class WatchLoop: @unchecked Sendable {  // the signal thread only stores a number and wakes the pipe
    /// The pattern file, as given on the command line.
    let path: String
    private let wake: WakePipe
    private let received = Atomic<Int32>(0)

    init(path: String) throws {
        self.path = path
        guard let wake = WakePipe() else {
            Console.error("knead: error: cannot watch \(path): out of file descriptors\n")
            throw KneadExitCode.ioError
        }
        self.wake = wake
    }

    /// Calls `draw` now and after every save; returns the number of the signal that
    /// ended it. `draw` returns the files to watch besides the pattern (the scripts it
    /// plays), or nil to keep the ones watched so far (a pattern with errors). When
    /// `stopEarly` holds after the first draw, returns 0 at once. With `output` (a
    /// descriptor the drawings go to), exits 74 when its reader goes away between saves.
    func run(output: Int32 = -1, _ draw: () throws -> [String]?, stopEarly: () -> Bool = { false }) throws -> Int32 {
        let signals = SignalWatcher(priority: nil) { [self] stop, _ in
            guard case let .signal(number) = stop else { return }
            _ = received.compareExchange(expected: 0, desired: number, ordering: .sequentiallyConsistent)
            wake.wake()
        }
        _ = signals
        // Watching before the first draw: a save made as soon as the picture is out is seen.
        guard let watch = FileChangeWatch(paths: [path]) else {
            Console.error("knead: error: cannot watch \(path) for changes (inotify): \(Errno.text(errno))\n"
                          + "  hint: raise fs.inotify.max_user_instances or max_user_watches, or run without --watch\n")
            throw KneadExitCode.ioError
        }
        var scripts = try draw() ?? []
        if stopEarly() { return 0 }
        for script in scripts { watch.add(script) }  // a script in a folder that is gone is not watched
        while true {
            switch watch.waitForChange(wakeDescriptor: wake.readEnd, outputDescriptor: output) {
            case .woken:
                return received.load(ordering: .sequentiallyConsistent)
            case .outputClosed:
                Console.error("knead: error: cannot write to standard output: its reader has gone\n")
                throw KneadExitCode.ioError
            case .changed:
                for script in try draw() ?? [] where !scripts.contains(script) {
                    scripts.append(script)
                    watch.add(script)
                }
            }
        }
    }

    /// The script files a pattern plays, as paths from the current folder (resolved
    /// from the pattern's folder, as the parser resolves them), each once.
    static func scriptPaths(of pattern: Pattern, patternPath: String) -> [String] {
        let folder = FileChangeWatch.split(patternPath).folder
        var paths: [String] = []
        func visit(_ items: [PatternItem]) {
            for item in items {
                switch item {
                case let .step(step):
                    guard let script = step.parameters.script else { continue }
                    for path in [script.path] + (Funscript.vibrationCompanion(of: script.path).map { [$0] } ?? []) {
                        let full = path.hasPrefix("/") || folder == "." ? path
                                 : (folder.hasSuffix("/") ? folder : folder + "/") + path
                        if !paths.contains(full) { paths.append(full) }
                    }
                case let .repeat(_, inner, _):
                    visit(inner)
                }
            }
        }
        visit(pattern.items)
        return paths
    }

    /// `12:34:56`, local time: when a redraw happened.
    static func clock() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: Date())
    }
}
