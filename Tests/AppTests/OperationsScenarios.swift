@testable import App
import Foundation
import Testing
import VaporTesting

enum OperationsScenarios {
    static func healthReadyDocs(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            let client = APIClient(app)
            #expect(try await client.send(.GET, "/health").status == .ok)
            let ready = try await client.send(.GET, "/ready")
            #expect(ready.status == .ok)
            #expect(ready["migrations"] as? String == "current")
            let spec = try await client.send(.GET, "/api/v1/openapi.json")
            #expect(spec["openapi"] as? String == "3.1.0")
            let page = try await client.send(.GET, "/api/v1/nothing-here")
            #expect(page.status == .notFound)
            #expect(page.errorCode == "not_found")
            #expect(page.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)
        }
    }

    static func readyReportsPendingMigrations(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            try await app.autoRevert()
            let ready = try await APIClient(app).send(.GET, "/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect((ready["migrations"] as? String)?.hasPrefix("pending") == true)
            try await app.autoMigrate()
        }
    }
}
