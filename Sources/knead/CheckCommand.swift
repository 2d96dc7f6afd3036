import ArgumentParser
import Foundation
import KneadCore
import KneadPatternFile
import KneadPictures

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check pattern files and summarise the valid ones.",
        discussion: """
            Every problem is reported on standard error as FILE:LINE:COL: error: message
            (or warning:), with a hint on the next line where one helps. All problems in
            a file are reported, not only the first. For each valid file, standard output
            gets its duration, number of steps, zones, peak intensity and warnings.

            Warnings (a hold over 30 s, a session over 15 min, firm work with no warm-up
            before it, firm pressure on the spine) leave the exit code at 0 unless
            --strict turns them into errors.

            Exit codes: 0 every file is valid; 65 a pattern is invalid; 66 a file is
            missing or unreadable; 64 the command line is wrong; 74 standard output
            could not be written. With several files the worst wins: 66 over 65 over 0.

            Examples:
              knead check Patterns/desk-reset.yaml
              knead check --strict Patterns/*.yaml
              knead check --json Patterns/desk-reset.yaml | jq '.[0].duration'
            """)

    @Argument(help: ArgumentHelp("Pattern files (YAML or JSON).", valueName: "PATTERN"),
              completion: .file(extensions: ["yaml", "yml", "json"]))
    var patterns: [String]

    @Flag(help: "Treat warnings as errors (exit 65 when there are any).")
    var strict = false

    @Flag(help: "Print the results as JSON on standard output (diagnostics stay on standard error).")
    var json = false

    @Option(help: ArgumentHelp("The device the patterns are compiled for: chair, handheld, or a profile file.",
                               valueName: "chair|handheld|FILE"),
            completion: .file(extensions: ["yaml", "yml", "json"]))
    var device: String = "chair"

    @Option(help: ArgumentHelp("The person's size: 'default' or a body profile file.", valueName: "default|FILE"),
            completion: .file(extensions: ["yaml", "yml", "json"]))
    var body: String = "default"

    func validate() throws {
        if patterns.isEmpty { throw ValidationError("give at least one pattern file, e.g. knead check Patterns/desk-reset.yaml") }
    }

    func run() throws {
        let profile = try DeviceChoice.resolve(device)
        let bodyProfile = try DeviceChoice.resolveBody(body)
        var exitCode = ExitCode.success
        var reports: [CheckReport] = []
        for path in patterns {
            var result = PatternFile.load(path: path, options: PatternFileOptions(strict: strict, device: profile,
                                                                                   body: bodyProfile))
            result.file = ArgumentText.shown(path)
            Console.error(result.rendered())
            let report = CheckReport(result: result, device: profile, body: bodyProfile)
            reports.append(report)
            exitCode = KneadExitCode.worst(exitCode, ExitCode(report.exitCode))
            if !json, report.valid {
                try Console.outputOrExit(report.text)
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(reports)
            try Console.outputOrExit(String(decoding: data, as: UTF8.self) + "\n")
        }
        if exitCode != .success { throw exitCode }
    }
}

/// What `knead check` says about one file, as text and as JSON.
struct CheckReport: Encodable {
    struct Problem: Encodable {
        var severity: String
        var line: Int
        var column: Int
        var message: String
        var hint: String?
    }

    var file: String
    var valid: Bool
    /// 0, 65 or 66, as the process would exit for this file alone.
    var exitCode: Int32
    /// Seconds, travel between zones included; nil for an invalid file.
    var duration: Double?
    var steps: Int?
    var zones: [String]?
    /// 0…1, after the pattern's and the device's caps.
    var peakIntensity: Double?
    var warnings: Int
    var errors: Int
    var diagnostics: [Problem]

    init(result: PatternFileResult, device: DeviceProfile, body: BodyProfile) {
        file = result.file
        valid = !result.hasErrors && result.pattern != nil
        exitCode = result.fileProblem != nil ? 66 : valid ? 0 : 65
        warnings = result.warnings.count
        errors = result.errors.count
        diagnostics = result.diagnostics.map {
            Problem(severity: $0.severity.rawValue, line: $0.location.line, column: $0.location.column,
                    message: $0.message, hint: $0.hint)
        }
        guard valid, let pattern = result.pattern, let timeline = result.timeline else { return }
        let worked = timeline.steps.filter { $0.technique != .travel }
        // Milliseconds and 0.01 % are all a reader needs, and round numbers read better.
        duration = (timeline.duration * 1000).rounded() / 1000
        steps = worked.count
        var seen = Set<String>()
        zones = worked.filter { $0.technique != .rest }.map(\.target.name).filter { seen.insert($0).inserted }
        let cap = SafetyLimits.resolve(device: device, body: body, pattern: pattern.limits).effectiveMaxIntensity
        peakIntensity = (Swift.min(cap, worked.map(\.peakIntensity).max() ?? 0) * 10_000).rounded() / 10_000
    }

    /// The summary a person reads.
    var text: String {
        let zoneList = zones ?? []
        let shownZones = zoneList.count > 6 ? zoneList.prefix(6).joined(separator: ", ") + ", … (\(zoneList.count) in all)"
                                            : zoneList.joined(separator: ", ")
        return """
            \(file): valid
              duration        \(clockText(duration ?? 0))
              steps           \(steps ?? 0)
              zones           \(shownZones.isEmpty ? "none" : shownZones)
              peak intensity  \(percentText(peakIntensity ?? 0))
              warnings        \(warnings)

            """
    }
}
