import Foundation
import KneadEngine
import KneadSystem

/// Opens a backend on a thread of its own, so that a stop while the device is being
/// identified (up to a driver's timeout) is acted on at once instead of after it.
enum DeviceOpening {
    enum Result: Sendable {
        case opened(DeviceIdentity)
        case failed(BackendError)
        /// A stop came first: the device was sent its stop; the open thread closes it.
        case stopped
    }

    /// How often the wait looks for the open's end or a stop: short enough that a stop
    /// during identification is acted on at once as a person sees it.
    static let pollInterval: UInt32 = 5_000

    static func open(_ backend: any Backend, stopper: PlayStopper) -> Result {
        let box = OpeningBox()
        let thread = Thread {
            let result: Result
            do throws(BackendError) { result = .opened(try backend.open()) } catch { result = .failed(error) }
            if !box.deliver(result) { backend.close() }   // abandoned: nobody else will
        }
        thread.name = "knead-open"
        thread.start()
        while true {
            if let result = box.result { return result }
            if stopper.isRequested, box.abandon() {
                try? backend.stop()
                return .stopped
            }
            ThreadPause.sleep(microseconds: pollInterval)
        }
    }
}

/// The open's result between its thread and the waiting one: delivered or abandoned,
/// whichever comes first.
private final class OpeningBox: Sendable {
    private enum State { case waiting, delivered(DeviceOpening.Result), abandoned }
    private let state = Locked<State>(.waiting)

    var result: DeviceOpening.Result? {
        state.withLock { if case let .delivered(result) = $0 { return result } else { return nil } }
    }

    /// False when the waiter has abandoned the open (the caller then owns the close).
    func deliver(_ result: DeviceOpening.Result) -> Bool {
        state.withLock { state in
            guard case .waiting = state else { return false }
            state = .delivered(result)
            return true
        }
    }

    func abandon() -> Bool {
        state.withLock { state in
            guard case .waiting = state else { return false }
            state = .abandoned
            return true
        }
    }
}
