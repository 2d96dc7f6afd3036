import Foundation
import KneadCore
import Testing
@testable import KneadSimulator

/// The model skips quiet stretches and acts on what is due when it is read; neither
/// may change what it does. The same inputs give the same trace, byte for byte,
/// however the model is advanced and read.
@Suite struct DeterminismTests {
    typealias Input = (time: Double, command: DeviceCommand)

    /// Frames, a lead burst, a stop, a silence long enough for the watchdog, a stall.
    static let inputs: [Input] = {
        var inputs: [Input] = []
        for index in 0...150 {
            let time = Double(index) / 100
            inputs.append((time, .setpoint(Fixtures.setpoint(index < 100 ? 0.6 : 0.3, x: 0.5005, y: 0.1 + Double(index % 50) / 500,
                                                             pressure: 0.4, heat: 0.5), due: time, timing: .onArrival)))
        }
        for index in 0..<20 {
            let due = 2.0 + Double(index) * 0.0125
            inputs.append((1.9, .setpoint(Fixtures.setpoint(0.8, y: 0.3), due: due, timing: .scheduled)))
        }
        inputs.append((2.4, .heartbeat))
        inputs.append((2.6, .stop))
        inputs.append((3.0, .setpoint(Fixtures.setpoint(0.5, y: 0.2), due: 3.0, timing: .onArrival)))
        inputs.append((3.1, .setpoint(Fixtures.setpoint(0.5, y: 0.2), due: 3.1, timing: .onArrival)))
        // Silence from 3.1 s: the watchdog fires at 3.35 s.
        inputs.append((4.52, .setpoint(Fixtures.setpoint(0.9, y: 0.25), due: 4.52, timing: .onArrival)))
        return inputs
    }()

    func run(readEveryTick: Bool, traceInterval: Double?) -> (trace: String, counters: DeviceCounters,
                                                               errors: DeviceErrorSummary, state: DeviceState) {
        let sink = MemoryTraceSink()
        let model = Fixtures.gridModel {
            $0.watchdogPeriod = nil
            $0.stalls = [.init(at: 4.5, duration: 0.05)]
        }
        model.attachTrace(TraceWriter(sink: sink), interval: traceInterval)
        for input in Self.inputs {
            if readEveryTick {
                while model.time < input.time - 1e-9 {
                    model.advance(to: model.time + 0.001)
                    _ = model.state
                }
            }
            model.advance(to: input.time)
            model.receive(input.command, at: input.time)
        }
        model.advance(to: 6)
        let result = (model.counters, model.errorSummary, model.state)
        model.finishTrace()
        return (sink.text, result.0, result.1, result.2)
    }

    @Test func advancingInOneGoOrTickByTickGivesTheSameTrace() {
        for interval in [nil, 0.01] as [Double?] {
            let skipping = run(readEveryTick: false, traceInterval: interval)
            let stepping = run(readEveryTick: true, traceInterval: interval)
            #expect(skipping.trace == stepping.trace)
            #expect(skipping.counters == stepping.counters)
            #expect(skipping.errors == stepping.errors)
            #expect(skipping.state == stepping.state)
        }
        let run = run(readEveryTick: false, traceInterval: nil)
        // Silences: 1.5 → 1.9 s, 1.9 → 2.4 s (the lead frames play, but contact is what
        // counts), 3.1 → 4.52 s, and after the last frame (acted on at 4.55 s, after the stall).
        let watchdogTimes = run.trace.split(separator: "\n").filter { $0.hasSuffix(",watchdog") }.map { $0.prefix(5) }
        #expect(watchdogTimes == ["1.750", "2.150", "3.350", "4.800"])
        #expect(run.counters.stops == 1)
        #expect(run.trace.contains("\n4.500,") && run.trace.contains(",stall\n"))
    }
}
