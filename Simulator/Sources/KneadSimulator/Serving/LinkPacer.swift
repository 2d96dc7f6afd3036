/// One direction of a serial line's timing. At `baud` with 8N1 framing a byte is ten
/// bits on the wire (start, eight data, stop), so it takes `10 / baud` seconds to
/// cross: 86.8 µs at 115200. A pseudo-terminal moves bytes at once; the pacer holds
/// them back until they would have crossed a real line, one after another.
///
/// Bytes go in when the sender hands them over (`enqueue`, with the time they were
/// seen) and come out, in order, once their last bit has arrived (`release`). A byte
/// never starts crossing before it was seen, nor before the byte ahead of it has
/// crossed. Unpaced (`baud` nil), bytes come out as they went in.
///
/// Pure: the caller supplies every time, so the timing is exactly testable.
public struct LinkPacer: Sendable {
    /// Seconds one byte takes on the wire; 0 unpaced.
    public let byteTime: Double
    private var bytes: [UInt8] = []
    private var head = 0
    /// Where each run of bytes seen at one instant starts in `bytes`, and when it was seen.
    private var runs: [(start: Int, seen: Double)] = []
    private var runHead = 0
    /// When the line finishes the last byte released.
    public private(set) var busyUntil = -Double.infinity
    public private(set) var bytesReleased = 0

    /// Bits per byte on the wire with 8N1 framing.
    public static let bitsPerByte = 10.0

    public init(baud: Int?) {
        if let baud, baud > 0 {
            byteTime = Self.bitsPerByte / Double(baud)
        } else {
            byteTime = 0
        }
    }

    public var isPaced: Bool { byteTime > 0 }
    /// Bytes handed over and not yet across.
    public var pendingCount: Int { bytes.count - head }

    /// The sender hands `newBytes` to the line at `time` (times must not go back).
    public mutating func enqueue(_ newBytes: some Collection<UInt8>, seenAt time: Double) {
        guard !newBytes.isEmpty else { return }
        compact()
        if let last = runs.last, runHead < runs.count, last.seen == time {
            // Same instant: part of the run already waiting.
        } else {
            runs.append((bytes.count, time))
        }
        bytes.append(contentsOf: newBytes)
    }

    /// The bytes whose last bit has arrived by `now`, and the time the last of them did
    /// (nil when none has).
    public mutating func release(upTo now: Double) -> (bytes: ArraySlice<UInt8>, arrival: Double)? {
        let begin = head
        var arrival = -Double.infinity
        while runHead < runs.count {
            let run = runs[runHead]
            let runEnd = runHead + 1 < runs.count ? runs[runHead + 1].start : bytes.count
            let waiting = runEnd - head
            if waiting <= 0 {
                runHead += 1
                continue
            }
            guard isPaced else {
                guard run.seen <= now else { break }
                head = runEnd
                arrival = Swift.max(arrival, run.seen)
                busyUntil = Swift.max(busyUntil, run.seen)
                runHead += 1
                continue
            }
            let start = Swift.max(busyUntil, run.seen)
            // Whole bytes that have crossed since `start`; a hair of tolerance so that a
            // byte due exactly now is not left for the next call by rounding.
            let crossed = Int(((now - start) / byteTime + 1e-9).rounded(.down))
            let taken = Swift.min(waiting, Swift.max(0, crossed))
            guard taken > 0 else { break }
            head += taken
            busyUntil = start + Double(taken) * byteTime
            arrival = busyUntil
            if taken < waiting { break }
            runHead += 1
        }
        guard head > begin else { return nil }
        bytesReleased += head - begin
        return (bytes[begin..<head], arrival)
    }

    /// When the next waiting byte will have crossed; nil when nothing waits.
    public var nextArrival: Double? {
        guard head < bytes.count, runHead < runs.count else { return nil }
        guard isPaced else { return runs[runHead].seen }
        return Swift.max(busyUntil, runs[runHead].seen) + byteTime
    }

    /// When the last byte waiting will have crossed; nil when nothing waits.
    public var lastArrival: Double? {
        guard head < bytes.count else { return nil }
        var time = busyUntil
        var index = runHead
        while index < runs.count {
            let start = Swift.max(runs[index].start, head)
            let end = index + 1 < runs.count ? runs[index + 1].start : bytes.count
            if end > start { time = Swift.max(time, runs[index].seen) + Double(end - start) * byteTime }
            index += 1
        }
        return time
    }

    /// Forgets everything waiting (the line was flushed or hung up).
    public mutating func discard() {
        bytes.removeAll(keepingCapacity: true)
        runs.removeAll(keepingCapacity: true)
        head = 0
        runHead = 0
    }

    /// Drops what was released, so the storage does not grow with a long session.
    private mutating func compact() {
        guard head > 0, head >= 4096 || head == bytes.count else { return }
        bytes.removeFirst(head)
        var kept: [(start: Int, seen: Double)] = []
        kept.reserveCapacity(runs.count - runHead)
        for run in runs[runHead...] { kept.append((Swift.max(0, run.start - head), run.seen)) }
        runs = kept
        runHead = 0
        head = 0
    }
}
