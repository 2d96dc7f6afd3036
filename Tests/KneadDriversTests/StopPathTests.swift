import KneadSystem
import Foundation
import KneadCore
import KneadEngine
import KneadWire
import Testing
@testable import KneadDrivers

/// Waits (checking every millisecond) until `condition` holds, up to `timeout` seconds,
/// which only guards against a hang.
@discardableResult
func waitFor(timeout: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}

/// Reads the far end of a pseudo-terminal until `done` holds for all that arrived.
func readUntil(_ descriptor: Int32, timeout: Double = 5, _ done: ([UInt8]) -> Bool) -> [UInt8] {
    var arrived: [UInt8] = []
    waitFor(timeout: timeout) {
        arrived += readAll(descriptor)
        return done(arrived)
    }
    return arrived
}

/// A thread the test can start a blocking call on and join.
final class Background: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    init(_ body: @escaping @Sendable () -> Void) {
        Thread { [finished] in
            body()
            finished.signal()
        }.start()
    }

    func join(timeout: Double = 10) -> Bool { finished.wait(timeout: .now() + timeout) == .success }
}

/// The stop path never waits behind a write blocked on a full line (issue 7).
@Suite("Stop while a write is blocked")
struct StopPathTests {
    static let line = Array("L01111I10 V02222I10\n".utf8)

    /// A writer blocked on a full pseudo-terminal (its far end reads nothing, the
    /// writer's timeout is 10 s) is cut short by a stop: the stop's bytes reach the far
    /// end, after a whole prefix of what the OS held for the writer and nothing after
    /// them; the stop returned long before the writer's timeout.
    @Test func aDiscardingStopGetsPastABlockedWriter() throws {
        let device = try PseudoTerminalDevice()
        device.stop()  // nobody reads: the OS fills up
        defer { device.closeMaster() }
        let port = try SerialPort.open(device.slavePath, settings: SerialSettings(writeTimeout: 10))
        defer { port.close() }
        let blob = Array((0..<4000).flatMap { _ in Self.line })
        let outcome = Locked<SerialPort.WriteOutcome?>(nil)
        let writer = Background { outcome.withLock { $0 = try? port.write(blob) } }
        #expect(waitFor { port.writersWaiting == 1 })
        let stopBytes: [UInt8] = [0x00, 0x05, 0x06, 0x07, 0x00]
        let started = ContinuousClock.now
        try port.writeStop(stopBytes, discipline: .discardQueued)
        let took = ContinuousClock.now - started
        #expect(writer.join())
        #expect(outcome.withLock { $0 } == .preemptedByStop)
        let arrived = readUntil(device.master) { $0.suffix(stopBytes.count).elementsEqual(stopBytes) }
        #expect(arrived.suffix(stopBytes.count).elementsEqual(stopBytes))
        #expect(blob.starts(with: arrived.dropLast(stopBytes.count)))
        #expect(arrived.count < blob.count)
        print("stop past a blocked writer (discard): \(took)")
        #expect(took < .seconds(1), "stop took \(took)")
    }

    /// For a line protocol nothing is flushed: the line the writer was cut in is
    /// finished before the stop's bytes, so no cut line is ended by the stop's newline.
    /// What arrives is exactly whole lines of the writer's, then the stop.
    @Test func aLineStopFinishesTheCutLineFirst() throws {
        let device = try PseudoTerminalDevice()
        device.stop()
        defer { device.closeMaster() }
        let port = try SerialPort.open(device.slavePath, settings: SerialSettings(writeTimeout: 10))
        defer { port.close() }
        let blob = Array((0..<4000).flatMap { _ in Self.line })
        let outcome = Locked<SerialPort.WriteOutcome?>(nil)
        let writer = Background { outcome.withLock { $0 = try? port.write(blob) } }
        #expect(waitFor { port.writersWaiting == 1 })
        let stopBytes = Array("DSTOP\nV00000\n".utf8)
        // The OS is full, so the stop waits for room: the far end reads once the
        // writer has given up (so the writer cannot finish by the reading alone).
        let stopper = Background { try? port.writeStop(stopBytes, discipline: .finishLine) }
        #expect(writer.join())
        let arrived = readUntil(device.master) { $0.suffix(stopBytes.count).elementsEqual(stopBytes) }
        #expect(stopper.join())
        #expect(outcome.withLock { $0 } == .preemptedByStop)
        let before = Array(arrived.dropLast(stopBytes.count))
        #expect(arrived.suffix(stopBytes.count).elementsEqual(stopBytes))
        #expect(before.count % Self.line.count == 0, "a cut line: \(before.count) bytes")
        #expect(before == Array(blob.prefix(before.count)))
        #expect(before.count < blob.count)
    }

    /// The TCode driver over a slow line (1200 baud: a line takes a third of a second):
    /// the first line goes out, the second waits for its turn on the line, and a stop
    /// meanwhile goes out at once, after the first line; the second never does.
    @Test func aTCodeStopDoesNotWaitForThePacedLine() throws {
        let device = try PseudoTerminalDevice()
        defer { device.closeMaster() }
        let driver = try TCodeDriver(profile: tcodeProfile(axes: [.intensity: "V0", .y: "L0"], baud: 1200),
                                     path: device.slavePath, options: quickConnect())
        _ = try driver.open()
        defer { driver.close() }
        #expect(device.waitUntil { $0 == Array("\nD1\n".utf8) })
        try driver.send(ChannelValues(intensity: 0.5, y: 0.25), at: 0)
        let second = Background { try? driver.send(ChannelValues(intensity: 0.9, y: 0.75), at: 0.01) }
        let port = try #require(driver.port)
        #expect(waitFor { port.writersWaiting == 1 })
        let started = ContinuousClock.now
        try driver.stop()
        let took = ContinuousClock.now - started
        #expect(second.join())
        let expected = "\nD1\nL02500 V05000\nDSTOP\nV00000\n"
        #expect(device.waitUntil { $0.count >= expected.utf8.count })
        #expect(device.text == expected)
        print("tcode stop behind a paced line: \(took)")
        #expect(took < .milliseconds(200), "stop took \(took)")
    }

    /// The KWP driver's reader and engine never hold the session's lock across a
    /// write: with the device no longer reading, stop returns at once, and what is on
    /// the line makes the device stop (a 0x00 ends any frame cut short, then STOP).
    @Test func aKWPStopGoesOutWhileTheDeviceDoesNotRead() throws {
        let device = try KWPTestDevice()
        defer { device.finish() }
        let driver = try KWPDriver(profile: kwpProfile(), path: device.path)
        _ = try driver.open()
        defer { driver.close() }
        device.terminal.stop()  // the device stops reading
        let started = ContinuousClock.now
        try driver.stop()
        let took = ContinuousClock.now - started
        #expect(waitFor {
            device.feed(readAll(device.terminal.master))
            return device.inspect { $0.statistics.stops } == 1
        })
        print("kwp stop with a device that does not read: \(took)")
        #expect(took < .milliseconds(200), "stop took \(took)")
    }
}
