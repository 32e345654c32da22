// The libFuzzer build's entry point (scripts/fuzz: -DPARSER_FUZZ_LIBFUZZER).
//
// SwiftPM (tools ≥ 5.5) links an executable with `--defsym main=<Module>_main`, so a Swift executable
// target cannot simply take libFuzzer's own `main`. Instead this defines `ParserFuzz_main` with C's
// `main` signature and hands control to libFuzzer's driver, `LLVMFuzzerRunDriver` (the same call
// libFuzzer's `main` makes), looked up with dlsym so that it is called with the C calling convention.
// scripts/fuzz links with --export-dynamic so the symbol is visible to dlsym.
#if PARSER_FUZZ_LIBFUZZER
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

typealias FuzzTestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
typealias FuzzRunDriver = @convention(c) (
    UnsafeMutablePointer<CInt>,
    UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    FuzzTestOneInput
) -> CInt

@_cdecl("ParserFuzz_main")
public func parserFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "LLVMFuzzerRunDriver") else {
        let msg = "ParserFuzz: LLVMFuzzerRunDriver not found; build with -sanitize=fuzzer and -Xlinker --export-dynamic (scripts/fuzz)\n"
        _ = msg.withCString { write(2, $0, strlen($0)) }
        return 2
    }
    let driver = unsafeBitCast(sym, to: FuzzRunDriver.self)
    var c = argc
    var v = argv
    return driver(&c, &v) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}
#endif
