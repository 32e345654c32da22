@testable import App
import Foundation
import Testing

/// The route table is the only place a route path is written (issue 15 §1).
@Suite("Route table")
struct RouteTableTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func files(under folder: String, suffix: String) throws -> [URL] {
        let base = root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.path.hasSuffix(suffix) }.sorted { $0.path < $1.path }
    }

    /// The static beginning of every route, up to its first placeholder: `/api/v1/customers`.
    static var staticPrefixes: [String] {
        Endpoint.allCases.map { e in
            let segments = Endpoint.segments(e.pattern)
            return "/" + segments.prefix { Endpoint.placeholder($0) == nil }.joined(separator: "/")
        }.filter { $0 != "/" && $0 != Endpoint.apiPrefix }
    }

    /// Is `literal` (the text after an opening quote) a path of ours? `/api/v1/statuses` (Mastodon's)
    /// is not; `/api/v1/customers/` and `/health` are.
    static func namesARoute(_ literal: Substring, prefixes: [String]) -> Bool {
        prefixes.contains { p in
            guard literal.hasPrefix(p) else { return false }
            let rest = literal.dropFirst(p.count)
            return rest.isEmpty || rest.first == "/" || rest.first == "?" || rest.hasPrefix("\\(") || rest.hasPrefix("${")
        }
    }

    @Test func routesJSIsCurrent() throws {
        let file = Self.root.appendingPathComponent("Public/js/routes.js")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text == Endpoint.javascript, "Public/js/routes.js is stale: run scripts/gen-routes")
    }

    @Test func everyEndpointIsRegisteredOnce() async throws {
        try await withTestApp(.sqlite) { app in
            var registered: [String: Int] = [:]
            for route in app.routes.all {
                let path = "/" + route.path.map { component -> String in
                    if case .parameter(let name) = component { return "{\(name)}" }
                    return component.description
                }.joined(separator: "/")
                registered[route.method.rawValue + " " + path, default: 0] += 1
            }
            let table = Set(Endpoint.allCases.map { $0.method + " " + $0.pattern })
            #expect(table.count == Endpoint.allCases.count, "two endpoints share a method and path")
            let unknown = registered.keys.filter { !table.contains($0) }.sorted()
            let missing = table.filter { registered[$0] == nil }.sorted()
            let twice = registered.filter { $0.value > 1 }.keys.sorted()
            #expect(unknown.isEmpty, "routes registered outside the table: \(unknown)")
            #expect(missing.isEmpty, "endpoints never registered: \(missing)")
            #expect(twice.isEmpty, "routes registered twice: \(twice)")
        }
    }

    @Test func documentedEndpointsAreTheOpenAPIOperations() {
        let ops = OpenAPIDocument.operations.map(\.endpoint)
        let documented = Endpoint.allCases.filter(\.documented)
        #expect(Set(ops) == Set(documented), "OpenAPI operations differ from the documented endpoints")
        #expect(ops.count == Set(ops).count, "an endpoint is documented twice")
    }

    @Test func pathsFillAndEncodePlaceholders() {
        let id = UUID(uuidString: "0A0B0C0D-0000-4000-8000-000000000001")!
        #expect(Endpoint.invoicePDF.path(id) == "/api/v1/invoices/0a0b0c0d-0000-4000-8000-000000000001/pdf")
        #expect(Endpoint.workflowVersion.path("w", 3) == "/api/v1/workflows/w/versions/3")
        #expect(Endpoint.reportFile.path("sales-by-product.pdf") == "/api/v1/reports/sales-by-product.pdf")
        #expect(Endpoint.customer.path("a/b c") == "/api/v1/customers/a%2Fb%20c")
        #expect(Endpoint.twilioStatus.url(base: "https://shop.example", id) == "https://shop.example/webhooks/twilio/0a0b0c0d-0000-4000-8000-000000000001/status")
        #expect(Endpoint.publicInvoicePDF.url(base: "https://x", "i.pdf", query: "b=1&exp=2") == "https://x/p/invoices/i.pdf?b=1&exp=2")
        for e in Endpoint.allCases {
            let filled = e.fill(e.parameters.map { _ in "v" })
            #expect(!filled.contains("{") && !filled.contains("//"), "\(e): \(filled)")
        }
    }

    /// No route path literal in the server's sources outside Endpoints.swift, and no Vapor
    /// registration by string path components.
    @Test func noRoutePathLiteralsInSwift() throws {
        let prefixes = Self.staticPrefixes
        var found: [String] = []
        // Provider clients (Integrations/) spell their providers' paths, not Munim's: Mastodon's
        // `/api/v1/accounts/verify_credentials` is not Munim's `/api/v1/accounts`.
        for file in try Self.files(under: "Sources/App", suffix: ".swift")
        where file.lastPathComponent != "Endpoints.swift" && !file.path.contains("/Sources/App/Integrations/") {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                if code.hasPrefix("//") || code.hasPrefix("///") { continue }
                for (i, piece) in line.split(separator: "\"", omittingEmptySubsequences: false).dropFirst().enumerated() where i % 2 == 0 {
                    if Self.namesARoute(piece, prefixes: prefixes) {
                        found.append("\(file.lastPathComponent):\(n + 1): \(code)")
                    }
                }
                if line.range(of: #"(?<!parameters)(?<!query)(?<!headers)\.(get|post|put|patch|delete)\(\s*""#, options: .regularExpression) != nil
                    || line.range(of: #"\.on\(\s*\.[A-Z]+\s*,\s*""#, options: .regularExpression) != nil
                    || line.contains(".grouped(\"") {
                    found.append("\(file.lastPathComponent):\(n + 1): \(code)")
                }
            }
        }
        #expect(found.isEmpty, "route paths written outside Endpoints.swift:\n\(found.joined(separator: "\n"))")
    }

    /// The web UI builds every server path with routes.js (`api.get(path('customer', id))`,
    /// `href('invoicePDF', id)`), never by hand. Hash routes (`navigate('/dashboard')`) are the
    /// UI's own pages and are not checked, nor are the web app's own static files (Public/i18n,
    /// Public/img, Public/css), which FileMiddleware serves and no Endpoint names.
    @Test func noRoutePathLiteralsInTheUI() throws {
        let patterns = [
            #"api\.\w+\(\s*['"`]/"#,                 // api.get('/customers')
            #"['"`]/api/v1"#,                            // '/api/v1/…' anywhere
            #"(fetch|EventSource)\(\s*['"`]/(?!i18n/|img/|css/)"#,  // fetch('/…')
            #"href:\s*['"`]/(docs|health|ready|metrics|p/|hooks/|webhooks/)"#,
        ]
        var found: [String] = []
        for file in try Self.files(under: "Public/js", suffix: ".js") where file.lastPathComponent != "routes.js" && !file.path.contains("/tests/") {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                if code.hasPrefix("//") || code.hasPrefix("*") || code.hasPrefix("/*") { continue }
                if patterns.contains(where: { line.range(of: $0, options: .regularExpression) != nil }) {
                    found.append("\(file.lastPathComponent):\(n + 1): \(code)")
                }
            }
        }
        #expect(found.isEmpty, "route paths written by hand in the UI:\n\(found.joined(separator: "\n"))")
    }
}
