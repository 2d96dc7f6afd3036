import Glibc
import KneadSystem
import Testing

@Suite("Files, links and folders")
struct FileSystemTests {
    /// A new empty folder under /tmp, unique to the test; removed by `removeFolder`.
    private func makeFolder(_ name: String) throws -> String {
        var template = Array("/tmp/knead-\(name)-XXXXXX".utf8CString)
        let made = try #require(mkdtemp(&template))
        return String(cString: made)
    }

    private func removeFolder(_ folder: String) {
        for name in FileSystem.names(in: folder) where name != "." && name != ".." {
            FileSystem.remove(folder + "/" + name)
        }
        rmdir(folder)
    }

    private func writeFile(_ path: String, _ text: String) throws {
        let descriptor = try FileOutput.create(path)
        try FileOutput.writeAll(descriptor, text)
        try FileOutput.finish(descriptor)
    }

    /// A named pipe nobody reads once made `render -o` and `--trace` wait for ever: the
    /// open fails at once and says why; with a reader, the bytes go through.
    @Test func creatingANamedPipeNobodyReadsFailsAtOnce() throws {
        let folder = try makeFolder("fifo")
        defer { removeFolder(folder) }
        let path = folder + "/pipe"
        #expect(mkfifo(path, 0o600) == 0)
        #expect(throws: FileOutput.Failure(code: Errno.ENXIO)) { _ = try FileOutput.create(path) }
        #expect(FileOutput.Failure(code: Errno.ENXIO).reason == "it is a named pipe that no process reads")

        let reader = open(path, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        let writer = try FileOutput.create(path)
        try FileOutput.writeAll(writer, "row\n")
        try FileOutput.finish(writer)
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(read(reader, &buffer, buffer.count) == 4)
        #expect(Array(buffer.prefix(4)) == Array("row\n".utf8))
    }

    /// A new folder holding the file `name` (with `text`) and a symlink `link` to it.
    private func makeFolder(_ prefix: String, holding name: String, _ text: String,
                            link: String) throws -> (folder: String, file: String) {
        let folder = try makeFolder(prefix)
        try writeFile(folder + "/" + name, text)
        try FileSystem.makeSymbolicLink(at: folder + "/" + link, to: folder + "/" + name)
        return (folder, folder + "/" + name)
    }

    @Test func statusTellsKindsAndSameFilesApart() throws {
        let (folder, file) = try makeFolder("status", holding: "pattern.yaml", "steps: []\n", link: "link")
        defer { removeFolder(folder) }
        #expect(link(file, folder + "/hard") == 0)
        #expect(mkfifo(folder + "/fifo", 0o600) == 0)

        #expect(FileStatus(path: file)?.kind == .regularFile)
        #expect(FileStatus(path: folder)?.kind == .directory)
        #expect(FileStatus(path: folder + "/fifo")?.kind == .namedPipe)
        #expect(FileStatus(path: "/dev/null")?.kind == .characterDevice)
        #expect(FileStatus(path: folder + "/link")?.kind == .regularFile)
        #expect(FileStatus(linkAt: folder + "/link")?.kind == .symbolicLink)
        #expect(FileStatus(path: folder + "/missing") == nil)

        #expect(FileStatus.sameFile(folder + "/link", file))
        #expect(FileStatus.sameFile(folder + "/hard", file))
        #expect(FileStatus.sameFile(folder + "/./pattern.yaml", file))
        #expect(!FileStatus.sameFile(folder + "/fifo", file))
        #expect(!FileStatus.sameFile(folder + "/missing", file))

        let null = open("/dev/null", O_RDONLY)
        defer { close(null) }
        let opened = try #require(FileStatus(descriptor: null))
        #expect(opened == FileStatus(path: "/dev/null"))
        #expect(opened.representedDevice != 0)
    }

    @Test func linksResolveRenameAndGo() throws {
        let (folder, file) = try makeFolder("links", holding: "target", "x", link: "a")
        defer { removeFolder(folder) }
        #expect(FileSystem.linkTarget(folder + "/a") == file)
        #expect(FileSystem.linkTarget(file) == nil)
        #expect(FileSystem.resolvedPath(folder + "/a") == FileSystem.resolvedPath(file))
        #expect(FileSystem.resolvedPath(folder + "/nothing") == nil)
        #expect(throws: FileOutput.Failure(code: EEXIST)) {
            try FileSystem.makeSymbolicLink(at: folder + "/a", to: file)
        }
        try FileSystem.rename(folder + "/a", to: folder + "/b")
        #expect(FileSystem.linkTarget(folder + "/a") == nil)
        #expect(FileSystem.linkTarget(folder + "/b") == file)
        #expect(throws: FileOutput.Failure(code: ENOENT)) { try FileSystem.rename(folder + "/a", to: folder + "/c") }
        FileSystem.remove(folder + "/b")
        #expect(FileStatus(linkAt: folder + "/b") == nil)
        #expect(FileStatus(path: file) != nil)  // the link went, not what it led to
        #expect(Set(FileSystem.names(in: folder)) == [".", "..", "target"])
        #expect(FileSystem.names(in: folder + "/nothing").isEmpty)
        #expect(FileSystem.processID == getpid())
    }

    @Test func theFirstLineOfAFileIsReadWithItsNewline() throws {
        let folder = try makeFolder("line")
        defer { removeFolder(folder) }
        try writeFile(folder + "/active", "ttyS0 tty0\nsecond\n")
        #expect(FileSystem.firstLine(of: folder + "/active") == "ttyS0 tty0\n")
        #expect(FileSystem.firstLine(of: folder + "/active", limit: 4) == "tty")
        #expect(FileSystem.firstLine(of: folder + "/missing") == nil)
        #expect(cString([0x61, 0x62, 0, 0x63] as [CChar]) == "ab")
    }

    @Test func anOpenWatchSeesOpensAndClosesAfterItBegan() throws {
        let folder = try makeFolder("watch")
        defer { removeFolder(folder) }
        let file = folder + "/port"
        try writeFile(file, "")
        let watch = OpenWatch(path: file)
        try #require(watch.descriptor >= 0)
        #expect(watch.events().isEmpty)
        let descriptor = open(file, O_RDONLY)
        try #require(descriptor >= 0)
        close(descriptor)
        #expect(Poll.wait(for: .readable, on: watch.descriptor, timeoutMilliseconds: 5_000).contains(.readable))
        #expect(watch.events() == [.opened, .closed])
        #expect(OpenWatch(path: folder + "/missing").descriptor == -1)
    }

    @Test func textIsWrittenWholeAndAFinishSaysWhetherItLanded() throws {
        let folder = try makeFolder("text")
        defer { removeFolder(folder) }
        let path = folder + "/out.txt"
        try writeFile(path, "héllo\n")
        #expect(FileSystem.firstLine(of: path) == "héllo\n")
        #expect(throws: FileOutput.Failure(code: ENOSPC)) {
            let full = open("/dev/full", O_WRONLY)
            defer { close(full) }
            try FileOutput.writeAll(full, "x")
        }
        #expect(throws: FileOutput.Failure(code: EBADF)) { try FileOutput.finish(9_999) }
    }
}
