import KneadSystem
import KneadCore
import Synchronization

/// A live control, for `Player.schedule(_:at:)`.
public enum PlayerAction: Sendable, Equatable {
    case pause
    case resume
    case setCap(Level)
    case adjustCap(Level)
    case stop(StopRequest)
}

/// Actions waiting for their session time. Filled before the play starts; taken in
/// time order by the engine's thread, which looks only at the next one's time per frame.
final class ScheduledControls: Sendable {
    private struct Entry: Sendable {
        var time: Double
        var action: PlayerAction
    }
    private let entries = Locked<[Entry]>([])
    /// The next entry's time, readable without the lock (infinity: none left).
    private let nextTime = Atomic<UInt64>(Double.infinity.bitPattern)

    func add(_ action: PlayerAction, at time: Double) {
        entries.withLock { entries in
            let index = entries.firstIndex { $0.time > time } ?? entries.endIndex
            entries.insert(Entry(time: time, action: action), at: index)
            nextTime.store(entries[0].time.bitPattern, ordering: .releasing)
        }
    }

    /// The actions due at `time`, in order; empty (and lock-free) when none is.
    func due(at time: Double) -> [PlayerAction] {
        guard Double(bitPattern: nextTime.load(ordering: .acquiring)) <= time else { return [] }
        return entries.withLock { entries in
            var due: [PlayerAction] = []
            while let first = entries.first, first.time <= time {
                due.append(first.action)
                entries.removeFirst()
            }
            nextTime.store((entries.first?.time ?? .infinity).bitPattern, ordering: .releasing)
            return due
        }
    }
}

/// The play's frames, with the scheduled controls applied before each frame is taken:
/// an action at session second t acts on the first frame at or after t.
struct ControlledFrames<Base: IteratorProtocol>: IteratorProtocol where Base.Element == SafeFrame {
    var base: Base
    let controls: ScheduledControls
    unowned let player: Player
    /// Session time of the frame taken last (the next one is one period later).
    private var lastTime = 0.0
    private let period: Double

    init(base: Base, controls: ScheduledControls, player: Player) {
        self.base = base
        self.controls = controls
        self.player = player
        period = 1 / player.settings.rate
    }

    /// Session time of the first frame taken after a stop was asked for.
    private var stopSeenAt: Double?

    mutating func next() -> SafeFrame? {
        for action in controls.due(at: lastTime + period * 0.5) { player.apply(action) }
        if stopSeenAt == nil, player.envelope.isStopRequested { stopSeenAt = lastTime + period }
        guard let frame = base.next() else {
            if let stopSeenAt { player.rampTime.store(max(0, lastTime - stopSeenAt)) }
            return nil
        }
        lastTime = frame.time
        return frame
    }
}
