// Without libFuzzer (the ordinary `swift build`), ParserFuzz replays inputs through the same harness:
//   ParserFuzz fuzz/corpus/parser            every file in a folder
//   ParserFuzz crash-1234abcd                one crash input
// scripts/fuzz builds it with -sanitize=fuzzer -parse-as-library -DPARSER_FUZZ_LIBFUZZER, where
// libFuzzer supplies `main` and this entry point is left out.
#if !PARSER_FUZZ_LIBFUZZER
import Foundation

@main
struct ParserFuzzReplay {
    static func main() {
        var files: [String] = []
        for arg in CommandLine.arguments.dropFirst() {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: arg, isDirectory: &isDir) else {
                FileHandle.standardError.write(Data("ParserFuzz: no such file \(arg)\n".utf8))
                exit(2)
            }
            if isDir.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: arg)) ?? []
                files += names.sorted().map { (arg as NSString).appendingPathComponent($0) }
            } else {
                files.append(arg)
            }
        }
        if files.isEmpty {
            print("usage: ParserFuzz FILE|DIR ... (replays inputs; scripts/fuzz runs the libFuzzer build)")
            exit(2)
        }
        for f in files {
            guard let d = FileManager.default.contents(atPath: f) else { continue }
            d.withUnsafeBytes { raw in fuzzOne(raw.bindMemory(to: UInt8.self)) }
        }
        print("ParserFuzz: replayed \(files.count) inputs")
    }
}
#endif
