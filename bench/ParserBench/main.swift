import AssistantNLU
import Foundation

// Usage:
//   ParserBench                 run every test sentence (from Tests/AssistantNLUTests/ParserCases.swift) 200 rounds,
//                               then the Devanagari ones (DevanagariTests.swift)
//   ParserBench --rounds N
//   ParserBench "sentence" ...  print the parse of each sentence as JSON

/// The parser test table is the benchmark corpus: read each `Case("...")` sentence from the test source.
func loadSentences() -> [String] {
    let here = URL(fileURLWithPath: #filePath)
    let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let testsDir = root.appendingPathComponent("Tests/AssistantNLUTests")
    var out: [String] = []
    let files = (try? FileManager.default.contentsOfDirectory(atPath: testsDir.path))?.sorted() ?? []
    for f in files where f.hasSuffix(".swift") {
        guard let src = try? String(contentsOf: testsDir.appendingPathComponent(f), encoding: .utf8) else { continue }
        for line in src.split(separator: "\n") {
            guard let r = line.range(of: "Case(\""),
                  r.lowerBound == line.startIndex || !line[line.index(before: r.lowerBound)].isLetter else { continue }
            var s = ""
            var escaped = false
            for ch in line[r.upperBound...] {
                if escaped { s.append(ch); escaped = false; continue }
                if ch == "\\" { escaped = true; continue }
                if ch == "\"" { break }
                s.append(ch)
            }
            if !s.isEmpty { out.append(s) }
        }
    }
    if out.isEmpty {
        out = ["sold 2 bags cement to Ramesh at 350, paid 500",
               "Ramesh ko 5 bori cement becha 350 ke rate se, 1000 diye",
               "cement kitna bacha hai", "Suresh ne 2000 diye", "who owes me money",
               "Ramesh ka kitna baaki hai", "2 bags cement and 10 kg sand to Ramesh"]
    }
    return out
}

/// The Devanagari sentences of `DevanagariTests.swift` (the first string of each `("…", "…")` pair).
func loadDevanagari() -> [String] {
    let here = URL(fileURLWithPath: #filePath)
    let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let file = root.appendingPathComponent("Tests/AssistantNLUTests/DevanagariTests.swift")
    guard let src = try? String(contentsOf: file, encoding: .utf8) else { return ["रमेश को 5 बोरी सीमेंट 350 में बेचा", "सुरेश ने 2000 रुपये दिए"] }
    return src.split(separator: "\n").compactMap { line -> String? in
        let t = line.trimmingCharacters(in: .whitespaces)
        guard t.hasPrefix("(\""), let end = t.dropFirst(2).firstIndex(of: "\"") else { return nil }
        let s = String(t[t.index(t.startIndex, offsetBy: 2)..<end])
        return Devanagari.contains(s) ? s : nil
    }
}

let demoCatalog = Catalog(
    products: [CatalogEntry(id: "p1", name: "Cement bag (50 kg)", unit: "bag", price: 35000),
               CatalogEntry(id: "p2", name: "Sand", unit: "kg", price: 4000),
               CatalogEntry(id: "p3", name: "TMT Sariya 12mm", unit: "kg", price: 6500)],
    customers: [CatalogEntry(id: "c1", name: "Ramesh Kumar"), CatalogEntry(id: "c2", name: "Suresh Patel"),
                CatalogEntry(id: "c3", name: "Raj Kumar"), CatalogEntry(id: "c4", name: "Raj Malhotra")])

var args = Array(CommandLine.arguments.dropFirst())
var rounds = 200
if let i = args.firstIndex(of: "--rounds"), i + 1 < args.count, let n = Int(args[i + 1]) {
    rounds = n; args.removeSubrange(i...(i + 1))
}
let useCatalog = args.contains("--catalog")
args.removeAll { $0 == "--catalog" }

if !args.isEmpty {
    let parser = OfflineParser(catalog: useCatalog ? demoCatalog : .empty)
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys]
    for s in args {
        let data = try! enc.encode(parser.parse(s))
        print(s, "=>", String(decoding: data, as: UTF8.self))
    }
    exit(0)
}

func run(_ label: String, _ parser: OfflineParser, rounds: Int, sentences: [String] = loadSentences()) {
    // warm up
    for s in sentences { _ = parser.parse(s) }
    var lat: [Double] = []
    lat.reserveCapacity(sentences.count * rounds)
    var sink = 0
    let clock = ContinuousClock()
    let t0 = clock.now
    for _ in 0..<rounds {
        for s in sentences {
            let a = clock.now
            let r = parser.parse(s)
            let d = clock.now - a
            sink &+= r.entities.count
            lat.append(Double(d.components.attoseconds) / 1e12 + Double(d.components.seconds) * 1e6)
        }
    }
    let total = clock.now - t0
    let secs = Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18
    lat.sort()
    func pct(_ p: Double) -> Double { lat[min(lat.count - 1, Int(Double(lat.count) * p))] }
    print(String(format: "%@: %d sentences x %d rounds = %d parses in %.2f s", label, sentences.count, rounds, lat.count, secs))
    print(String(format: "  throughput %.0f sentences/s   p50 %.1f µs   p99 %.1f µs   max %.1f µs  (sink %d)",
                 Double(lat.count) / secs, pct(0.50), pct(0.99), lat.last ?? 0, sink))
}
run("no catalog", OfflineParser(), rounds: rounds)
run("with catalog", OfflineParser(catalog: demoCatalog), rounds: rounds)
run("Devanagari, with catalog", OfflineParser(catalog: demoCatalog), rounds: rounds, sentences: loadDevanagari())
