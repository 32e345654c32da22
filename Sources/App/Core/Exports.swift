// Money, quantities and their bounds live in the pure LedgerMath target (issue 14 §1); every
// file of App sees them as its own.
@_exported import LedgerMath

// The one JSON value type (issue 15 §5) lives in the pure JSONCore target, shared with the parser
// and the workflow core.
@_exported import JSONCore
