import Glibc  // async-signal-safe crash handler: sigaction, tcsetattr and write on memory set up beforehand
import KneadSystem

/// Puts the terminal back when the process ends in a way `TerminalMode.restore()`
/// cannot see: `exit()` from anywhere (an `atexit` hook) and crashes (SIGSEGV, SIGBUS,
/// SIGILL, SIGTRAP, SIGFPE, SIGABRT).
///
/// The crash handler only calls async-signal-safe functions (tcsetattr, write,
/// sigaction) on memory prepared before it was armed, then restores the previous
/// handler and returns, so the fault happens again and is handled as it would have
/// been (core dump, Swift's backtrace).
enum TerminalRescue {
    fileprivate struct State {
        var armed: Int32 = 0
        var inputFD: Int32 = -1
        var outputFD: Int32 = -1
        var original = termios()
        var previous: (sigaction, sigaction, sigaction, sigaction, sigaction, sigaction) =
            (sigaction(), sigaction(), sigaction(), sigaction(), sigaction(), sigaction())
        var installed: Int32 = 0
    }

    fileprivate static let crashSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT]

    static func arm(inputFD: Int32, original: Terminal.Settings?, outputFD: Int32) {
        let state = rescueState
        state.pointee.inputFD = inputFD
        state.pointee.outputFD = outputFD
        state.pointee.original = original?.attributes ?? termios()
        if state.pointee.installed == 0 {
            state.pointee.installed = 1
            atexit { TerminalRescue.restoreNow() }
            withUnsafeMutableBytes(of: &state.pointee.previous) { raw in
                let previous = raw.bindMemory(to: sigaction.self)
                for signal in crashSignals {
                    guard let index = slot(of: signal) else { continue }
                    var action = sigaction()
                    action.__sigaction_handler.sa_handler = rescueHandler
                    sigemptyset(&action.sa_mask)
                    action.sa_flags = 0
                    sigaction(signal, &action, previous.baseAddress! + index)
                }
            }
        }
        state.pointee.armed = 1
    }

    static func disarm() {
        rescueState.pointee.armed = 0
    }

    /// Restores the terminal if armed. Async-signal-safe.
    static func restoreNow() {
        let state = rescueState
        guard state.pointee.armed != 0 else { return }
        state.pointee.armed = 0
        if state.pointee.inputFD >= 0 {
            tcsetattr(state.pointee.inputFD, TCSANOW, &state.pointee.original)
        }
        // A literal: no allocation, no lazy global.
        let leave: StaticString = "\u{1B}[0m\u{1B}[?7h\u{1B}[?25h\u{1B}[?1049l\n"
        _ = write(state.pointee.outputFD, leave.utf8Start, leave.utf8CodeUnitCount)
    }

    /// Where a crash signal's previous action is kept; a switch, not a table, so the
    /// handler allocates nothing.
    fileprivate static func slot(of signal: Int32) -> Int? {
        switch signal {
        case SIGSEGV: return 0
        case SIGBUS: return 1
        case SIGILL: return 2
        case SIGTRAP: return 3
        case SIGFPE: return 4
        case SIGABRT: return 5
        default: return nil
        }
    }
}

/// Allocated once, before any handler can run; never freed.
nonisolated(unsafe) private let rescueState: UnsafeMutablePointer<TerminalRescue.State> = {
    let pointer = UnsafeMutablePointer<TerminalRescue.State>.allocate(capacity: 1)
    pointer.initialize(to: TerminalRescue.State())
    return pointer
}()

private func rescueHandler(_ signal: Int32) {
    TerminalRescue.restoreNow()
    let state = rescueState
    guard let index = TerminalRescue.slot(of: signal) else { return }
    withUnsafeMutableBytes(of: &state.pointee.previous) { raw in
        let previous = raw.baseAddress!.assumingMemoryBound(to: sigaction.self)
        sigaction(signal, previous + index, nil)
    }
}
