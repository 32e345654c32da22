// Money, quantities and their bounds live in the pure LedgerMath target (issue 14 §1); every
// file of App sees them as its own.
@_exported import LedgerMath
