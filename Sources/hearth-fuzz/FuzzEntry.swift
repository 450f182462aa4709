import Foundation
import HearthFuzzing

#if HEARTH_LIBFUZZER
import CLibFuzzer

// Built by scripts/fuzz with -sanitize=fuzzer,address: libFuzzer drives the target named by
// HEARTH_FUZZ_TARGET. SwiftPM points `main` at this module's entry function, so it is defined
// here and hands over to libFuzzer's driver; libFuzzer's own main calls the same callback.

private let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["HEARTH_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTargets.named(name) else {
        fatalError("set HEARTH_FUZZ_TARGET to one of: \(FuzzTargets.all.map(\.name).joined(separator: ", "))")
    }
    return target
}()

/// Before the first input: the target's fixtures (keys, certificates, compiled flows) are made
/// once, lazily, and held for the process's life; made during an input, LeakSanitizer would
/// report them as that input's leak.
@_cdecl("LLVMFuzzerInitialize")
func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    let seeds = (try? FuzzSeeds.all().first { $0.target == selected.name }?.seeds) ?? []
    for (_, bytes) in seeds { _ = selected.run(bytes) }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = selected.run(size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_cdecl("hearth_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
}

#else

/// Without libFuzzer: replays inputs through a target, and writes the seed corpus.
@main
enum FuzzReplay {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "list":
            for target in FuzzTargets.all { print("\(target.name)\t\(target.summary)") }
        case "replay" where arguments.count >= 3:
            guard let target = FuzzTargets.named(arguments[1]) else { fail("no fuzz target \(arguments[1])") }
            var count = 0
            for path in arguments.dropFirst(2) {
                for file in try inputs(at: path) {
                    _ = target.run(Array(try Data(contentsOf: file)))
                    count += 1
                }
            }
            print("\(target.name): \(count) inputs replayed")
        case "seed" where arguments.count == 2:
            let root = URL(fileURLWithPath: arguments[1])
            for (name, seeds) in try FuzzSeeds.all() {
                let folder = root.appendingPathComponent(name)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for (label, bytes) in seeds {
                    try Data(bytes).write(to: folder.appendingPathComponent("seed-" + label))
                }
                print("\(name): \(seeds.count) seeds")
            }
        default:
            fail("""
                usage: hearth-fuzz list
                       hearth-fuzz replay TARGET FILE-OR-FOLDER...
                       hearth-fuzz seed FOLDER
                (scripts/fuzz builds this tool with libFuzzer and runs it)
                """)
        }
    }

    static func inputs(at path: String) throws -> [URL] {
        let url = URL(fileURLWithPath: path)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return [] }
        guard isFolder.boolValue else { return [url] }
        return try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }
}
#endif
