import KneadEngine
import KneadSystem
import Synchronization

/// What a port's reader thread tells its driver. Called on the reader thread only.
protocol PortReaderDelegate: AnyObject, Sendable {
    /// Bytes arrived at `now` (monotonic nanoseconds).
    func portReceived(_ bytes: ArraySlice<UInt8>, at now: UInt64)
    /// After every wakeup (bytes or not): the driver's timers run here. Returns the
    /// longest the reader may sleep before calling again, nanoseconds.
    func portTick(at now: UInt64) -> UInt64
    /// The port hung up or failed; the reader has stopped.
    func portFailed(_ error: BackendError)
}

/// A thread that waits on a port with poll and hands what arrives to its driver, so
/// nothing the engine calls ever waits for the device to speak. It ends when the port
/// fails (telling the driver) or when `stop` is called.
final class PortReader: @unchecked Sendable {
    private let port: SerialPort
    private weak var delegate: (any PortReaderDelegate)?
    /// A thread of its own, never one of the cooperative pool (it blocks in poll); joined
    /// by `stop`, so the port is closed only after the reader is gone.
    private var thread: NativeThread?
    private let wake: WakePipe
    private let stopping = Atomic<Bool>(false)
    private var running = false

    init?(port: SerialPort, delegate: any PortReaderDelegate) {
        guard let wake = WakePipe() else { return nil }
        self.port = port
        self.delegate = delegate
        self.wake = wake
    }

    func start() -> Bool {
        thread = NativeThread.start { [self] in loop() }
        running = thread != nil
        return running
    }

    /// Ends the thread and waits for it (not from the reader thread itself).
    func stop() {
        guard running else { return }
        running = false
        stopping.store(true, ordering: .releasing)
        wake.wake()
        thread?.join()
        thread = nil
    }

    /// SCHED_FIFO priority of the reader, just under the engine's (50): it answers the
    /// device (acknowledgements, retransmissions, heartbeats) and the engine waits on
    /// its lock, so a busy machine must not keep it waiting. Falls back quietly to
    /// normal scheduling where not permitted. It sleeps in poll between reads.
    static let fifoPriority: Int32 = 45

    private func loop() {
        _ = RealtimeScheduling.setFIFO(priority: Self.fifoPriority)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !stopping.load(ordering: .acquiring) {
            guard let delegate else { return }
            let timeout = delegate.portTick(at: MonotonicTime.nanoseconds())
            switch port.waitForInput(timeout: max(timeout, 500_000), wakeDescriptor: wake.readEnd) {
            case .readable:
                do {
                    let count = try port.read(into: &buffer)
                    if count > 0 { delegate.portReceived(buffer[0..<count], at: MonotonicTime.nanoseconds()) }
                } catch {
                    if !stopping.load(ordering: .acquiring) { delegate.portFailed(error) }
                    return
                }
            case .woken:
                wake.drain()
            case .timedOut:
                break
            }
        }
    }
}
