import CKneadSystem

/// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID): what work costs when the
/// machine is shared and wall-clock time drowns in other people's load.
public enum CPUTime {
    public static func thisThreadNanoseconds() -> UInt64 {
        knead_thread_cpu_time_ns()
    }

    public static func thisThreadSeconds() -> Double {
        Double(thisThreadNanoseconds()) / 1e9
    }
}
