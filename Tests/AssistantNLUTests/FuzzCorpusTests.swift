import AssistantNLU
import Foundation
import Testing

// Every input in the fuzz corpus (fuzz/corpus/parser: the seeds scripts/fuzz starts from, and the
// crash inputs kept after a fix) replays here on every test run, so a fixed crash stays fixed even
// where libFuzzer is not run. The fuzz target itself checks more (LedgerMath's decoders).

private let corpusDir: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fuzz/corpus/parser")

private func corpusFiles() -> [URL] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: corpusDir.path)) ?? []
    return names.sorted().map { corpusDir.appendingPathComponent($0) }
}

@Suite("Fuzz corpus replay")
struct FuzzCorpusTests {
    @Test func corpusIsThere() {
        #expect(corpusFiles().count >= 30, "fuzz/corpus/parser should hold the seed inputs")
    }

    @Test func everyInputParses() throws {
        let parsers = [OfflineParser(), OfflineParser(catalog: shopCatalog)]
        for f in corpusFiles() {
            let data = try Data(contentsOf: f)
            let text = String(decoding: data, as: UTF8.self)
            for p in parsers {
                let r = p.parse(text)
                #expect(r.confidence >= 0 && r.confidence <= 1, "\(f.lastPathComponent)")
                #expect(throws: Never.self, "\(f.lastPathComponent) encodes") { _ = try JSONEncoder().encode(r) }
            }
            if let n = Replies.number(text) { #expect(n.isFinite, "\(f.lastPathComponent)") }
            _ = Replies.money(text)
            if let e = try? JSONDecoder().decode([String: JSONValue].self, from: data) {
                for intent in IntentName.allCases {
                    let r = ParsedIntent.normalized(intent: intent, entities: e, confidence: 0.9, engine: "llm")
                    #expect(throws: Never.self, "\(f.lastPathComponent) normalized for \(intent)") { _ = try JSONEncoder().encode(r) }
                }
            }
        }
    }
}
