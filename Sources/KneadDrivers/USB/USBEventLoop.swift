import CLibUSB
import KneadSystem
import Synchronization

/// The one thread that runs libusb's event handling for a link: transfer callbacks,
/// timeouts and hotplug all run here, never on the engine's thread. Between events
/// it calls `tick`, which returns how long it may wait before calling again.
final class USBEventLoop: @unchecked Sendable {
    private let context: LibUSBContext
    private let tick: @Sendable (UInt64) -> UInt64
    private var thread: NativeThread?
    private let stopping = Atomic<Bool>(false)

    /// SCHED_FIFO priority just under the engine's (50), as the serial reader's: it
    /// completes and resubmits transfers the engine's frames wait for.
    static let fifoPriority: Int32 = 45

    init(context: LibUSBContext, tick: @escaping @Sendable (UInt64) -> UInt64) {
        self.context = context
        self.tick = tick
    }

    func start() -> Bool {
        thread = NativeThread.start { [self] in loop() }
        return thread != nil
    }

    /// Ends the thread and waits for it (never from the thread itself).
    func stop() {
        guard let thread else { return }
        self.thread = nil
        stopping.store(true, ordering: .releasing)
        libusb_interrupt_event_handler(context.pointer)
        thread.join()
    }

    private func loop() {
        _ = RealtimeScheduling.setFIFO(priority: Self.fifoPriority)
        while !stopping.load(ordering: .acquiring) {
            let wait = min(max(tick(MonotonicTime.nanoseconds()), 200_000), 50_000_000)
            var timeout = timeval(tv_sec: 0, tv_usec: Int(wait / 1_000))
            _ = libusb_handle_events_timeout_completed(context.pointer, &timeout, nil)
        }
    }
}
