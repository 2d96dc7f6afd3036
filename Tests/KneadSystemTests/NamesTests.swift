import Glibc
import KneadSystem
import Testing

@Suite("Errno values, signals and the environment")
struct NamesTests {
    @Test func errnoValuesAreTheSystemsAndNamedAsItNamesThem() {
        #expect(Errno.EBUSY == EBUSY && Errno.name(Errno.EBUSY) == "EBUSY")
        #expect(Errno.ENODEV == ENODEV && Errno.name(Errno.ENODEV) == "ENODEV")
        #expect(Errno.EIO == EIO && Errno.EINTR == EINTR && Errno.EAGAIN == EAGAIN)
        #expect(Errno.ENOSPC == ENOSPC && Errno.EDQUOT == EDQUOT && Errno.EROFS == EROFS)
        #expect(Errno.text(Errno.ENOSPC) == "No space left on device")
    }

    @Test func signalsAreNamedAsAPersonSearchesForThem() {
        #expect(Signals.interrupt == SIGINT && Signals.name(Signals.interrupt) == "SIGINT")
        #expect(Signals.name(Signals.terminate) == "SIGTERM")
        #expect(Signals.name(Signals.hangUp) == "SIGHUP")
        #expect(Signals.name(Signals.quit) == "SIGQUIT")
        #expect(Signals.name(Signals.brokenPipe) == "SIGPIPE")
        #expect(Signals.name(SIGUSR1) == "signal \(SIGUSR1)")
    }

    @Test func theEnvironmentIsReadAndSet() {
        let name = "KNEAD_SYSTEM_TEST_\(getpid())"
        #expect(ProcessImage.environment(name) == nil)
        #expect(ProcessImage.setEnvironment(name, to: "interactive=no"))
        #expect(ProcessImage.environment(name) == "interactive=no")
        #expect(!ProcessImage.setEnvironment("", to: "x"))  // EINVAL: no name
        unsetenv(name)
    }
}
