import Glibc

/// poll(2): waiting for any of several descriptors, with a timeout, so a thread that
/// waits on a device can also be woken (a `WakePipe`) or give up on time.
public enum Poll {
    public struct Events: OptionSet, Sendable, Hashable {
        public let rawValue: Int16
        public init(rawValue: Int16) { self.rawValue = rawValue }

        public static let readable = Events(rawValue: Int16(POLLIN))
        public static let writable = Events(rawValue: Int16(POLLOUT))
        /// Reported whether asked for or not.
        public static let hangUp = Events(rawValue: Int16(POLLHUP))
        public static let error = Events(rawValue: Int16(POLLERR))
        public static let invalid = Events(rawValue: Int16(POLLNVAL))
        /// The other end is gone or the descriptor is no good: polls as ready forever.
        public static let closed: Events = [.hangUp, .error, .invalid]
    }

    /// A descriptor and what to wait for on it. A negative descriptor is skipped (as
    /// poll(2) does) and never ready, so an optional wake pipe can be -1.
    public struct Request: Sendable {
        public var descriptor: Int32
        public var events: Events

        public init(_ descriptor: Int32, _ events: Events) {
            self.descriptor = descriptor
            self.events = events
        }
    }

    public enum Outcome: Equatable, Sendable {
        /// What each request got, in the order asked (empty where nothing happened).
        case ready([Events])
        case timedOut
        /// A signal came first (EINTR).
        case interrupted
        /// poll failed with this errno.
        case failed(Int32)
    }

    /// One poll(2) of `requests` for up to `timeoutMilliseconds` (-1: no limit; 0: look
    /// without waiting). With no requests (or only skipped ones) it is a plain sleep.
    public static func wait(_ requests: [Request], timeoutMilliseconds: Int32) -> Outcome {
        var descriptors = requests.map { pollfd(fd: $0.descriptor, events: $0.events.rawValue, revents: 0) }
        let ready = poll(&descriptors, nfds_t(descriptors.count), timeoutMilliseconds)
        if ready > 0 { return .ready(descriptors.map { Events(rawValue: $0.revents) }) }
        if ready == 0 { return .timedOut }
        let code = errno
        return code == EINTR ? .interrupted : .failed(code)
    }

    /// What `descriptor` got within `timeoutMilliseconds` when waiting for `events`;
    /// empty when nothing came in time (or the wait failed).
    public static func wait(for events: Events, on descriptor: Int32, timeoutMilliseconds: Int32) -> Events {
        guard case let .ready(got) = wait([Request(descriptor, events)], timeoutMilliseconds: timeoutMilliseconds)
        else { return [] }
        return got[0]
    }
}
