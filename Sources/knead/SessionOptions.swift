import ArgumentParser
import Foundation
import KneadCore
import KneadPatternFile
import KneadPictures
import KneadPlayer

/// Options every command that turns a pattern into frames shares: which device, the
/// person's cap, the session cap. They mean the same as for `knead play`, so what
/// `render` and `preview` show is what `play` would play.
struct SessionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("What the device can do: 'chair' (a roller on an x/y track with pressure and heat), "
                               + "'handheld' (intensity only), or a device profile file.",
                               valueName: "chair|handheld|FILE"),
            completion: .file(extensions: ["yaml", "yml", "json"]))
    var device: String = "chair"

    @Option(help: ArgumentHelp("The person's size: 'default' or a body profile file (shoulder-height, back-width).",
                               valueName: "default|FILE"),
            completion: .file(extensions: ["yaml", "yml", "json"]))
    var body: String = "default"

    @Option(name: .customLong("max-intensity"),
            help: ArgumentHelp("Your own cap on intensity and pressure, in percent (e.g. 60 or 60%).",
                               valueName: "PCT"))
    var maxIntensity: String?

    @Option(name: .customLong("session-cap"),
            help: ArgumentHelp("Longest session before the envelope ramps to zero (default 30min, at most 3h).",
                               valueName: "DURATION"))
    var sessionCap: String?

    func validate() throws {
        if let maxIntensity {
            do { _ = try IntensityCapArgument.parse(maxIntensity) } catch {
                throw ValidationError("--max-intensity: \(error)")
            }
        }
        if let sessionCap, case let .failure(message) = DurationArgument.parseSessionCap(sessionCap) {
            throw ValidationError("--session-cap: \(message)")
        }
    }

    var personCap: Level? {
        maxIntensity.flatMap { try? IntensityCapArgument.parse($0) }
    }

    var sessionCapSeconds: Double? {
        sessionCap.flatMap { try? DurationArgument.parseSessionCap($0).get() }
    }

    /// The device profile named by `--device`; exits 64 for an unknown name and 66 for
    /// a profile file that cannot be read.
    func resolveDevice() throws -> DeviceProfile {
        try DeviceChoice.resolve(device)
    }

    func resolveBody() throws -> BodyProfile {
        try DeviceChoice.resolveBody(body)
    }
}

/// `--device` and `--body` values to profiles, through the profile file reader.
///
/// Exit codes: an unknown name is a bad command line (64); a profile file that is
/// missing or unreadable exits 66; a profile file with errors exits 65. Diagnostics go
/// to stderr as `FILE:LINE:COL: error: message`.
enum DeviceChoice {
    static func resolve(_ nameOrPath: String) throws -> DeviceProfile {
        try unwrap(DeviceProfileFile.resolve(nameOrPath), nameOrPath)
    }

    static func resolveBody(_ nameOrPath: String) throws -> BodyProfile {
        try unwrap(BodyProfileFile.resolve(nameOrPath), nameOrPath)
    }

    private static func unwrap<Profile>(_ result: ProfileFileResult<Profile>, _ nameOrPath: String) throws -> Profile {
        var result = result
        result.file = ArgumentText.shown(result.file)
        Console.error(result.rendered())
        if let profile = result.profile, !result.hasErrors { return profile }
        if result.fileProblem != nil {
            throw isPath(nameOrPath) ? KneadExitCode.noInput : KneadExitCode.usage
        }
        throw KneadExitCode.invalidPattern
    }

    /// The profile readers' rule: a '/' or a file extension makes a path, anything else a name.
    static func isPath(_ text: String) -> Bool {
        text.contains("/") || [".yaml", ".yml", ".json"].contains { text.hasSuffix($0) }
    }
}

extension PreparedSession {
    /// Exits 64 when `rate` is more than the device takes. `play` and `render` refuse the
    /// same way, so a render is never a rate that play would not send.
    func refuseRateAboveDevice(_ rate: Double) throws {
        guard rate > device.maxRate else { return }
        Console.error("knead: error: --rate \(numberText(rate)) Hz is more than the \(device.name) "
                      + "takes (\(numberText(device.maxRate)) Hz)\n"
                      + "  hint: use --rate \(numberText(device.maxRate)) or less\n")
        throw KneadExitCode.usage
    }

    /// Reads the file; prints every diagnostic (errors and warnings) on stderr; exits 66
    /// when the file cannot be read and 65 when it is invalid.
    static func load(path: String, options: SessionOptions) throws -> PreparedSession {
        let loaded = PreparedSession.load(path: path, device: try options.resolveDevice(), body: try options.resolveBody(),
                                          personCap: options.personCap, sessionCap: options.sessionCapSeconds)
        let shownPath = ArgumentText.shown(path)
        Console.error(shownPath == path ? loaded.diagnostics : loaded.diagnostics.replacingOccurrences(of: path, with: shownPath))
        switch loaded.session {
        case let .success(session): return session
        case .failure(.fileProblem): throw KneadExitCode.noInput
        case .failure(.invalid): throw KneadExitCode.invalidPattern
        }
    }
}
