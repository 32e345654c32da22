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
