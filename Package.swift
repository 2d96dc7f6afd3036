// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "knead",
    platforms: [.macOS(.v15)],  // Synchronization.Atomic (the envelope's live controls)
    products: [
        .executable(name: "knead", targets: ["knead"]),
        .library(name: "KneadCore", targets: ["KneadCore"]),
        .library(name: "KneadWire", targets: ["KneadWire"]),
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
            "KneadCore", .product(name: "Yams", package: "Yams"),
        ]),
        // Protocol codecs, pure. The device side uses no Foundation (Embedded Swift).
        .target(name: "KneadWire"),
        // Tiny C shim for what Swift cannot call (prctl is variadic).
        .target(name: "CKneadSystem"),
        // Real-time scheduler, clocks, lateness statistics, the backend protocol.
        .target(name: "KneadEngine", dependencies: [
            "KneadCore", "CKneadSystem", .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        // The simulated device: physics, trace, fault injection; a backend for the engine.
        .target(name: "KneadSimulator", dependencies: [
            "KneadCore", "KneadWire", "KneadEngine", .product(name: "Histogram", package: "hdrhistogram-swift"),
        ],
                path: "Simulator/Sources/KneadSimulator"),
        // libserialport, through pkg-config (apt: libserialport-dev).
        .systemLibrary(name: "CSerialPort", pkgConfig: "libserialport",
                       providers: [.apt(["libserialport-dev"])]),
        // Drivers: serial transport (libserialport, termios for pseudo-terminals), TCode and
        // knead wire protocol backends, port listing.
        .target(name: "KneadDrivers", dependencies: ["KneadWire", "KneadEngine", "KneadCore", "CSerialPort"]),
        // Measurements for `knead bench` that need no process: the stop under a saturated line.
        .target(name: "KneadBenchmarks", dependencies: ["KneadCore", "KneadEngine", "KneadDrivers", "KneadSimulator"]),
        .executableTarget(name: "knead", dependencies: [
            "KneadCore", "KneadPatternFile", "KneadEngine", "KneadSimulator", "KneadWire", "KneadDrivers", "KneadBenchmarks",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "KneadCoreTests", dependencies: ["KneadCore"]),
        .testTarget(name: "KneadPatternFileTests", dependencies: ["KneadPatternFile", "KneadCore"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "KneadWireTests", dependencies: ["KneadWire"], resources: [.copy("Golden")]),
        .testTarget(name: "KneadEngineTests", dependencies: ["KneadEngine", "KneadCore"]),
        .testTarget(name: "KneadSimulatorTests", dependencies: ["KneadSimulator", "KneadEngine", "KneadCore", "KneadWire"],
                    path: "Simulator/Tests/KneadSimulatorTests"),
        .testTarget(name: "KneadDriversTests", dependencies: ["KneadDrivers", "KneadWire", "KneadEngine", "KneadCore",
                                                              "KneadPatternFile"]),
        .testTarget(name: "KneadCLITests", dependencies: ["KneadCore", "KneadPatternFile"],
                    resources: [.copy("Golden")]),
    ],
    swiftLanguageModes: [.v6]
)
