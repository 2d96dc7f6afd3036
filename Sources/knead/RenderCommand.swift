import KneadPlayer
import ArgumentParser
import KneadCore
import KneadPatternFile
import KneadPictures
import KneadSystem

/// The output formats of `knead render`.
enum RenderFormat: String, ExpressibleByArgument, CaseIterable {
    case csv, jsonl, funscript, svg

    /// The format an output file's extension names, if any.
    static func inferred(fromPath path: String) -> RenderFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonl }
        if lower.hasSuffix(".funscript") { return .funscript }
        if lower.hasSuffix(".svg") { return .svg }
        return nil
    }
}

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Export a pattern's frames as CSV, JSON Lines, funscript or an SVG picture.",
        discussion: """
            The frames are exactly what a device would be given: the pattern compiled
            for --device, sampled at --rate, and passed through the safety envelope
            (caps, slew limits, session cap, the ramp to zero at the end).

            Formats:
              csv        header time,intensity,x,y,pressure,heat,technique,zone;
                         time in seconds (3 decimals up to 1000 Hz, 4 above),
                         values 0-1 with 4 decimals; x: 0 left edge, 0.5 spine,
                         1 right edge; y: 0 lower ribs, 1 neck base.
              jsonl      one JSON object per frame with the same fields.
              funscript  one file per axis, named from --output: NAME.funscript
                         (y, TCode L0), NAME.vib.funscript (intensity),
                         NAME.sway.funscript (x), NAME.surge.funscript
                         (pressure); pos 0-100, at in ms; an action where the
                         curve turns or bends, and at least one a second.
              svg        a picture: technique bands; intensity, position and
                         pressure over time; time axis in minutes; legend.

            Without --output, csv, jsonl and svg go to standard output; funscript needs
            --output. Without --format, the format comes from the --output extension
            (csv otherwise).

            --watch (svg to a file only) writes the picture again each time the pattern
            or a script file it plays is saved, replacing the file in one step (a
            temporary file renamed over it, so a viewer never reads half a picture),
            and prints one line per render on standard error, or the errors; the file
            keeps its last good picture. Ctrl-C ends it (exit 130).

            Examples:
              knead render Patterns/desk-reset.yaml --format svg --output desk-reset.svg
              knead render my-pattern.yaml --watch --output my-pattern.svg
              knead render Patterns/desk-reset.yaml --rate 10 | head
              knead render Patterns/tapotement-wake-up.yaml --format funscript -o wake
              knead render Patterns/handheld-quick-5.yaml --device handheld -o q.jsonl
            """)

    @Argument(help: ArgumentHelp("The pattern file.", valueName: "PATTERN"),
              completion: .file(extensions: ["yaml", "yml", "json"]))
    var pattern: String

    // Unconditional, so `--rate -5` reaches validate() and gets the range message
    // instead of ArgumentParser reading -5 as an option and the value as missing.
    @Option(parsing: .unconditional,
            help: ArgumentHelp("Frames per second, 1…2000 (and at most what the device takes).", valueName: "HZ"))
    var rate: Double = 100

    @Option(help: ArgumentHelp("csv, jsonl, funscript or svg (default: from the --output extension, else csv).",
                               valueName: "FORMAT"))
    var format: RenderFormat?

    @Option(name: [.short, .long],
            help: ArgumentHelp("The file to write (for funscript, the base name of the files).", valueName: "FILE"),
            completion: .file())
    var output: String?

    @Flag(help: "Write the SVG again each time the pattern is saved, until Ctrl-C (svg with --output only).")
    var watch = false

    @OptionGroup var session: SessionOptions

    static let rateRange: ClosedRange<Double> = 1...2000

    var resolvedFormat: RenderFormat {
        format ?? output.flatMap(RenderFormat.inferred(fromPath:)) ?? .csv
    }

    func validate() throws {
        guard rate.isFinite, Self.rateRange.contains(rate) else {
            throw ValidationError("--rate must be between 1 and 2000 Hz, not \(numberText(rate))")
        }
        if resolvedFormat == .funscript && (output == nil || output == "-") {
            throw ValidationError("funscript writes one file per axis: give a base name with --output, e.g. --output desk-reset")
        }
        if let output, output.isEmpty { throw ValidationError("--output needs a file name") }
        if watch && resolvedFormat != .svg {
            throw ValidationError("--watch renders a picture: use it with --format svg (or an --output ending in .svg); "
                                  + "frames for a program are rendered once")
        }
        if watch && (output == nil || output == "-") {
            throw ValidationError("--watch rewrites a file on every save: give one with --output, e.g. --output pattern.svg")
        }
        if let output, let problem = SameFile.check(output: output, option: "--output", input: pattern) {
            throw ValidationError(problem)
        }
    }

    func run() throws {
        if watch { return try runWatching() }
        let prepared = try PreparedSession.load(path: pattern, options: session)
        try prepared.refuseRateAboveDevice(rate)
        do {
            switch resolvedFormat {
            case .csv, .jsonl:
                let sink = try openSink(output)
                let decimals = ExportFormat.timeDecimals(forRate: rate)
                let percussion = prepared.device.percussion != nil
                let writer: FrameWriter = resolvedFormat == .csv
                    ? CSVFrameWriter(sink: sink, timeDecimals: decimals, percussion: percussion)
                    : JSONLinesFrameWriter(sink: sink, timeDecimals: decimals, percussion: percussion)
                for safe in prepared.safeFrames(rate: rate) { try writer.write(safe.frame) }
                try writer.finish()
            case .funscript:
                let files = try FunscriptAxis.paths(base: output!).map { (axis: $0.axis, sink: try openSink($0.path) as ByteSink) }
                let writer = FunscriptWriter(outputs: files, title: prepared.pattern.name,
                                             description: prepared.pattern.description)
                for safe in prepared.safeFrames(rate: rate) { try writer.write(safe.frame) }
                try writer.finish()
                Console.error("wrote " + FunscriptAxis.paths(base: output!).map(\.path).joined(separator: ", ") + "\n")
            case .svg:
                let buffer = OutputBuffer(sink: try openSink(output))
                try buffer.append(text: svg(prepared))
                try buffer.flush()
            }
        } catch let error as ExportError {
            Console.error("knead: error: \(error)\n")
            if case .cannotOpen = error { throw KneadExitCode.cannotCreate }
            throw KneadExitCode.ioError
        }
    }

    private func svg(_ prepared: PreparedSession) -> String {
        var columns = FrameColumns(count: SVGPicture.columnCount, duration: prepared.pictureDuration)
        for safe in prepared.safeFrames(rate: rate) { columns.add(safe.frame) }
        let summary = PictureSummary(timeline: prepared.timeline, device: prepared.device)
        return SVGPicture.render(summary: summary, columns: columns)
    }

    /// `--watch`: the SVG written again on every save, replaced in one step; one line
    /// per render on standard error, or the diagnostics (the file keeps its last good
    /// picture). A pattern missing at the start exits 66, as without --watch.
    private func runWatching() throws {
        let device = try session.resolveDevice(), body = try session.resolveBody()
        let output = output!
        let shownPath = ArgumentText.shown(pattern)
        let loop = try WatchLoop(path: pattern)
        var renders = 0
        var missingAtStart = false
        var failure: ExitCode?
        let ended = try loop.run { () -> [String]? in
            renders += 1
            let loaded = PreparedSession.load(path: pattern, device: device, body: body,
                                              personCap: session.personCap, sessionCap: session.sessionCapSeconds)
            Console.error(shownPath == pattern ? loaded.diagnostics
                                               : loaded.diagnostics.replacingOccurrences(of: pattern, with: shownPath))
            switch loaded.session {
            case let .success(prepared):
                if rate > prepared.device.maxRate {
                    Console.error("knead: error: --rate \(numberText(rate)) Hz is more than the \(prepared.device.name) "
                                  + "takes (\(numberText(prepared.device.maxRate)) Hz)\n")
                    failure = KneadExitCode.usage
                    return nil
                }
                do throws(FileOutput.Failure) {
                    try Self.replace(output, with: svg(prepared))
                    Console.error("knead: rendered \(shownPath) to \(output) at \(WatchLoop.clock())\n")
                } catch {
                    Console.error("knead: error: cannot write '\(output)': \(error.reason)\n")
                    if renders == 1 { failure = KneadExitCode.cannotCreate }
                }
                return WatchLoop.scriptPaths(of: prepared.pattern, patternPath: pattern)
            case .failure(.fileProblem) where renders == 1:
                missingAtStart = true
                return nil
            case .failure:
                Console.error("knead: \(output) not rewritten: \(shownPath) has errors (\(WatchLoop.clock()))\n")
                return nil
            }
        } stopEarly: {
            missingAtStart || failure != nil
        }
        if missingAtStart { throw KneadExitCode.noInput }
        if let failure { throw failure }
        throw ExitCode(128 + ended)
    }

    /// Writes `text` to a temporary file next to `path` and renames it over `path`, so a
    /// reader sees the old file or the new one, never a half-written one.
    static func replace(_ path: String, with text: String) throws(FileOutput.Failure) {
        let (folder, name) = FileChangeWatch.split(path)
        let temporary = folder + "/." + name + ".knead-\(FileSystem.processID).tmp"
        let descriptor = try FileOutput.create(temporary)
        do throws(FileOutput.Failure) {
            try FileOutput.writeAll(descriptor, text)
        } catch {
            FileOutput.close(descriptor)
            FileSystem.remove(temporary)
            throw error
        }
        do throws(FileOutput.Failure) {
            try FileOutput.finish(descriptor)
            try FileSystem.rename(temporary, to: path)
        } catch {
            FileSystem.remove(temporary)
            throw error
        }
    }

    private func openSink(_ path: String?) throws(ExportError) -> ByteSink {
        guard let path, path != "-" else { return FileDescriptorSink.standardOutput() }
        return try FileDescriptorSink(creating: path)
    }
}
