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

    static func text(_ v: JSONValue) -> String { v.compactJSON }

    static func value(_ text: String?) -> JSONValue {
        guard let text, let v = JSONValue.parse(json: text) else { return .null }
        return v
    }

    /// A page of items as `{"items", "next_cursor"}` (the API's page shape, DESIGN §4).
    static func page<T: Codable & Sendable>(_ request: PageRequest, _ rows: [T]) throws -> Response {
        let p = request.page(rows)
        return try response(["items": .array(try p.items.map { try JSONValue(keepingKeys: $0) }),
                             "next_cursor": p.nextCursor.map(JSONValue.string) ?? .null] as JSONValue)
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
                params[k] = previous[out.nodes[i].id]?[k].map(JSONValue.string) ?? .null
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

extension JSONValue {
    /// Any Encodable as a JSON value with its keys kept as they are (blueprints carry user-chosen
    /// keys); `init(encoding:)` gives the API's snake_case keys instead.
    init<T: Encodable>(keepingKeys value: T) throws {
        let data = try WorkflowJSON.encoder.encode(value)
        guard let v = JSONValue.parse(json: String(decoding: data, as: UTF8.self)) else {
            throw APIError(.internalServerError, "internal", "could not encode a value")
        }
        self = v
    }
}
