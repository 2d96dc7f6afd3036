import Glibc

/// This process's environment and program image.
public enum ProcessImage {
    /// An environment variable's value; nil where it is not set.
    public static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Sets an environment variable (overwriting); false where the system refused.
    @discardableResult
    public static func setEnvironment(_ name: String, to value: String) -> Bool {
        setenv(name, value, 1) == 0
    }

    /// Starts this program again in this process, with the same arguments and the
    /// environment as it is now (execv of /proc/self/exe). Returns only where that
    /// failed (no /proc).
    public static func restart() {
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
