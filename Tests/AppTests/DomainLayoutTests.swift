@testable import App
import Foundation
import Testing

/// The same layout in every domain (issue 15 §5, DESIGN §2): a domain reads and changes another
/// domain's tables only through that domain's service; controllers parse, authorize, call a
/// service and map to DTOs; migrations are one numbered file each in the domain's `Migrations/`.
@Suite("Domain layout")
struct DomainLayoutTests {
    static let app = RouteTableTests.root.appendingPathComponent("Sources/App")
    static let domains = ["Accounts", "Ledger", "Books", "Assistant", "Messaging", "Workflows", "Runtime", "Integrations", "Reports"]

    struct Source {
        let domain: String
        let name: String
        let text: String
    }

    static func sources() throws -> [Source] {
        try domains.flatMap { d in
            try RouteTableTests.files(under: "Sources/App/\(d)", suffix: ".swift").map {
                Source(domain: d, name: $0.path.replacingOccurrences(of: app.path + "/", with: ""), text: try String(contentsOf: $0, encoding: .utf8))
            }
        }
    }

    /// Model class → (owning domain, table), read from the model declarations themselves.
    static func models(_ sources: [Source]) throws -> [String: (domain: String, table: String)] {
        let declaration = try Regex(#"final class (\w+): Model[^{]*\{[^}]*?static let schema = "(\w+)""#)
        var out: [String: (String, String)] = [:]
        for s in sources {
            for m in s.text.matches(of: declaration) {
                out[String(m.output[1].substring!)] = (s.domain, String(m.output[2].substring!))
            }
        }
        return out
    }

    @Test func noDomainTouchesAnotherDomainsTables() throws {
        let sources = try Self.sources()
        let models = try Self.models(sources)
        // The check must see the models it guards.
        #expect(models["Customer"]?.domain == "Ledger" && models["Business"]?.domain == "Accounts" && models["Message"]?.domain == "Messaging")
        #expect(models.count >= 25, "found only \(models.keys.sorted())")
        var found: [String] = []
        for s in sources {
            for (model, owner) in models where owner.domain != s.domain {
                // `Model.query(`, `Model.find(`, `Model.schema`, or building a row: `Model(` not
                // preceded by a dot or a letter (`CustomerBot.Product(` is another type).
                let use = try Regex(#"(^|[^\w.])"# + model + #"(\.query\(|\.find\(|\.schema\b|\()"#)
                if let m = s.text.firstMatch(of: use) { found.append("\(s.name) uses \(s.text[m.range]) (\(owner.domain))") }
                for verb in ["FROM", "INTO", "UPDATE", "JOIN"] {
                    if s.text.range(of: "\(verb) \(owner.table)\\b", options: [.regularExpression, .caseInsensitive]) != nil {
                        found.append("\(s.name) writes SQL on \(owner.table) (\(owner.domain))")
                    }
                }
            }
        }
        #expect(found.isEmpty, "go through the owning domain's service: \(found)")
    }

    /// Controllers hold no transactions and save no rows: that is their service's job.
    @Test func controllersOnlyCallServices() throws {
        let writes = [".create(on:", ".update(on:", ".save(on:", ".delete(on:", ".update()", ".delete()", "store.write(", ".sql.update(", ".sql.insert("]
        var found: [String] = []
        let controllers = try Self.sources().filter { $0.name.hasSuffix("Controller.swift") }
        #expect(controllers.count >= 6)
        for c in controllers {
            for w in writes where c.text.contains(w) { found.append("\(c.name): \(w)") }
        }
        #expect(found.isEmpty, "controllers that write: \(found)")
    }

    /// Each domain that owns tables has its service, and its migrations in `Migrations/`, one per
    /// file, named by their number.
    @Test func everyDomainHasTheSameFiles() throws {
        let sources = try Self.sources()
        let models = try Self.models(sources)
        let services = ["Accounts": "AccountsService.swift", "Ledger": "LedgerService.swift", "Books": "BooksService.swift", "Assistant": "AssistantService.swift",
                        "Messaging": "MessagingService.swift", "Workflows": "WorkflowService.swift"]
        for (domain, file) in services {
            #expect(sources.contains { $0.name == "\(domain)/\(file)" }, "\(domain) has no \(file)")
            #expect(sources.contains { $0.name.hasPrefix("\(domain)/") && $0.name.hasSuffix("Controller.swift") }, "\(domain) has no controller")
        }
        for domain in Set(models.values.map(\.domain)) {
            #expect(sources.contains { $0.name.hasPrefix("\(domain)/Migrations/") }, "\(domain) owns tables but has no Migrations/ folder")
        }
        let migration = try Regex(#"struct (\w+): AsyncMigration"#)
        let named = try Regex(#"var name: String \{ "(\d{3})_"#)
        var numbers: [String] = []
        for s in sources {
            let declared = s.text.matches(of: migration)
            guard !declared.isEmpty else { continue }
            #expect(s.name.contains("/Migrations/"), "\(s.name) declares a migration outside Migrations/")
            #expect(declared.count == 1, "\(s.name) declares \(declared.count) migrations")
            let type = String(declared[0].output[1].substring!)
            guard let n = s.text.firstMatch(of: named) else {
                Issue.record("\(s.name): no numbered name")
                continue
            }
            let number = String(n.output[1].substring!)
            numbers.append(number)
            #expect(s.name.hasSuffix("/\(number)_\(type).swift"), "\(s.name) should be named \(number)_\(type).swift")
        }
        #expect(Set(numbers).count == numbers.count, "two migrations share a number: \(numbers.sorted())")
        #expect(numbers.count == Migrations.all.count, "Migrations.all lists \(Migrations.all.count), the folders hold \(numbers.count)")
    }

    /// Status columns (and the other closed sets stored as text: direction, lane, role) are
    /// string-backed enums, so a typo is a compile error rather than a row no query finds.
    @Test func statusColumnsAreEnums() throws {
        let plain = try Regex(#"@(Optional)?Field\(key: "(\w*status|direction|last_direction|lane|role|mode)"\) var \w+: String"#)
        var found: [String] = []
        var enums = 0
        for s in try Self.sources() {
            for m in s.text.matches(of: plain) { found.append("\(s.name): \(s.text[m.range])") }
            enums += s.text.matches(of: try Regex(#"@(Optional)?Enum\(key: "(\w*status|direction|last_direction|lane)""#)).count
        }
        #expect(found.isEmpty, "string status columns: \(found)")
        #expect(enums >= 9, "the check found only \(enums) enum status columns")
    }
}
