import Foundation

#if CIVICSYNC_FUZZING
import CLibFuzzer

/// The program's entry point under `scripts/fuzz.sh` (`-sanitize=fuzzer`, CIVICSYNC_FUZZING):
/// SwiftPM names an executable's `main` after its module, so the fuzz build defines that name
/// and hands control to libFuzzer's driver.
/// libFuzzer's callback for one input; its runtime refers to it by this name.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.check(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

@_cdecl("civicsync_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
#else
/// Without the fuzzer: replays files (or every file of directories) through the same checks,
/// so the committed corpus and any crash input found later are regression tests.
@main
struct ReplayCorpus {
    static func main() {
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: civicsync-fuzz FILE_OR_DIRECTORY...\n".utf8))
            exit(64)
        }
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("error: no such file or directory: \(path)\n".utf8))
                exit(16)
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += names.sorted().map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            FuzzTarget.check(Array(data))
        }
        print("replayed \(files.count) input(s) without a failure")
    }
}
#endif
