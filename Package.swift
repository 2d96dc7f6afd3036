// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "knead",
    platforms: [.macOS(.v15)],  // Synchronization.Atomic (the envelope's live controls)
    products: [
        .executable(name: "knead", targets: ["knead"]),
        .library(name: "KneadCore", targets: ["KneadCore"]),
        .library(name: "KneadWire", targets: ["KneadWire"]),
        .library(name: "KneadPlayer", targets: ["KneadPlayer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // Pure model: frames, anatomy, techniques, compiler, safety envelope. No dependencies.
        .target(name: "KneadCore"),
        // Pattern and profile files (YAML/JSON) to the model, with file:line:col diagnostics.
        .target(name: "KneadPatternFile", dependencies: [
            "KneadCore", "KneadSystem", .product(name: "Yams", package: "Yams"),
        ]),
        // Protocol codecs, pure. The device side uses no Foundation (Embedded Swift).
        .target(name: "KneadWire"),
        // Tiny C shim for what Swift cannot call (prctl is variadic).
        .target(name: "CKneadSystem"),
        // The system layer: clocks, CPU time, memory, threads, pipes, poll, descriptors,
        // terminals and pseudo-terminals, baud rates, files and links, errno and signal
        // names. The one place that imports Glibc (besides the serial port's termios code
        // and the two signal handlers, which must stay async-signal-safe where they are).
        .target(name: "KneadSystem", dependencies: ["CKneadSystem"]),
        // Real-time scheduler, clocks, lateness statistics, the backend protocol.
        .target(name: "KneadEngine", dependencies: [
            "KneadCore", "KneadSystem", .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        // Pictures of a session for people: the braille canvas, terminal and SVG pictures,
        // and the clock, number and percent text every report uses.
        .target(name: "KneadPictures", dependencies: ["KneadCore"]),
        // The simulated device: physics, trace, fault injection; a backend for the engine.
        .target(name: "KneadSimulator", dependencies: [
            "KneadCore", "KneadWire", "KneadEngine", "KneadSystem", "KneadPictures", .product(name: "Histogram", package: "hdrhistogram-swift"),
        ],
                path: "Simulator/Sources/KneadSimulator"),
        // libserialport, through pkg-config (apt: libserialport-dev).
        .systemLibrary(name: "CSerialPort", pkgConfig: "libserialport",
                       providers: [.apt(["libserialport-dev"])]),
        // libusb-1.0, through pkg-config (apt: libusb-1.0-0-dev). Linked dynamically, so
        // umockdev's LD_PRELOAD can stand in for USB devices in tests.
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0",
                       providers: [.apt(["libusb-1.0-0-dev"])]),
        // Drivers: serial transport (libserialport, termios for pseudo-terminals), USB
        // transport (libusb), TCode, knead wire protocol and USB report backends, listing.
        .target(name: "KneadDrivers", dependencies: ["KneadWire", "KneadEngine", "KneadCore", "KneadSystem",
                                                     "CSerialPort", "CLibUSB"]),
        // Playing a pattern on a device: session assembly, the backend, the engine's thread,
        // live controls, status, stop and the summary. Testable on a virtual clock.
        .target(name: "KneadPlayer", dependencies: [
            "KneadCore", "KneadPatternFile", "KneadEngine", "KneadSimulator", "KneadDrivers", "KneadSystem",
            "KneadPictures",
        ]),
        // The live view on a terminal: a pure picture of a play's status, key mode, key
        // reading, the terminal put back on every way out, and the loop that runs a play.
        .target(name: "KneadLiveView", dependencies: [
            "KneadCore", "KneadPlayer", "KneadPictures", "KneadSystem", "KneadEngine",
        ]),
        // The measurements behind `knead bench`, one file a benchmark.
        .target(name: "KneadBenchmarks", dependencies: [
            "KneadCore", "KneadPatternFile", "KneadEngine", "KneadSimulator", "KneadDrivers", "KneadSystem",
            "KneadPictures",
        ]),
        .executableTarget(name: "knead", dependencies: [
            "KneadCore", "KneadPatternFile", "KneadEngine", "KneadSimulator", "KneadWire", "KneadDrivers",
            "KneadBenchmarks", "KneadPictures", "KneadSystem", "KneadPlayer", "KneadLiveView",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "KneadCoreTests", dependencies: ["KneadCore"]),
        .testTarget(name: "KneadPatternFileTests", dependencies: ["KneadPatternFile", "KneadCore"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "KneadWireTests", dependencies: ["KneadWire", "KneadCore"], resources: [.copy("Golden")]),
        .testTarget(name: "KneadEngineTests", dependencies: ["KneadEngine", "KneadCore"]),
        .testTarget(name: "KneadBenchmarksTests", dependencies: ["KneadBenchmarks", "KneadCore", "KneadEngine"]),
        .testTarget(name: "KneadPicturesTests", dependencies: ["KneadPictures", "KneadCore"]),
        .testTarget(name: "KneadSystemTests", dependencies: ["KneadSystem"]),
        .testTarget(name: "KneadSimulatorTests", dependencies: ["KneadSimulator", "KneadEngine", "KneadCore", "KneadWire",
                                                                 "KneadSystem"],
                    path: "Simulator/Tests/KneadSimulatorTests"),
        .testTarget(name: "KneadDriversTests", dependencies: ["KneadDrivers", "KneadWire", "KneadEngine", "KneadCore",
                                                              "KneadPatternFile", "KneadSystem"]),
        .testTarget(name: "KneadLiveViewTests", dependencies: ["KneadLiveView", "KneadPlayer", "KneadCore"]),
        .testTarget(name: "KneadPlayerTests", dependencies: ["KneadPlayer", "KneadSimulator", "KneadEngine", "KneadCore",
                                                             "KneadPatternFile"]),
        .testTarget(name: "KneadCLITests", dependencies: ["KneadCore", "KneadPatternFile", "KneadPictures", "KneadSystem",
                                                          "KneadWire"],
                    resources: [.copy("Golden")]),
    ],
    swiftLanguageModes: [.v6]
)
