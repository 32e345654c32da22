// Blueprint params, payloads and outputs are JSONCore's `JSONValue`; users of WorkflowCore see it too.
@_exported import JSONCore
