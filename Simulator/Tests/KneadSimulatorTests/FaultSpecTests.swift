import KneadCore
import KneadEngine
import Testing
@testable import KneadSimulator

@Suite struct FaultSpecTests {
    @Test func parsesEveryKindOfFault() throws {
        let faults = try SimulatorFaults(spec: "latency=5ms, drop=every:10,corrupt=2%,noise=0.5%,stall=3s+200ms,"
                                         + "stall=4s+0.1s,hangup=10s,mute,seed=42")
        #expect(faults == SimulatorFaults(latency: 0.005, drop: .everyNth(10), corrupt: .probability(0.02),
                                          byteCorruption: 0.005,
                                          stalls: [.init(at: 3, duration: 0.2), .init(at: 4, duration: 0.1)],
                                          disconnectAt: 10, mute: true, seed: 42))
        #expect(try SimulatorFaults(spec: "") == .none)
    }

    /// The served port's faults for the fault matrix (docs/reliability.md).
    @Test func parsesTheServedPortsFaults() throws {
        let faults = try SimulatorFaults(spec: "mute=2s,drift=-1%,identify=garbage,hangup=stop")
        #expect(faults.mute && faults.muteAfter == 2 && faults.clockDrift == -0.01)
        #expect(faults.identify == .garbage && faults.hangUpOnStop && faults.disconnectAt == nil)
        let served = ServeFaults(faults)
        #expect(served.description == "hangup=stop,mute=2s,drift=-1%,identify=garbage")
        #expect(try ServeFaults.parse(served.description) == served, "the description reads back")
        #expect(!served.isMuted(at: nil) && !served.isMuted(at: 1.9) && served.isMuted(at: 2))
        #expect(ServeFaults(mute: true).isMuted(at: nil), "plain mute holds from the start")
        #expect(throws: SimulatorFaults.SpecError(item: "drift=20%", problem: "a clock drift is between -10% and 10%")) {
            try SimulatorFaults(spec: "drift=20%")
        }
        #expect(throws: SimulatorFaults.SpecError(item: "identify=rude", problem: "identify is garbage, slow or flood")) {
            try SimulatorFaults(spec: "identify=rude")
        }
        #expect(throws: SimulatorFaults.SpecError(item: "mute=2s", problem: "mute is given twice: give each fault once")) {
            try SimulatorFaults(spec: "mute,mute=2s")
        }
    }

    @Test func badSpecsSayWhichItemAndWhy() {
        #expect(throws: SimulatorFaults.SpecError(item: "drop=150%", problem: "a probability is between 0% and 100%")) {
            try SimulatorFaults(spec: "latency=1ms,drop=150%")
        }
        #expect(throws: SimulatorFaults.SpecError(item: "stall=3s", problem: "a stall is START+DURATION, for example 3s+200ms")) {
            try SimulatorFaults(spec: "stall=3s")
        }
        #expect(throws: SimulatorFaults.SpecError(item: "wobble=1", problem: "unknown fault \"wobble\"")) {
            try SimulatorFaults(spec: "wobble=1")
        }
        #expect(throws: SimulatorFaults.SpecError(item: "latency=-1s", problem: "\"-1s\" is not a duration (write 200ms or 1.5s)")) {
            try SimulatorFaults(spec: "latency=-1s")
        }
    }

    /// `latency=5` was five seconds to the parser and five milliseconds to most readers.
    @Test func aDurationWithoutAUnitIsRefused() throws {
        #expect(throws: SimulatorFaults.SpecError(item: "latency=5", problem: "\"5\" needs a unit: write 5ms or 5s")) {
            try SimulatorFaults(spec: "latency=5")
        }
        #expect(throws: SimulatorFaults.SpecError(item: "stall=3+200ms", problem: "\"3\" needs a unit: write 3ms or 3s")) {
            try SimulatorFaults(spec: "stall=3+200ms")
        }
        #expect(try SimulatorFaults(spec: "latency=0.5s").latency == 0.5)
        #expect(try SimulatorFaults(spec: "latency=5ms").latency == 0.005)
    }

    @Test func aRepeatedFaultIsAnErrorNotLastWins() {
        #expect(throws: SimulatorFaults.SpecError(item: "drop=2%", problem: "drop is given twice: give each fault once")) {
            try SimulatorFaults(spec: "drop=1%,drop=2%")
        }
        #expect(throws: SimulatorFaults.SpecError(item: "disconnect=2s", problem: "hangup is given twice: give each fault once")) {
            try SimulatorFaults(spec: "hangup=1s,disconnect=2s")
        }
        #expect(throws: SimulatorFaults.SpecError(item: "mute", problem: "mute is given twice")) {
            try SimulatorFaults(spec: "mute,mute")
        }
        // Stalls add windows: repeating them is how several are written.
        #expect(throws: Never.self) { try SimulatorFaults(spec: "stall=1s+1ms,stall=2s+1ms") }
    }

    /// play and sim read one spec with one meaning: the device sends nothing back.
    @Test func muteMeansTheSameForPlayAndSim() throws {
        let faults = try SimulatorFaults(spec: "mute")
        #expect(faults.mute)
        #expect(try ServeFaults.parse("mute") == ServeFaults(faults))
        #expect(ServeFaults(faults).mute)

        // In process: identifying is an answer, so open fails as over a port.
        let clock = VirtualClock()
        let backend = SimulatorBackend(profile: .chair, configuration: .init(faults: faults), clock: clock)
        #expect(throws: BackendError.protocolError("the simulated device did not answer identify (fault injection: mute)")) {
            try backend.open()
        }
    }
}
