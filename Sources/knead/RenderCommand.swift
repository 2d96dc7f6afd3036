import KneadPlayer
import ArgumentParser
import KneadCore
import KneadPatternFile
import KneadPictures

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

            Examples:
              knead render Patterns/desk-reset.yaml --format svg --output desk-reset.svg
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
        if let output, let problem = SameFile.check(output: output, option: "--output", input: pattern) {
            throw ValidationError(problem)
        }
    }

    func run() throws {
        let prepared = try PreparedSession.load(path: pattern, options: session)
        try prepared.refuseRateAboveDevice(rate)
        do {
            switch resolvedFormat {
            case .csv, .jsonl:
                let sink = try openSink(output)
                let decimals = ExportFormat.timeDecimals(forRate: rate)
                let writer: FrameWriter = resolvedFormat == .csv ? CSVFrameWriter(sink: sink, timeDecimals: decimals)
                                                                  : JSONLinesFrameWriter(sink: sink, timeDecimals: decimals)
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
                var columns = FrameColumns(count: SVGPicture.columnCount, duration: prepared.pictureDuration)
                for safe in prepared.safeFrames(rate: rate) { columns.add(safe.frame) }
                let summary = PictureSummary(timeline: prepared.timeline, device: prepared.device)
                let buffer = OutputBuffer(sink: try openSink(output))
                try buffer.append(text: SVGPicture.render(summary: summary, columns: columns))
                try buffer.flush()
            }
        } catch let error as ExportError {
            Console.error("knead: error: \(error)\n")
            if case .cannotOpen = error { throw KneadExitCode.cannotCreate }
            throw KneadExitCode.ioError
        }
    }

    private func openSink(_ path: String?) throws(ExportError) -> ByteSink {
        guard let path, path != "-" else { return FileDescriptorSink.standardOutput() }
        return try FileDescriptorSink(creating: path)
    }
}
