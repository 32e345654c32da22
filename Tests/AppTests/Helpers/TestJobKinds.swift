@testable import App
import Foundation

/// Job kinds only tests enqueue. Their handlers are registered by the test that runs them (or
/// none: the metrics test only counts a due job).
enum TestNoopJob: JobKind {
    static let name = "test.noop"
    static func lease(_ config: AppConfig) -> TimeInterval { 5 }
    static func run(_ payload: NoPayload, _ ctx: JobContext) async throws {}
}

enum TestSlowJob: JobKind {
    static let name = "test.slow"
    static func lease(_ config: AppConfig) -> TimeInterval { 1 }
    static func run(_ payload: NoPayload, _ ctx: JobContext) async throws {}
}
