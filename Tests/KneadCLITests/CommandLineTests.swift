import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import KneadCore
import KneadPatternFile
import Testing

/// The built `knead` run as a person or a script runs it: exit codes, where output
/// goes, and the shape of diagnostics.
@Suite("knead command line", .serialized)
struct CommandLineTests {
    // MARK: check

    @Test func checkAValidPatternPrintsItsSummary() throws {
        let run = try runKnead(["check", "Patterns/desk-reset.yaml"])
        #expect(run.status == 0)
        #expect(run.stderr == "")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "Patterns/desk-reset.yaml: valid")
        #expect(lines.contains { $0.hasPrefix("  duration        1") })
        #expect(lines.contains("  steps           11"))
        #expect(lines.contains("  peak intensity  70%"))
        #expect(lines.contains("  warnings        0"))
    }

    @Test func everyShippedPatternPassesStrictCheck() throws {
        let patterns = try FileManager.default.contentsOfDirectory(atPath: Paths.repository.appendingPathComponent("Patterns").path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "Patterns/" + $0 }
        #expect(patterns.count >= 8)
        let run = try runKnead(["check", "--strict"] + patterns)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr == "")
        #expect(run.stdout.components(separatedBy: ": valid\n").count - 1 == patterns.count)
        let handheld = try runKnead(["check", "--strict", "--device", "handheld", "Patterns/handheld-quick-5.yaml"])
        #expect(handheld.status == 0, "\(handheld.stderr)")
    }

    @Test func aMissingFileExits66() throws {
        let run = try runKnead(["check", "no-such-pattern.yaml"])
        #expect(run.status == 66)
        #expect(run.stdout == "")
        #expect(run.stderr.hasPrefix("no-such-pattern.yaml: error: "))
    }

    @Test func anInvalidPatternExits65WithEveryErrorAtItsPlace() throws {
        let folder = try temporaryFolder()
        try "pattern: Bad\nsteps:\n  - efleurage: {strokes: 4}\n  - rest: 5\n"
            .write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let run = try runKnead(["check", "bad.yaml"], in: folder)
        #expect(run.status == 65)
        #expect(run.stdout == "")
        let headlines = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("  ") }
        #expect(headlines.count == 2)
        #expect(headlines[0].hasPrefix("bad.yaml:3:5: error: unknown technique 'efleurage'"))
        #expect(headlines[0].hasSuffix("(did you mean 'effleurage'?)"))
        #expect(headlines[1].hasPrefix("bad.yaml:4:11: error: "))
    }

    @Test func warningsKeepExit0UnlessStrict() throws {
        let folder = try temporaryFolder()
        try "pattern: Long hold\nsteps:\n  - warm-up: {duration: 30s}\n  - trigger-point: {at: rhomboids-left, hold: 40s}\n  - effleurage\nopt-in: [short-session]\n"
            .write(to: folder.appendingPathComponent("hold.yaml"), atomically: true, encoding: .utf8)
        let lenient = try runKnead(["check", "hold.yaml"], in: folder)
        #expect(lenient.status == 0)
        #expect(lenient.stderr.hasPrefix("hold.yaml:4:5: warning: "))
        #expect(lenient.stderr.contains("\n  hint: "))
        #expect(lenient.stdout.contains("  warnings        1\n"))
        let strict = try runKnead(["check", "--strict", "hold.yaml"], in: folder)
        #expect(strict.status == 65)
        #expect(strict.stderr.hasPrefix("hold.yaml:4:5: error: "))
        #expect(strict.stdout == "")
    }

    @Test func withSeveralFilesTheWorstExitWins() throws {
        let folder = try temporaryFolder()
        try "pattern: Bad\nsteps: []\n".write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let good = Paths.pattern("swedish-warm-up.yaml")
        #expect(try runKnead(["check", good, "bad.yaml"], in: folder).status == 65)
        #expect(try runKnead(["check", "missing.yaml", good, "bad.yaml"], in: folder).status == 66)
        let both = try runKnead(["check", good, "bad.yaml"], in: folder)
        #expect(both.stdout.hasPrefix(good + ": valid\n"), "valid files are still summarised")
    }

    @Test func checkJSONIsForScripts() throws {
        let run = try runKnead(["check", "--json", "Patterns/desk-reset.yaml", "missing.yaml"])
        #expect(run.status == 66)
        let reports = try #require(try JSONSerialization.jsonObject(with: run.stdoutData) as? [[String: Any]])
        #expect(reports.count == 2)
        #expect(reports[0]["file"] as? String == "Patterns/desk-reset.yaml")
        #expect(reports[0]["valid"] as? Bool == true)
        #expect(reports[0]["steps"] as? Int == 11)
        #expect(reports[0]["peakIntensity"] as? Double == 0.7)
        #expect((reports[0]["duration"] as? Double ?? 0) > 600)
        #expect(reports[1]["exitCode"] as? Int == 66)
        #expect(reports[1]["valid"] as? Bool == false)
    }

    // MARK: the command line itself

    @Test(arguments: [
        ["check"],
        ["bogus"],
        ["check", "--no-such-flag", "Patterns/desk-reset.yaml"],
        ["render", "Patterns/desk-reset.yaml", "--rate", "0"],
        ["render", "Patterns/desk-reset.yaml", "--rate", "2001"],
        ["render", "Patterns/desk-reset.yaml", "--rate", "fast"],
        ["render", "Patterns/desk-reset.yaml", "--format", "mp3"],
        ["render", "Patterns/desk-reset.yaml", "--format", "funscript"],
        ["render", "Patterns/desk-reset.yaml", "--format", "funscript", "--output", "-"],
        ["bench", "render", "--minutes", "0"],
        ["render", "Patterns/desk-reset.yaml", "--max-intensity", "0.6"],
        ["render", "Patterns/desk-reset.yaml", "--session-cap", "45"],
        ["render", "Patterns/desk-reset.yaml", "--device", "toaster"],
        ["preview", "Patterns/desk-reset.yaml", "--width", "10"],
        ["preview", "Patterns/desk-reset.yaml", "--color", "sometimes"],
    ])
    func badCommandLinesExit64(_ arguments: [String]) throws {
        let run = try runKnead(arguments)
        #expect(run.status == 64, "\(arguments): \(run.stderr)")
        #expect(run.stdout == "")
        #expect(!run.stderr.isEmpty)
    }

    @Test func aSessionCapOverThreeHoursIsRefusedNotLowered() throws {
        let run = try runKnead(["render", "Patterns/desk-reset.yaml", "--session-cap", "25h"])
        #expect(run.status == 64)
        #expect(run.stdout == "")
        #expect(run.stderr.hasPrefix(
            "Error: --session-cap: '25h' is longer than the longest session cap, 3h; give 3h or less\n"))
        #expect(try runKnead(["render", "Patterns/desk-reset.yaml", "--rate", "1", "--session-cap", "3h"]).status == 0)
    }

    @Test(arguments: [["--rate", "-5"], ["--rate=-5"]])
    func aNegativeRateGetsTheRangeMessage(_ rate: [String]) throws {
        for command in ["render", "play"] {
            let run = try runKnead([command, "Patterns/desk-reset.yaml"] + rate)
            #expect(run.status == 64, "\(command)")
            #expect(run.stderr.hasPrefix("Error: --rate must be between 1 and 2000 Hz, not -5\n"), "\(command): \(run.stderr)")
        }
    }

    @Test func renderRefusesARateAboveTheDevicesAsPlayDoes() throws {
        let expected = "knead: error: --rate 1000 Hz is more than the osr2 takes (250 Hz)\n  hint: use --rate 250 or less\n"
        for command in ["render", "play"] {
            let run = try runKnead([command, "Patterns/desk-reset.yaml", "--device", "osr2", "--rate", "1000"])
            #expect(run.status == 64, "\(command): \(run.stderr)")
            #expect(run.stderr == expected, "\(command)")
            #expect(run.stdout == "")
        }
    }

    @Test func helpForAnUnknownCommandExits64WithTheCommands() throws {
        let run = try runKnead(["help", "nosuch"])
        #expect(run.status == 64)
        #expect(run.stdout == "")
        #expect(run.stderr == "knead: error: unknown command 'nosuch'\n"
            + "  commands: check, preview, render, play, sim, devices, bench\n")
        let known = try runKnead(["help", "check"])
        #expect(known.status == 0)
        #expect(known.stdout.contains("knead check "))
    }

    @Test func bashCompletionOffersFilesForPathArguments() throws {
        let run = try runKnead(["--generate-completion-script", "bash"])
        #expect(run.status == 0)
        let patternFiles = "__knead_add_completions -o plusdirs -fX '!*.@(yaml|yml|json)'"
        /// The completion offered for one option (or the positional arguments, `nil`) of a subcommand.
        func completion(_ command: String, _ option: String?) -> String? {
            guard let body = run.stdout.components(separatedBy: "\n_knead_\(command)() {").dropFirst().first?
                .components(separatedBy: "\n}").first else { return nil }
            let marker = option.map { "'\($0)')" } ?? "# Offer positional completions"
            return body.components(separatedBy: marker).dropFirst().first?.split(separator: "\n")
                .map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("__knead_add_completions") }
        }
        for command in ["check", "preview", "render", "play"] {
            #expect(completion(command, nil) == patternFiles, "\(command) PATTERN")
            #expect(completion(command, "--device") == patternFiles, "\(command) --device")
            #expect(completion(command, "--body") == patternFiles, "\(command) --body")
        }
        #expect(run.stdout.contains("'-o'|'--output')\n        __knead_add_completions -f\n"))
        #expect(completion("play", "--trace") == "__knead_add_completions -f")
        #expect(completion("play", "--port") == "__knead_add_completions -f")
    }

    // MARK: files that are not pattern files

    @Test func filesThatCannotBeReadSayWhy() throws {
        let folder = try temporaryFolder()
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("loop.yaml").path,
                                                   withDestinationPath: "loop.yaml")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("dir.yaml"), withIntermediateDirectories: true)
        let cases: [([String], String)] = [
            (["check", "loop.yaml"], "loop.yaml: error: cannot read the file: a symbolic link loop\n"),
            (["check", "-"], "-: error: reading a pattern from standard input is not supported; give a file path\n"),
            (["check", "dir.yaml"], "dir.yaml: error: it is a folder, not a pattern file\n"),
            (["preview", "dir.yaml"], "dir.yaml: error: it is a folder, not a pattern file\n"),
            (["check", "--device", "dir.yaml", Paths.pattern("desk-reset.yaml")], "dir.yaml: error: it is a folder, not a profile file\n"),
            (["render", "--device", "./", Paths.pattern("desk-reset.yaml")], "./: error: it is a folder, not a profile file\n"),
            // A named pipe nobody writes once made knead wait for ever; a device never ends.
            (["check", "pipe.yaml"], "pipe.yaml: error: cannot read the file: it is a named pipe, not a file; give the file itself\n"),
            (["play", "pipe.yaml"], "pipe.yaml: error: cannot read the file: it is a named pipe, not a file; give the file itself\n"),
            (["check", "/dev/zero"], "/dev/zero: error: cannot read the file: it is a device, not a file\n"),
        ]
        #expect(mkfifo(folder.appendingPathComponent("pipe.yaml").path, 0o600) == 0)
        for (arguments, expected) in cases {
            let run = try runKnead(arguments, in: folder)
            #expect(run.status == 66, "\(arguments)")
            #expect(run.stderr == expected, "\(arguments)")
            #expect(run.stdout == "")
        }
    }

    @Test func aFileNameThatIsNotUTF8IsShownWithTheByteEscaped() throws {
        let folder = try temporaryFolder()
        for command in ["check", "preview", "render"] {
            let run = try runKneadInShell("\"$KNEAD\" \(command) \"$(printf 'bad\\377name.yaml')\"", in: folder)
            #expect(run.status == 66, "\(command)")
            #expect(run.stderr == "bad\\xFFname.yaml: error: cannot read the file: the file name is not valid UTF-8; rename the file\n",
                    "\(command)")
        }
        let device = try runKneadInShell("\"$KNEAD\" check --device \"$(printf './p\\376.yaml')\" x.yaml", in: folder)
        #expect(device.status == 66)
        #expect(device.stderr == "./p\\xFE.yaml: error: cannot read the file: the file name is not valid UTF-8; rename the file\n")
    }

    @Test(arguments: [
        "check Patterns/desk-reset.yaml",
        "check --json Patterns/desk-reset.yaml",
        "preview Patterns/desk-reset.yaml",
        "devices",
        "devices --json",
    ])
    func outputThatCannotBeWrittenExits74(_ command: String) throws {
        let run = try runKneadInShell("\"$KNEAD\" \(command) >/dev/full")
        #expect(run.status == 74, "\(run.stderr)")
        #expect(run.stderr == "knead: error: cannot write to standard output: No space left on device\n")
    }

    /// A play whose progress cannot be written (standard output on a full disk) does not
    /// play on blind: the device ramps to zero and stops, and the exit is 74.
    @Test func aPlayWhoseOutputIsLostStopsWith74() throws {
        let run = try runKneadInShell("\"$KNEAD\" play Patterns/desk-reset.yaml --time-scale 20 >/dev/full")
        #expect(run.status == 74, "\(run.stderr)")
        #expect(run.stderr.contains("knead: error: cannot write the progress lines: No space left on device"), "\(run.stderr)")
        let json = try runKneadInShell("\"$KNEAD\" play Patterns/desk-reset.yaml --time-scale 20 --json 2>/dev/full")
        #expect(json.status == 74)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(summary["outcome"] as? String == "output-lost")
        #expect(summary["wayOut"] as? String == "ramp")
        #expect(summary["deviceAtZero"] as? Bool == true)
    }

    @Test func everySubcommandsHelpHasAnExample() throws {
        for command in ["check", "render", "preview", "bench"] {
            let run = try runKnead([command, "--help"])
            #expect(run.status == 0)
            #expect(run.stdout.contains("knead \(command) "), "\(command) --help shows an example")
        }
        #expect(try runKnead(["render", "--help"]).stdout
            .contains("knead render Patterns/desk-reset.yaml --format svg --output desk-reset.svg"))
    }

    // MARK: render

    @Test func renderCSVToStandardOutputMatchesTheGolden() throws {
        let run = try runKnead(["render", "Patterns/desk-reset.yaml", "--rate", "10"])
        #expect(run.status == 0)
        #expect(run.stderr == "")
        let golden = try String(contentsOf: try #require(Paths.golden("desk-reset-chair-10hz.csv")), encoding: .utf8)
        #expect(run.stdout == golden)
    }

    @Test func renderHandheldMatchesTheGolden() throws {
        let folder = try temporaryFolder()
        let run = try runKnead(["render", Paths.pattern("handheld-quick-5.yaml"), "--device", "handheld", "--rate", "10",
                                "--output", "quick.csv"], in: folder)
        #expect(run.status == 0)
        let written = try String(contentsOf: folder.appendingPathComponent("quick.csv"), encoding: .utf8)
        let golden = try String(contentsOf: try #require(Paths.golden("handheld-quick-5-handheld-10hz.csv")), encoding: .utf8)
        #expect(written == golden)
    }

    @Test func renderJSONLinesHasOneObjectPerFrame() throws {
        let run = try runKnead(["render", "Patterns/tapotement-wake-up.yaml", "--rate", "2", "--format", "jsonl"])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n")
        var tapRates: Set<Double> = []
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            // The chair taps by itself: rate and depth are fields of every frame.
            #expect(Set(object.keys) == ["time", "intensity", "x", "y", "pressure", "heat", "percussion_rate",
                                         "percussion_depth", "technique", "zone"])
            if object["technique"] as? String == "tapping", let rate = object["percussion_rate"] as? Double {
                tapRates.insert(rate)
            }
        }
        #expect(tapRates.isSuperset(of: [5, 6, 8]), "the pattern's rates handed to the mechanism: \(tapRates)")
        let csv = try runKnead(["render", "Patterns/tapotement-wake-up.yaml", "--rate", "2"])
        #expect(lines.count == csv.stdout.split(separator: "\n").count - 1, "as many frames as the csv")
        // A handheld has no mechanism: no percussion fields.
        let handheld = try runKnead(["render", "Patterns/tapotement-wake-up.yaml", "--rate", "2", "--format", "jsonl",
                                     "--device", "handheld"])
        let first = try #require(handheld.stdout.split(separator: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["time", "intensity", "x", "y", "pressure", "heat", "technique", "zone"])
    }

    @Test func thePersonsCapLowersEveryFrame() throws {
        let run = try runKnead(["render", "Patterns/desk-reset.yaml", "--rate", "5", "--max-intensity", "40%"])
        #expect(run.status == 0)
        let intensities = run.stdout.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[1])! }
        #expect(intensities.max()! <= 0.4)
        #expect(intensities.max()! > 0.39)
    }

    @Test func renderFunscriptWritesOneFilePerAxis() throws {
        let folder = try temporaryFolder()
        let run = try runKnead(["render", Paths.pattern("desk-reset.yaml"), "--format", "funscript", "--output", "desk"],
                               in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        for name in ["desk.funscript", "desk.vib.funscript", "desk.sway.funscript", "desk.surge.funscript"] {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            let script = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let actions = try #require(script["actions"] as? [[String: Int]])
            #expect(actions.count > 100, "\(name)")
            #expect(actions.allSatisfy { (0...100).contains($0["pos"]!) })
            #expect(zip(actions, actions.dropFirst()).allSatisfy { $0["at"]! < $1["at"]! }, "\(name): at increases")
            #expect(actions.first?["at"] == 0)
            if name == "desk.vib.funscript" { #expect(actions.last?["pos"] == 0, "ends at zero") }
        }
    }

    @Test func renderSVGFromTheOutputExtension() throws {
        let folder = try temporaryFolder()
        let run = try runKnead(["render", Paths.pattern("trigger-point-tour.yaml"), "--output", "tour.svg"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let data = try Data(contentsOf: folder.appendingPathComponent("tour.svg"))
        let parser = XMLParser(data: data)
        let collector = XMLCollector()
        parser.delegate = collector
        #expect(parser.parse())
        #expect(collector.texts.contains("Trigger-point tour"))
        #expect(collector.texts.contains("warm-up"))
        // Trigger-point bands are narrow: short labels, spelled out in the legend.
        #expect(collector.texts.filter { $0 == "TP" }.count == 8)
        #expect(collector.texts.contains("levator L"))
        #expect(collector.texts.contains("trigger-point (TP)"))
    }

    @Test func anOutputThatCannotBeCreatedExits73() throws {
        let run = try runKnead(["render", "Patterns/desk-reset.yaml", "--output", "/nonexistent-folder/out.csv"])
        #expect(run.status == 73)
        #expect(run.stderr.contains("cannot write '/nonexistent-folder/out.csv'"))
    }

    @Test func renderOfAnInvalidPatternExits65AndWritesNothing() throws {
        let folder = try temporaryFolder()
        try "pattern: x\nsteps:\n  - rest: 5\n".write(to: folder.appendingPathComponent("x.yaml"), atomically: true, encoding: .utf8)
        let run = try runKnead(["render", "x.yaml", "--output", "x.csv"], in: folder)
        #expect(run.status == 65)
        #expect(run.stderr.hasPrefix("x.yaml:3:11: error: "))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.csv").path))
    }

    // MARK: preview

    @Test func previewDrawsThePictureAndTheStepTable() throws {
        let run = try runKnead(["preview", "Patterns/desk-reset.yaml", "--width", "90"])
        #expect(run.status == 0)
        #expect(!run.stdout.contains("\u{1B}"), "no colour when stdout is not a terminal")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0].hasPrefix("Desk reset  "))
        #expect(lines[1].hasPrefix("technique |warm-up"))
        #expect(lines.contains { $0.hasPrefix(" #    start   length  technique") })
        #expect(lines.contains { $0.contains("trigger-point  upper-trapezius-left") && $0.hasSuffix("70%") })
        #expect(lines.filter { $0.range(of: #"^ *\d+ +\d+:\d\d +"#, options: .regularExpression) != nil }.count == 11)
    }

    @Test func previewColourFollowsTheFlagAndNoColor() throws {
        let always = try runKnead(["preview", "Patterns/desk-reset.yaml", "--color", "always"])
        #expect(always.stdout.contains("\u{1B}["))
        let never = try runKnead(["preview", "Patterns/desk-reset.yaml", "--color", "never"])
        #expect(!never.stdout.contains("\u{1B}"))
        let noColor = try runKnead(["preview", "Patterns/desk-reset.yaml"], environment: ["NO_COLOR": "1"])
        #expect(!noColor.stdout.contains("\u{1B}"))
    }

    @Test func previewWidthComesFromColumnsWhenNotATerminal() throws {
        let run = try runKnead(["preview", "Patterns/desk-reset.yaml"], environment: ["COLUMNS": "70"])
        let chartLines = run.stdout.split(separator: "\n").dropFirst().prefix(8)
        #expect(chartLines.allSatisfy { $0.count == 70 })
    }
}
