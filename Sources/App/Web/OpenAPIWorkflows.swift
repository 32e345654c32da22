import Vapor

/// The workflow part of the OpenAPI document (issue 5; docs/workflows-api.md).
extension OpenAPIDocument {
    static var workflowSchemas: [String: JSONValue] {
        let runStatus = enumeration(RunStatus.allCases.map(\.rawValue))
        let issue = object(["node_id": nullable(string), "field": nullable(string), "message": string])
        let blueprint: JSONValue = ["type": "object", "description": "{name, nodes: [{id, kind, service, task, params, position}], edges: [{source, source_port, target}]} (DESIGN §7). Keys are kept exactly as sent."]
        let summary: [String: JSONValue] = [
            "id": uuid, "public_id": string, "name": string, "active": boolean, "version": integer,
            "trigger": object(["service": string, "task": string]), "webhook_url": nullable(string),
            "created_at": dateTime, "updated_at": dateTime,
            "last_run": ["anyOf": [object(["id": uuid, "status": runStatus, "created_at": dateTime]), ["type": "null"]]],
        ]
        var detail = summary
        detail["blueprint"] = blueprint
        let runSummary: [String: JSONValue] = [
            "id": uuid, "workflow_id": uuid, "workflow_name": string, "version": integer, "status": runStatus,
            "trigger_service": string, "error": nullable(string), "created_at": dateTime, "started_at": nullable(dateTime),
            "finished_at": nullable(dateTime),
        ]
        var run = runSummary
        run["trigger_payload"] = ["type": "object"]
        run["response"] = ["description": "The respond node's {status, body, headers}, or null."]
        run["steps"] = array(object([
            "node_id": string, "service": string, "task": string, "status": enumeration(StepStatus.allCases.map(\.rawValue)),
            "port": nullable(string), "input": ["description": "Resolved params, secrets redacted"], "output": ["description": "The node's outputs"],
            "error": nullable(string), "attempts": integer, "created_at": dateTime, "started_at": nullable(dateTime),
            "finished_at": nullable(dateTime), "wake_at": nullable(dateTime)]))
        run["pending_approvals"] = array(object(["node_id": string, "message": nullable(string), "timeout_at": nullable(dateTime),
                                                 "draft": nullable(string)]))
        return [
            "Blueprint": blueprint,
            "ValidationIssue": issue,
            "BlueprintInput": object(["blueprint": blueprint], required: ["blueprint"]),
            "ValidationResult": object(["valid": boolean, "errors": array(ref("ValidationIssue"))]),
            "DraftInput": object(["prompt": text(1, 2000)], required: ["prompt"]),
            "Draft": object(["blueprint": blueprint, "explanation": string, "source": enumeration(["recipe", "llm"]), "recipe": nullable(string),
                             "todo": array(string), "valid": boolean, "errors": array(ref("ValidationIssue"))]),
            "NodeCatalog": object(["nodes": array(["type": "object"]), "groups": array(string), "business_variables": array(string)]),
            "WorkflowSave": object(["name": string, "blueprint": blueprint]),
            "Workflow": object(detail),
            "WorkflowSummary": object(summary),
            "WorkflowPage": page("WorkflowSummary"),
            "WorkflowVersionSummary": object(["version": integer, "created_at": dateTime]),
            "WorkflowVersionPage": page("WorkflowVersionSummary"),
            "WorkflowVersion": object(["version": integer, "created_at": dateTime, "blueprint": blueprint]),
            "RunStart": object(["payload": ["type": "object"]]),
            "TestDataInput": object(["blueprint": blueprint, "workflow_id": nullable(uuid)], required: ["blueprint"]),
            "TestData": object(["payload": ["type": "object"],
                                "source": enumeration(["last_run", "sample_payload", "recent_event", "recent_message", "schedule", "fields"]),
                                "note": string]),
            "Run": object(run),
            "RunSummary": object(runSummary),
            "RunPage": page("RunSummary"),
            "Decision": object(["node_id": string, "note": string, "text": string]),
        ]
    }

    static var workflowOperations: [Op] {
        [
            Op(.workflowCatalog, tag: "Workflows", summary: "Every node: params schema, outputs, ports", response: "NodeCatalog"),
            Op(.workflowValidate, tag: "Workflows", summary: "Validate a blueprint", body: "BlueprintInput", response: "ValidationResult"),
            Op(.workflowDraft, tag: "Workflows", summary: "Draft a blueprint from a sentence (not saved)", body: "DraftInput", response: "Draft"),
            Op(.workflowTestData, tag: "Workflows",
               summary: "Test data for a run: the last payload, the sample, the latest real event, or one built from the fields used",
               body: "TestDataInput", response: "TestData"),
            Op(.workflows, tag: "Workflows", summary: "Workflows, most recently changed first", response: "WorkflowPage",
               query: listQuery + [("q", "Search names"), ("active", "true or false")]),
            Op(.workflowCreate, tag: "Workflows", summary: "Create a workflow (version 1); 422 invalid_blueprint lists the problems",
               body: "WorkflowSave", status: 201, response: "Workflow", idempotent: true),
            Op(.workflow, tag: "Workflows", summary: "A workflow with its current blueprint (secrets masked)", response: "Workflow"),
            Op(.workflowReplace, tag: "Workflows", summary: "Save: a changed blueprint becomes a new version", body: "WorkflowSave", response: "Workflow"),
            Op(.workflowUpdate, tag: "Workflows", summary: "Same as PUT", body: "WorkflowSave", response: "Workflow"),
            Op(.workflowDelete, tag: "Workflows", summary: "Delete; runs in flight are cancelled", status: 204),
            Op(.workflowVersions, tag: "Workflows", summary: "Saved versions, newest first", response: "WorkflowVersionPage", query: listQuery),
            Op(.workflowVersion, tag: "Workflows", summary: "One version's blueprint", response: "WorkflowVersion"),
            Op(.workflowActivate, tag: "Workflows", summary: "Turn the trigger on", response: "Workflow"),
            Op(.workflowDeactivate, tag: "Workflows", summary: "Turn the trigger off", response: "Workflow"),
            Op(.workflowStartRun, tag: "Runs", summary: "Run now with a test payload (works while inactive)",
               body: "RunStart", status: 201, response: "Run", idempotent: true),
            Op(.runs, tag: "Runs", summary: "Runs, newest first", response: "RunPage",
               query: listQuery + [("workflow_id", "Only this workflow's runs"), ("status", "queued, running, waiting, succeeded, failed or cancelled")]),
            Op(.run, tag: "Runs", summary: "A run with every step", response: "Run"),
            Op(.runCancel, tag: "Runs", summary: "Cancel at the next step boundary; 409 run_finished", response: "Run"),
            Op(.runRetry, tag: "Runs", summary: "Continue a failed run from its failed step; 409 run_not_failed", response: "Run"),
            Op(.runRestart, tag: "Runs",
               summary: "Run a failed or cancelled run again from the start: a new run with the same trigger data on the workflow's current version (asked again, the same new run); 409 run_not_finished",
               status: 201, response: "Run"),
            Op(.runApprove, tag: "Runs", summary: "Approve the waiting approval; 409 no_pending_approval", body: "Decision", response: "Run"),
            Op(.runReject, tag: "Runs", summary: "Reject the waiting approval; 409 no_pending_approval", body: "Decision", response: "Run"),
        ]
    }
}
