// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for knead, one executable each. Built by scripts/fuzz:
//   (in Fuzz/) swift build --scratch-path .build-opt -Xswiftc -sanitize=fuzzer,address \
//       -Xswiftc -O -Xswiftc -parse-as-library
// - The debug configuration compiles the root package's modules with -enable-testing,
//   so the targets `@testable import` package and internal API without widening access
//   in Sources/; -O on top runs about five times faster than -Onone.
// - SwiftPM links every executable with `--defsym main=<Module>_main`, which leaves no
//   room for libFuzzer's own main: each target exports `<Module>_main` and hands over to
//   libFuzzer's `LLVMFuzzerRunDriver` (FuzzSupport, CFuzzDriver).
// - KneadPatternFile and KneadDrivers are not products of the root package; depending
//   on the KneadPlayer product builds them, and their modules are importable here.
let knead: [Target.Dependency] = [
    "FuzzSupport", "FuzzKnead",
    .product(name: "KneadCore", package: "knead"), .product(name: "KneadWire", package: "knead"),
]
let kneadAll: [Target.Dependency] = knead + ["FuzzExport", .product(name: "KneadPlayer", package: "knead")]

let package = Package(
    name: "knead-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "knead", path: "..")],
    targets: [
        .target(name: "CFuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"]),
        .target(name: "FuzzKnead", dependencies: [
            "FuzzSupport", .product(name: "KneadCore", package: "knead"), .product(name: "KneadWire", package: "knead"),
        ]),
        .target(name: "FuzzExport", dependencies: [
            "FuzzSupport", .product(name: "KneadCore", package: "knead"), .product(name: "KneadPlayer", package: "knead"),
        ]),
        .executableTarget(name: "FuzzPatternFile", dependencies: kneadAll),
        .executableTarget(name: "FuzzPatternCompile", dependencies: kneadAll),
        .executableTarget(name: "FuzzDeviceProfile", dependencies: kneadAll),
        .executableTarget(name: "FuzzScriptImport", dependencies: kneadAll),
        .executableTarget(name: "FuzzTCode", dependencies: knead),
        .executableTarget(name: "FuzzKWPHostDecoder", dependencies: knead),
        .executableTarget(name: "FuzzKWPDevice", dependencies: knead),
        .executableTarget(name: "FuzzKWPHostSession", dependencies: knead),
        .executableTarget(name: "FuzzUSB", dependencies: kneadAll),
    ],
    swiftLanguageModes: [.v6]
)
