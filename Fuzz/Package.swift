// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for knead, one executable each. Built by scripts/fuzz:
//   swift build --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
// in the debug configuration, so the root package's modules are compiled with
// -enable-testing and the targets can `@testable import` package and internal API
// without widening access in Sources/. KneadPatternFile and KneadDrivers are not
// products of the root package; the KneadPlayer product builds them, and its modules
// are importable from here.
let knead: [Target.Dependency] = [
    "FuzzSupport", "FuzzKnead",
    .product(name: "KneadCore", package: "knead"), .product(name: "KneadWire", package: "knead"),
]
let kneadAll: [Target.Dependency] = knead + [.product(name: "KneadPlayer", package: "knead")]

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
