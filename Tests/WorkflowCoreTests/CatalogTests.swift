import Foundation
import Testing
@testable import WorkflowCore

@Suite("Catalog")
struct CatalogTests {
    /// The service/task pairs the workflows issue asks for, plus find_product and sales_summary, and
    /// the books nodes (issue 16 §7).
    static let expected = [
        "manual/start", "webhook/receive", "schedule/cron", "message/received", "ledger/event",
        "router/route", "delay/wait", "approval/request", "data/set",
        "whatsapp/send_message", "whatsapp/send_media",
        "ledger/create_invoice", "ledger/record_payment", "ledger/adjust_stock", "ledger/get_customer_balance",
        "ledger/list_debtors", "ledger/find_product", "ledger/sales_summary", "ledger/record_expense", "ledger/record_purchase",
        "google_sheets/append_row", "google_sheets/read_range", "razorpay/create_payment_link", "razorpay/get_payment_link",
        "shiprocket/create_order", "shiprocket/track_awb", "gpt/process_text", "social/draft_reply",
        "bluesky/post", "bluesky/reply", "bluesky/send_dm", "pixelfed/post", "pixelfed/reply",
        "instagram/publish", "instagram/send_dm", "http/request", "respond/respond",
    ]

    @Test("Every node the issue lists is in the catalog, once")
    func complete() {
        let keys = Catalog.all.map(\.key)
        #expect(Set(keys).count == keys.count)
        #expect(Set(keys) == Set(Self.expected))
    }

    @Test("Specs are consistent", arguments: Catalog.all.map(\.key))
    func consistent(_ key: String) throws {
        let spec = try #require(Catalog.spec(service: String(key.split(separator: "/")[0]), task: String(key.split(separator: "/")[1])))
        // ports by kind
        switch spec.kind {
        case .trigger, .action, .delay: #expect(spec.ports == ["out"])
        case .router: #expect(spec.ports == [])
        case .approval: #expect(spec.ports == ["approved", "rejected", "timeout"])
        }
        #expect(spec.validPorts(params: [:]).contains("error") == (spec.kind != .trigger))
        // retries: network nodes 3 attempts, others 1
        #expect(spec.defaultAttempts == (spec.network ? 3 : 1))
        #expect(spec.defaultTimeoutSeconds > 0)
        #expect(!spec.title.isEmpty && spec.summary.hasSuffix("."))
        for p in spec.params + spec.params.flatMap(\.fields) {
            #expect(p.description.hasSuffix("."), "\(key).\(p.name)")
            if p.type == .enum {
                #expect(!p.options.isEmpty, "\(key).\(p.name)")
                if let d = p.defaultValue { #expect(p.options.contains(d.stringValue ?? ""), "\(key).\(p.name)") }
            }
        }
        let outputs = spec.outputs(for: [:]).map(\.name)
        #expect(Set(outputs).count == outputs.count, "\(key) has duplicate outputs")
    }

    @Test("Every default value passes its own param's validation", arguments: Catalog.all.map(\.key))
    func defaultsValidate(_ key: String) throws {
        // setup: a node holding every default (required params left out; those issues are not about defaults)
        let parts = key.split(separator: "/").map(String.init)
        let spec = try #require(Catalog.spec(service: parts[0], task: parts[1]))
        let defaults = Dictionary(uniqueKeysWithValues: spec.params.compactMap { p in p.defaultValue.map { (p.name, $0) } })
        let node = Node(id: "n", kind: spec.kind, service: spec.service, task: spec.task, params: .object(defaults))
        let bp = spec.kind == .trigger ? blueprint([node], []) : blueprint([trigger(), node], [edge("trigger", "n")])
        // act
        let issues = Validator.validate(bp).filter { issue in defaults.keys.contains { issue.field == "params.\($0)" } }
        // verify
        #expect(issues == [], "\(key)")
    }

    @Test("Triggers are found by service whatever their task")
    func triggerNormalisation() {
        let node = Node(id: "t", kind: .trigger, service: "webhook", task: "incoming")
        #expect(Catalog.spec(for: node)?.key == "webhook/receive")
        #expect(Catalog.spec(for: Node(id: "t", kind: .action, service: "webhook", task: "incoming")) == nil)
        let bp = Catalog.normalize(blueprint([node], []))
        #expect(bp.nodes[0].task == "receive")
    }

    @Test("Routers' ports come from their branches; approvals have three outcomes")
    func dynamicPorts() throws {
        let router = try #require(Catalog.spec(service: "router", task: "route"))
        let params: JSONValue = ["branches": [["port": "big", "when": [:]], ["port": "small", "when": [:]]]]
        #expect(router.validPorts(params: params) == ["big", "small", "else", "error"])
        let approval = try #require(Catalog.spec(service: "approval", task: "request"))
        #expect(approval.validPorts(params: [:]) == ["approved", "rejected", "timeout", "error"])
    }

    @Test("Ledger trigger outputs follow the chosen event")
    func ledgerOutputs() throws {
        let spec = try #require(Catalog.spec(service: "ledger", task: "event"))
        let stock = spec.outputs(for: ["event": "stock_low"]).map(\.name)
        #expect(stock.contains("product_name") && stock.contains("stock") && !stock.contains("amount"))
        let payment = spec.outputs(for: ["event": "payment_recorded"]).map(\.name)
        #expect(payment.contains("amount") && payment.contains("payment_id") && payment.contains("customer_phone"))
        #expect(Set(spec.param("event")!.options) == Set(spec.outputVariants!.outputs.keys))
    }

    @Test("Params JSON schema lists properties and required params")
    func schema() throws {
        let spec = try #require(Catalog.spec(service: "whatsapp", task: "send_message"))
        let schema = spec.paramsJSONSchema()
        #expect(schema["type"] == "object")
        #expect(schema["required"] == ["to", "text"])
        #expect(schema["additionalProperties"] == false)
        #expect(schema["properties"]?["to"]?["type"] == ["string"])
        let invoice = try #require(Catalog.spec(service: "ledger", task: "create_invoice")).paramsJSONSchema()
        #expect(invoice.path("properties.items.items.required") == ["product_id", "quantity"])
    }

    /// OpenAI strict mode: every object lists all its properties as required and forbids others.
    @Test("Strict schemas follow the structured-output rules", arguments: Catalog.all.map(\.key))
    func strictSchema(_ key: String) throws {
        let parts = key.split(separator: "/").map(String.init)
        let schema = try #require(Catalog.spec(service: parts[0], task: parts[1])).paramsJSONSchema(strict: true)
        func check(_ s: JSONValue, _ at: String) {
            guard case .object(let o) = s else { Issue.record("\(at) is not an object schema"); return }
            #expect(!o.isEmpty, "\(at) accepts anything, which strict mode cannot express")
            if let props = o["properties"]?.objectValue {
                #expect(o["additionalProperties"] == false, "\(at)")
                #expect(Set(o["required"]?.arrayValue?.compactMap(\.stringValue) ?? []) == Set(props.keys), "\(at)")
                for (k, v) in props { check(v, "\(at).\(k)") }
            }
            if let items = o["items"] { check(items, "\(at)[]") }
        }
        check(schema, key)
    }

    @Test("Strict answers turn back into params: nulls dropped, JSON text parsed")
    func fromStrict() throws {
        let spec = try #require(Catalog.spec(service: "http", task: "request"))
        let params = spec.paramsFromStrict(["method": "POST", "url": "https://x.test", "headers": #"{"X-A": "1"}"#,
                                            "body": #"{"amount": "{{trigger.amount}}"}"#])
        #expect(params == ["method": "POST", "url": "https://x.test", "headers": ["X-A": "1"], "body": ["amount": "{{trigger.amount}}"]])
        let respond = try #require(Catalog.spec(service: "respond", task: "respond"))
        #expect(respond.paramsFromStrict(["status": 200, "body": nil, "headers": nil]) == ["status": 200])
        let router = try #require(Catalog.spec(service: "router", task: "route"))
        let branches = router.paramsFromStrict(["branches": [["port": "big", "when": #"{"left": 1, "op": "==", "right": 1}"#]]])
        #expect(branches == ["branches": [["port": "big", "when": ["left": 1, "op": "==", "right": 1]]]])
    }

    @Test("The palette JSON carries every node and encodes")
    func palette() throws {
        let json = Catalog.asJSON()
        #expect(json["nodes"]?.arrayValue?.count == Catalog.all.count)
        #expect(json["groups"]?.arrayValue?.first == "Triggers")
        #expect(json["business_variables"]?.arrayValue?.contains("whatsapp_number") == true)
        let first = try #require(json["nodes"]?[0])
        #expect(first["service"] == "manual" && first["default_attempts"] == 1)
        let encoded = try encodeJSON(json)
        #expect(try decodeValue(encoded) == json)
    }

    /// Every word of the catalog a person reads in the builder (groups, titles, summaries, field
    /// labels and descriptions, output descriptions) has its Hindi in Public/i18n/steps.hi.json,
    /// keeping any {{template}} it shows; and the file holds nothing the catalog no longer says
    /// (issue 19 §2). The web app translates the catalog with that file (shared/step-texts.js).
    @Test("Every catalog text has Hindi in steps.hi.json")
    func hindiStepTexts() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("Public/i18n/steps.hi.json"))
        let hindi = try JSONDecoder().decode([String: String].self, from: data)
        let texts = Self.readableTexts(Catalog.asJSON())
        let missing = texts.filter { (hindi[$0] ?? "").isEmpty }.sorted()
        #expect(missing.isEmpty, "add Hindi for these to Public/i18n/steps.hi.json: \(missing)")
        let stale = Set(hindi.keys).subtracting(texts).sorted()
        #expect(stale.isEmpty, "no longer in the catalog (remove them): \(stale)")
        let templates = /\{\{[^}]*\}\}/
        for text in texts {
            guard let translated = hindi[text] else { continue }
            let want = text.matches(of: templates).map { String($0.output) }
            let got = translated.matches(of: templates).map { String($0.output) }
            #expect(want == got, "\(text) → \(translated): the {{…}} parts differ")
        }
    }

    /// The texts of the catalog's JSON that the builder shows, as shared/step-texts.js reads them.
    static func readableTexts(_ catalog: JSONValue) -> Set<String> {
        var texts = Set<String>()
        func add(_ value: JSONValue?) {
            if let s = value?.stringValue, !s.isEmpty { texts.insert(s) }
        }
        func humanize(_ name: String) -> String {
            let s = name.replacingOccurrences(of: "_", with: " ")
            return s.prefix(1).uppercased() + s.dropFirst()
        }
        func params(_ list: JSONValue?) {
            for p in list?.arrayValue ?? [] {
                if let name = p["name"]?.stringValue { texts.insert(humanize(name)) }
                add(p["description"])
                params(p["fields"])
            }
        }
        func outputs(_ list: JSONValue?) {
            for o in list?.arrayValue ?? [] { add(o["description"]) }
        }
        for group in catalog["groups"]?.arrayValue ?? [] { add(group) }
        for node in catalog["nodes"]?.arrayValue ?? [] {
            add(node["title"]); add(node["summary"]); add(node["group"])
            params(node["params"])
            outputs(node["outputs"])
            for (_, list) in node["output_variants"]?["outputs"]?.objectValue ?? [:] { outputs(list) }
        }
        return texts
    }
}
