import CKneadSystem
import Glibc

/// The process's resident memory as Linux reports it in /proc/self.
public enum ProcessMemory {
    /// Peak resident set size (VmHWM), bytes; nil where /proc cannot be read.
    public static func peakResidentBytes() -> Int? {
        let bytes = knead_peak_rss_bytes()
        return bytes >= 0 ? Int(bytes) : nil
    }

    /// Resident set size now (the second field of /proc/self/statm, in pages), bytes;
    /// nil where /proc cannot be read.
    public static func residentBytes() -> Int? {
        let descriptor = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = read(descriptor, &buffer, buffer.count)
        guard count > 0 else { return nil }
        let fields = buffer[0..<count].split(separator: UInt8(ascii: " "))
        guard fields.count >= 2, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
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
