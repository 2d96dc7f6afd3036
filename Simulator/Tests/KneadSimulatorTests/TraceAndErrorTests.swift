import Foundation
import KneadCore
import Testing
@testable import KneadSimulator

@Suite struct TraceTests {
    @Test func traceStartsWithTheHeaderAndExactRows() {
        let sink = MemoryTraceSink()
        let model = Fixtures.gridModel()
        model.attachTrace(TraceWriter(sink: sink), interval: 0.01)
        model.receive(.setpoint(Fixtures.setpoint(1, x: 0.5005, y: 0.1), due: 0, timing: .onArrival), at: 0)
        model.advance(to: 0.015)
        model.receive(.stop, at: 0.015)
        model.advance(to: 0.021)
        model.finishTrace()
        // Intensity 1 − e^(−t/80 ms): 0.1175 at 10 ms, 0.1710 at 15 ms; then decaying
        // after the stop: 0.1710 × e^(−5/80) = 0.1606 at 20 ms. The last row is the
        // final state written by finishTrace.
        #expect(sink.lines == [
            "time,set_intensity,set_x,set_y,set_pressure,set_heat,intensity,x,y,pressure,temperature,event",
            "0.000,1.0000,512.00,100.00,0.0000,0.0000,0.0000,512.00,100.00,0.0000,22.00,",
            "0.010,1.0000,512.00,100.00,0.0000,0.0000,0.1175,512.00,100.00,0.0000,22.00,",
            "0.015,0.0000,512.00,100.00,0.0000,0.0000,0.1710,512.00,100.00,0.0000,22.00,stop",
            "0.020,0.0000,512.00,100.00,0.0000,0.0000,0.1606,512.00,100.00,0.0000,22.00,",
            "0.021,0.0000,512.00,100.00,0.0000,0.0000,0.1586,512.00,100.00,0.0000,22.00,",
        ])
    }

    @Test func everyTickWhenNoIntervalIsGiven() {
        let sink = MemoryTraceSink()
        let model = Fixtures.gridModel()
        model.attachTrace(TraceWriter(sink: sink), interval: nil)
        model.advance(to: 0.005)
        model.finishTrace()
        #expect(sink.lines.dropFirst().map { $0.prefix(5) } == ["0.000", "0.001", "0.002", "0.003", "0.004", "0.005"])
    }

    @Test func traceStreamsToAFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("knead-sim-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = Fixtures.gridModel()
        model.attachTrace(TraceWriter(sink: try FileTraceSink(path: path)), interval: 0.01)
        model.advance(to: 60)
        model.finishTrace()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 1 + 6001)
        #expect(lines.last == "60.000,0.0000,512.00,100.00,0.0000,0.0000,0.0000,512.00,100.00,0.0000,22.00,")
    }

    @Test func aTraceFileThatCannotBeCreatedSaysWhere() {
        #expect(throws: TraceError(.open, path: "/nonexistent-dir/trace.csv", code: ENOENT)) {
            try FileTraceSink(path: "/nonexistent-dir/trace.csv")
        }
        let error = TraceError(.open, path: "/nonexistent-dir/trace.csv", code: ENOENT)
        #expect(error.description == "cannot open the trace file /nonexistent-dir/trace.csv: No such file or directory "
                + "(check that its folder exists)")
    }

    /// /dev/full takes the open and refuses every write with ENOSPC: the full disk
    /// reaches the writer as a typed error, and the device node is still a device.
    @Test func aFullDiskIsReportedAndTheDeviceNodeStaysADevice() throws {
        let sink = try FileTraceSink(path: "/dev/full")
        #expect(throws: TraceError(.write, path: "/dev/full", code: ENOSPC)) { try sink.write([1, 2, 3]) }
        let writer = TraceWriter(sink: sink)
        writer.finish()
        let error = try #require(writer.error)
        #expect(error.isDiskFull)
        #expect(error.description.contains("writing the trace file /dev/full failed: No space left on device"))
        var info = stat()
        #expect(stat("/dev/full", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
    }

    /// The trace goes into the file a symlink names; the link stays a link.
    @Test func aSymlinkIsFollowedNotReplaced() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("knead-trace-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let target = folder + "/real.csv", link = folder + "/link.csv"
        try "old contents that must go\n".write(toFile: target, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let sink = try FileTraceSink(path: link)
        try sink.write(Array("new\n".utf8))
        try sink.finish()
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
    }
}

@Suite struct ErrorSummaryTests {
    /// Five frames with known timing and position errors (see each line).
    @Test func errorFiguresOnAKnownInput() {
        let model = Fixtures.gridModel()
        func arrive(_ setpoint: DeviceSetpoint, due: Double, timing: SetpointTiming, at time: Double) {
            model.advance(to: time)
            model.receive(.setpoint(setpoint, due: due, timing: timing), at: time)
        }
        // On time, asks exactly where the roller is (512, 100): 0 s, 0 mm.
        arrive(Fixtures.setpoint(0, x: 0.5005, y: 0.1), due: 0, timing: .onArrival, at: 0)
        // Meant for 10 ms, arrives at 10.4 ms, acted on at the 11 ms tick: 1 ms late;
        // asks 101.6 mm while the roller is at 100 mm: 1.6 mm.
        arrive(Fixtures.setpoint(0, x: 0.5005, y: 0.1016), due: 0.010, timing: .onArrival, at: 0.0104)
        // Scheduled for 0.5 s: on time; asks 101.7 mm, the roller is at 102 mm: 0.3 mm.
        arrive(Fixtures.setpoint(0, x: 0.5005, y: 0.1017), due: 0.5, timing: .scheduled, at: 0.02)
        // Scheduled for 0.6005 s, acted on at the 0.601 tick: 0.5 ms; asks 102 mm: 0 mm.
        arrive(Fixtures.setpoint(0, x: 0.5005, y: 0.102), due: 0.6005, timing: .scheduled, at: 0.02)
        // Meant for 0.698 s, arrives at 0.7 s: 2 ms late; asks 103.2 mm at 102 mm: 1.2 mm.
        arrive(Fixtures.setpoint(0, x: 0.5005, y: 0.1032), due: 0.698, timing: .onArrival, at: 0.7)
        model.advance(to: 1)

        let summary = model.errorSummary
        // Timing, sorted: 0, 0, 0.5, 1, 2 ms → p50 the 3rd (0.5 ms), p99 the 5th.
        #expect(summary.timing == .init(count: 5, p50: 0.0005, p99: 0.002, max: 0.002))
        // Only the 2 ms one is later than a tick.
        #expect(summary.lateFrames == 1)
        // Position, sorted: 0, 0, 0.3, 1.2, 1.6 mm.
        #expect(summary.position == .init(count: 5, p50: 0.3, p99: 1.6, max: 1.6))
        #expect(model.counters.framesApplied == 5)
    }
}
