import CKneadSystem
import Glibc

/// The process's resident memory as Linux reports it in /proc/self.
public enum ProcessMemory {
    /// Peak resident set size (VmHWM), bytes; nil where /proc cannot be read.
    public static func peakResidentBytes() -> Int? {
        let bytes = knead_peak_rss_bytes()
        return bytes >= 0 ? Int(bytes) : nil
    }

    /// Lowers the peak mark to what is resident now ("5" to /proc/self/clear_refs), so a
    /// second measurement is not hidden under the first one's high-water mark. False
    /// where the kernel does not allow it.
    public static func resetPeak() -> Bool {
        let descriptor = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var command: UInt8 = UInt8(ascii: "5")
        return write(descriptor, &command, 1) == 1
    }
}
