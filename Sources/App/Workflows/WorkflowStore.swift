import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor
import WorkflowCore

/// JSON for workflow bodies. Blueprints and payloads carry user-chosen keys (`orderId`,
/// `sample_payload`), which the API's snake_case coders would rewrite; these coders leave keys as
/// they are and keep the API's date format. DTOs spell their keys out in CodingKeys.
enum WorkflowJSON {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = JSONCoders.encoder.dateEncodingStrategy
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = JSONCoders.decoder.dateDecodingStrategy
        return d
    }()

    static func text(_ v: WValue) -> String { v.compactJSON }

    static func value(_ text: String?) -> WValue {
        guard let text, let v = WValue.parse(json: text) else { return .null }
        return v
    }

    /// A page of items as `{"items", "next_cursor"}` (the API's page shape, DESIGN §4).
    static func page<T: Codable & Sendable>(_ request: PageRequest, _ rows: [T]) throws -> Response {
        let p = request.page(rows)
        return try response(["items": .array(try p.items.map { try WValue(encoding: $0) }),
                             "next_cursor": p.nextCursor.map(WValue.string) ?? .null] as WValue)
    }

    static func response<T: Encodable>(_ value: T, status: HTTPResponseStatus = .ok) throws -> Response {
        let res = Response(status: status)
        res.headers.contentType = .json
        res.body = .init(data: try encoder.encode(value))
        return res
    }

    /// Decodes a request body with keys kept as sent. Malformed JSON is a 400 with a sentence.
    static func decode<T: Decodable>(_ type: T.Type, from req: Request) throws -> T {
        guard let body = req.body.data, body.readableBytes > 0 else {
            throw APIError.badRequest("Send a JSON body.")
        }
        do {
            return try decoder.decode(T.self, from: Data(buffer: body))
        } catch let e as DecodingError {
            throw APIErrorMiddleware.map(e, request: req)
        }
    }
}

extension JSONValue {
    var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
}

extension WValue {
    init(_ j: JSONValue) {
        switch j {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(WValue.init))
        case .object(let o): self = .object(o.mapValues(WValue.init))
        }
    }
}

extension JSONValue {
    init(_ w: WValue) {
        switch w {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(JSONValue.init))
        case .object(let o): self = .object(o.mapValues(JSONValue.init))
        }
    }
}

/// Secret params (`ParamType.secret`, e.g. the webhook trigger's HMAC secret) are kept out of the
/// stored blueprint: sealed by the vault on their own, shown back as a mask (docs/workflows-api.md).
enum WorkflowSecrets {
    static let mask = "********"
    typealias Values = [String: [String: String]]

    /// The blueprint without secret values, and the values by node and param.
    static func split(_ bp: Blueprint) -> (Blueprint, Values) {
        var out = bp
        var values: Values = [:]
        for i in out.nodes.indices {
            guard let spec = NodeCatalog.spec(for: out.nodes[i]), case .object(var params) = out.nodes[i].params else { continue }
            for ps in spec.params where ps.type == .secret {
                if let s = params[ps.name]?.stringValue, !s.isEmpty { values[out.nodes[i].id, default: [:]][ps.name] = s }
                params[ps.name] = nil
            }
            out.nodes[i].params = .object(params)
        }
        return (out, values)
    }

    /// Replaces masks in an incoming blueprint by the stored values, so a client that sends back
    /// what it read keeps the secret.
    static func restoreMasks(_ bp: Blueprint, previous: Values) -> Blueprint {
        var out = bp
        for i in out.nodes.indices {
            guard case .object(var params) = out.nodes[i].params else { continue }
            for (k, v) in params where v == .string(mask) {
                params[k] = previous[out.nodes[i].id]?[k].map(WValue.string) ?? .null
            }
            out.nodes[i].params = .object(params)
        }
        return out
    }

    /// The blueprint with secrets put back (for the engine) or masked (for clients).
    static func merge(_ bp: Blueprint, _ values: Values, masked: Bool) -> Blueprint {
        var out = bp
        for i in out.nodes.indices {
            guard let secrets = values[out.nodes[i].id], case .object(var params) = out.nodes[i].params else { continue }
            for (k, v) in secrets { params[k] = .string(masked ? mask : v) }
            out.nodes[i].params = .object(params)
        }
        return out
    }

    static func open(_ app: Application, _ sealed: String?) throws -> Values {
        guard let sealed else { return [:] }
        return try app.vault.open(json: sealed, as: Values.self)
    }
}

/// What one trigger needs to be found by its events: the service, and a key (channel or event).
struct TriggerInfo {
    let service: String
    let task: String
    let key: String?

    init(_ bp: Blueprint) {
        let t = bp.nodes.first { $0.kind == NodeKind.trigger.rawValue }
        service = t?.service ?? "manual"
        task = t?.task ?? "start"
        switch service {
        case "message": key = t?.param("channel_id")?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        case "ledger": key = t?.param("event")?.stringValue
        default: key = nil
        }
    }
}

/// Parsed blueprints by version id. Versions never change, so entries never go stale; the cache is
/// bounded and simply emptied when full.
final class BlueprintCache: Sendable {
    struct Entry: Sendable {
        let blueprint: Blueprint
        let planner: Planner
        /// Whether running its local nodes needs the business row: a `{{business.…}}` param, or a
        /// router (conditions read dates in the business's timezone).
        let needsBusiness: Bool

        init(blueprint: Blueprint) {
            self.blueprint = blueprint
            planner = Planner(blueprint)
            needsBusiness = blueprint.nodes.contains { $0.nodeKind == .router || $0.params.compactJSON.contains("business") }
        }
    }
    private struct VersionKey: Hashable {
        let workflowID: UUID
        let version: Int
    }
    private let entries = NIOLockedValueBox<[UUID: Entry]>([:])
    /// Version ids by (workflow, version number): also immutable, so the webhook trigger finds a
    /// workflow's current blueprint without reading the version row.
    private let versionIDs = NIOLockedValueBox<[VersionKey: UUID]>([:])
    static let capacity = 1000

    /// The entry of a workflow's version `version` and that version's id; nil when there is no such
    /// version.
    func entry(workflowID: UUID, version: Int, app: Application, on db: any Database) async throws -> (versionID: UUID, entry: Entry)? {
        let key = VersionKey(workflowID: workflowID, version: version)
        if let id = versionIDs.withLockedValue({ $0[key] }), let e = entries.withLockedValue({ $0[id] }) { return (id, e) }
        guard let v = try await WorkflowVersion.query(on: db).filter(\.$workflowID == workflowID).filter(\.$version == version).first() else {
            return nil
        }
        let e = try entry(v, app: app)
        versionIDs.withLockedValue { d in
            if d.count >= Self.capacity { d.removeAll() }
            d[key] = v.id!
        }
        return (v.id!, e)
    }

    func entry(_ version: WorkflowVersion, app: Application) throws -> Entry {
        if let e = entries.withLockedValue({ $0[version.id!] }) { return e }
        guard let data = version.blueprint.data(using: .utf8),
              let bp = try? WorkflowJSON.decoder.decode(Blueprint.self, from: data) else {
            throw JobFailure.permanent("workflow version \(version.version) is unreadable")
        }
        let full = WorkflowSecrets.merge(bp, try WorkflowSecrets.open(app, version.secrets), masked: false)
        let e = Entry(blueprint: full)
        entries.withLockedValue { d in
            if d.count >= Self.capacity { d.removeAll() }
            d[version.id!] = e
        }
        return e
    }
}

extension Application {
    private struct BlueprintCacheKey: StorageKey { typealias Value = BlueprintCache }

    var blueprints: BlueprintCache {
        if let c = storage[BlueprintCacheKey.self] { return c }
        let c = BlueprintCache()
        storage[BlueprintCacheKey.self] = c
        return c
    }
}

/// Saving workflows: every save of a changed blueprint is a new immutable version.
struct WorkflowStore {
    let app: Application
    let businessID: UUID

    func workflow(_ id: UUID, on db: (any Database)? = nil) async throws -> Workflow {
        guard let w = try await Workflow.query(on: db ?? app.db).filter(\.$businessID == businessID).filter(\.$id == id)
            .filter(\.$deletedAt == nil).first() else { throw APIError.notFound("Workflow") }
        return w
    }

    func version(of w: Workflow, _ number: Int? = nil, on db: (any Database)? = nil) async throws -> WorkflowVersion {
        guard let v = try await WorkflowVersion.query(on: db ?? app.db).filter(\.$workflowID == w.id!)
            .filter(\.$version == (number ?? w.version)).first() else { throw APIError.notFound("Workflow version") }
        return v
    }

    /// The blueprint of a version as clients see it: secrets masked.
    func maskedBlueprint(_ v: WorkflowVersion) throws -> Blueprint {
        let decoded = (try? WorkflowJSON.decoder.decode(Blueprint.self, from: Data(v.blueprint.utf8))) ?? Blueprint(name: "", nodes: [], edges: [])
        return WorkflowSecrets.merge(decoded, try WorkflowSecrets.open(app, v.secrets), masked: true)
    }

    static func invalid(_ issues: [ValidationIssue]) -> APIError {
        let first = issues.first.map { i in (i.nodeID.map { "\($0): " } ?? "") + i.message } ?? "invalid"
        let list: [JSONValue] = issues.map { i in
            ["node_id": i.nodeID.map(JSONValue.string) ?? .null, "field": i.field.map(JSONValue.string) ?? .null,
             "message": .string(i.message)]
        }
        return APIError(.unprocessableEntity, "invalid_blueprint",
                        "The workflow has \(issues.count) problem\(issues.count == 1 ? "" : "s"): \(first)",
                        details: ["errors": .array(list)])
    }

    /// Validates and stores a new version (a new workflow when `existing` is nil).
    func save(existing: Workflow?, name: String?, blueprint incoming: Blueprint?, userID: UUID?, now: Date) async throws -> Workflow {
        var problems: [String: String] = [:]
        let trimmed = name?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let trimmed, trimmed.isEmpty || trimmed.count > 120 { problems["name"] = "must be 1 to 120 characters" }
        if existing == nil && trimmed == nil && (incoming?.name ?? "").isEmpty { problems["name"] = "is required" }
        if existing == nil && incoming == nil { problems["blueprint"] = "is required" }
        guard problems.isEmpty else { throw APIError.validation(problems) }

        var previousSecrets: WorkflowSecrets.Values = [:]
        var previousText: String? = nil
        if let existing {
            let v = try await version(of: existing)
            previousSecrets = try WorkflowSecrets.open(app, v.secrets)
            previousText = v.blueprint
        }
        var newVersion: (text: String, sealed: String?)? = nil
        var trigger: TriggerInfo? = nil
        if let incoming {
            var bp = NodeCatalog.normalize(WorkflowSecrets.restoreMasks(incoming, previous: previousSecrets))
            bp.name = trimmed ?? (bp.name.isEmpty ? existing?.name ?? "" : bp.name)
            let issues = BlueprintValidator.validate(bp)
            guard issues.isEmpty else { throw Self.invalid(issues) }
            var (stored, secrets) = WorkflowSecrets.split(bp)
            // The name lives on the workflow: renaming is not a new version.
            stored.name = ""
            let text = WorkflowJSON.text(try WValue(encoding: stored))
            let sealed = secrets.isEmpty ? nil : try app.vault.seal(json: secrets)
            if text != previousText || secrets != previousSecrets { newVersion = (text, sealed) }
            trigger = TriggerInfo(bp)
        }
        let w = existing ?? Workflow()
        if existing == nil {
            w.id = UUID()
            w.businessID = businessID
            w.publicID = "wh_" + Tokens.random(bytes: 15)
            w.active = false
            w.version = 0
            w.createdAt = now
            w.lastTickAt = nil
        }
        if let n = trimmed ?? (existing == nil ? incoming?.name : nil) { w.name = n }
        if let trigger {
            if trigger.service != w.$triggerService.value || trigger.key != w.triggerKey { w.lastTickAt = nil }
            w.triggerService = trigger.service
            w.triggerKey = trigger.key
        }
        w.updatedAt = now
        let isNew = existing == nil
        let newVersionValue = newVersion
        try await app.store.write(app.db) { tx in
            if let nv = newVersionValue {
                w.version += 1
                let v = WorkflowVersion()
                v.id = UUID()
                v.workflowID = w.id!
                v.businessID = businessID
                v.version = w.version
                v.blueprint = nv.text
                v.secrets = nv.sealed
                v.createdBy = userID
                v.createdAt = now
                if isNew { try await w.create(on: tx) } else { try await w.update(on: tx) }
                try await v.create(on: tx)
            } else {
                try await w.update(on: tx)
            }
            if w.active { try await WorkflowTriggers.armSchedule(w, app: app, now: now, on: tx) }
        }
        return w
    }
}

extension WValue {
    /// Any Encodable as a WValue (through JSON with keys kept).
    init<T: Encodable>(encoding value: T) throws {
        let data = try WorkflowJSON.encoder.encode(value)
        guard let v = WValue.parse(json: String(decoding: data, as: UTF8.self)) else {
            throw APIError(.internalServerError, "internal", "could not encode a value")
        }
        self = v
    }
}
