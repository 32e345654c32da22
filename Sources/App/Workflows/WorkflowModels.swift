import Fluent
import Foundation
import SQLKit
import Vapor

/// A workflow: a name, a public id for its webhook URL, and the number of its current version.
/// The graph itself lives in immutable `workflow_versions` rows (DESIGN §7).
final class Workflow: Model, @unchecked Sendable {
    static let schema = "workflows"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "public_id") var publicID: String
    @Field(key: "name") var name: String
    @Field(key: "active") var active: Bool
    @Field(key: "version") var version: Int
    /// The trigger's service of the current version ("webhook", "schedule", …), for lookups by trigger.
    @Field(key: "trigger_service") var triggerService: String
    /// For message and ledger triggers: the channel id or the event name, so triggers find their
    /// workflows with an index instead of reading every blueprint.
    @OptionalField(key: "trigger_key") var triggerKey: String?
    /// Schedule triggers: the last tick that produced a run.
    @OptionalField(key: "last_tick_at") var lastTickAt: Date?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "deleted_at") var deletedAt: Date?
}

/// One saved version of a workflow's blueprint. Never updated: runs pin the version they start with.
final class WorkflowVersion: Model, @unchecked Sendable {
    static let schema = "workflow_versions"

    @ID(key: .id) var id: UUID?
    @Field(key: "workflow_id") var workflowID: UUID
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "version") var version: Int
    /// Blueprint JSON with every secret param blanked (see `WorkflowSecrets`).
    @Field(key: "blueprint") var blueprint: String
    /// Vault-sealed `{"node_id": {"param": "value"}}` of the secret params, or nil.
    @OptionalField(key: "secrets") var secrets: String?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date
}

enum RunStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, waiting, succeeded, failed, cancelled
    var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

final class WorkflowRun: Model, @unchecked Sendable {
    static let schema = "runs"

    @ID(key: .id) var id: UUID?
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "workflow_id") var workflowID: UUID
    @Field(key: "version_id") var versionID: UUID
    @Field(key: "version") var version: Int
    @Enum(key: "status") var status: RunStatus
    @Field(key: "trigger_service") var triggerService: String
    @Field(key: "trigger_payload") var triggerPayload: String
    /// What made the run, unique per workflow: a schedule tick, a message id, an idempotency key.
    /// A second trigger with the same key finds the first run instead of starting another.
    @OptionalField(key: "dedupe_key") var dedupeKey: String?
    @OptionalField(key: "error") var error: String?
    /// The `respond` node's output, for the webhook caller.
    @OptionalField(key: "response") var response: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "started_at") var startedAt: Date?
    @OptionalField(key: "finished_at") var finishedAt: Date?
    @Field(key: "updated_at") var updatedAt: Date
}

enum StepStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, waiting, succeeded, failed, skipped, cancelled
}

/// One node of one run. Unique on (run, node): a node runs once per run.
final class RunStep: Model, @unchecked Sendable {
    static let schema = "run_steps"

    @ID(key: .id) var id: UUID?
    @Field(key: "run_id") var runID: UUID
    @Field(key: "business_id") var businessID: UUID
    @Field(key: "node_id") var nodeID: String
    @Enum(key: "status") var status: StepStatus
    @OptionalField(key: "port") var port: String?
    @OptionalField(key: "input") var input: String?
    @OptionalField(key: "output") var output: String?
    @OptionalField(key: "error") var error: String?
    @Field(key: "attempts") var attempts: Int
    /// Delays: when to resume. Approvals: when the timeout port fires.
    @OptionalField(key: "wake_at") var wakeAt: Date?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "started_at") var startedAt: Date?
    @OptionalField(key: "finished_at") var finishedAt: Date?
    @Field(key: "updated_at") var updatedAt: Date
}

struct CreateWorkflows: AsyncMigration {
    var name: String { "009_create_workflows" }

    func prepare(on db: any Database) async throws {
        try await db.schema("workflows")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("public_id", .string, .required)
            .field("name", .string, .required)
            .field("active", .bool, .required)
            .field("version", .int, .required)
            .field("trigger_service", .string, .required)
            .field("trigger_key", .string)
            .field("last_tick_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("deleted_at", .datetime)
            .unique(on: "public_id")
            .create()
        try await db.sql.create(index: "workflows_business").on("workflows").column("business_id").column("updated_at").run()
        try await db.sql.create(index: "workflows_trigger").on("workflows").column("business_id").column("trigger_service")
            .column("active").run()
        try await db.schema("workflow_versions")
            .id()
            .field("workflow_id", .uuid, .required, .references("workflows", "id", onDelete: .cascade))
            .field("business_id", .uuid, .required)
            .field("version", .int, .required)
            .field("blueprint", .string, .required)
            .field("secrets", .string)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .unique(on: "workflow_id", "version")
            .create()
        try await db.schema("runs")
            .id()
            .field("business_id", .uuid, .required, .references("businesses", "id", onDelete: .cascade))
            .field("workflow_id", .uuid, .required, .references("workflows", "id", onDelete: .cascade))
            .field("version_id", .uuid, .required)
            .field("version", .int, .required)
            .field("status", .string, .required)
            .field("trigger_service", .string, .required)
            .field("trigger_payload", .string, .required)
            .field("dedupe_key", .string)
            .field("error", .string)
            .field("response", .string)
            .field("created_at", .datetime, .required)
            .field("started_at", .datetime)
            .field("finished_at", .datetime)
            .field("updated_at", .datetime, .required)
            .unique(on: "workflow_id", "dedupe_key")
            .create()
        try await db.sql.create(index: "runs_business").on("runs").column("business_id").column("created_at").run()
        try await db.sql.create(index: "runs_status").on("runs").column("business_id").column("status").run()
        try await db.sql.create(index: "runs_workflow").on("runs").column("workflow_id").column("created_at").run()
        try await db.schema("run_steps")
            .id()
            .field("run_id", .uuid, .required, .references("runs", "id", onDelete: .cascade))
            .field("business_id", .uuid, .required)
            .field("node_id", .string, .required)
            .field("status", .string, .required)
            .field("port", .string)
            .field("input", .string)
            .field("output", .string)
            .field("error", .string)
            .field("attempts", .int, .required)
            .field("wake_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("started_at", .datetime)
            .field("finished_at", .datetime)
            .field("updated_at", .datetime, .required)
            .unique(on: "run_id", "node_id")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("run_steps").delete()
        try await db.schema("runs").delete()
        try await db.schema("workflow_versions").delete()
        try await db.schema("workflows").delete()
    }
}
