import ArgumentParser

/// The exit codes of knead, from sysexits(3) as the issue asks; docs/cli.md lists them.
enum KneadExitCode {
    /// Bad command line: unknown option, value out of range (EX_USAGE).
    /// ArgumentParser uses the same code for its own validation errors.
    static let usage = ExitCode(64)
    /// The pattern is invalid (EX_DATAERR).
    static let invalidPattern = ExitCode(65)
    /// The pattern file is missing or cannot be read (EX_NOINPUT).
    static let noInput = ExitCode(66)
    /// The output file cannot be created (EX_CANTCREAT).
    static let cannotCreate = ExitCode(73)
    /// Writing the output failed part way (EX_IOERR).
    static let ioError = ExitCode(74)

    /// With several files, the worst outcome decides the exit code: a file that cannot
    /// be read (66) outranks an invalid one (65), which outranks success (0).
    static func worst(_ a: ExitCode, _ b: ExitCode) -> ExitCode {
        func rank(_ code: ExitCode) -> Int {
            switch code.rawValue {
            case 0: return 0
            case 65: return 1
            case 66: return 2
            default: return 3
            }
        }
        return rank(a) >= rank(b) ? a : b
    }
}
