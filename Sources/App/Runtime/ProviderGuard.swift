import Foundation
import NIOConcurrencyHelpers
import Vapor
import WorkflowCore

/// Per-provider concurrency caps and circuit breakers (issue 14 §4), in this process.
///
/// - A provider (one base URL of one service) may hold at most `perProvider` of the provider
///   lane's loops at once, so one slow service cannot occupy the whole lane: a job that finds its
///   provider full is put back for a moment without spending an attempt (`JobPostpone`).
/// - After `threshold` calls in a row that got no answer (timeouts, refused connections), the
///   breaker opens: for `coolDown` calls fail at once with a clear reason (shown as the channel's
///   status), then one trial call decides whether it closes again.
///
/// Process-local by design: a breaker is an optimisation of this process's waiting, not state
/// that correctness depends on (DESIGN §1).
final class ProviderGuard: Sendable {
    private enum Admission { case go, full, open(Date) }

    struct Open: Error, CustomStringConvertible {
        let provider: String
        let until: Date
        var description: String {
            "\(provider) did not answer several times in a row; Munim pauses calls to it until \(ISODate.string(until)) and then tries again."
        }
    }

    private struct State {
        var inFlight = 0
        var failures = 0
        var openUntil: Date? = nil
    }

    private let states = NIOLockedValueBox<[String: State]>([:])
    let perProvider: Int
    let threshold: Int
    let coolDown: TimeInterval

    init(perProvider: Int, threshold: Int = 3, coolDown: TimeInterval = 30) {
        self.perProvider = max(1, perProvider)
        self.threshold = threshold
        self.coolDown = coolDown
    }

    /// Runs `call` against `provider` when its breaker is closed and a slot is free.
    /// `unanswered` tells which errors mean "the provider did not answer" (they count towards
    /// opening the breaker); any answer, even an error status, closes it.
    func run<T: Sendable>(_ provider: String, clock: AppClock, unanswered: (any Error) -> Bool,
                          _ call: () async throws -> T) async throws -> T {
        let now = clock.now()
        let admission = states.withLockedValue { all -> Admission in
            var s = all[provider] ?? State()
            defer { all[provider] = s }
            if let until = s.openUntil {
                if now < until { return .open(until) }
                // Cool-down over: let calls through again; the next outcome decides.
                s.openUntil = nil
                s.failures = threshold - 1
            }
            guard s.inFlight < perProvider else { return .full }
            s.inFlight += 1
            return .go
        }
        switch admission {
        case .open(let until): throw Open(provider: provider, until: until)
        case .full: throw JobPostpone(after: 1)
        case .go: break
        }
        do {
            let result = try await call()
            finish(provider, failed: false, now: clock.now())
            return result
        } catch {
            finish(provider, failed: unanswered(error), now: clock.now())
            throw error
        }
    }

    private func finish(_ provider: String, failed: Bool, now: Date) {
        states.withLockedValue { all in
            var s = all[provider] ?? State()
            s.inFlight = max(0, s.inFlight - 1)
            if failed {
                s.failures += 1
                if s.failures >= threshold { s.openUntil = now.addingTimeInterval(coolDown) }
            } else {
                s.failures = 0
            }
            all[provider] = s
        }
    }

    /// Calls to `provider` running now (tests, status).
    func inFlight(_ provider: String) -> Int {
        states.withLockedValue { $0[provider]?.inFlight ?? 0 }
    }

    /// Calls to `provider` in a row that got no answer (tests' diagnostics).
    func failuresInARow(_ provider: String) -> Int {
        states.withLockedValue { $0[provider]?.failures ?? 0 }
    }

    /// Whether `provider`'s breaker is open now (tests, status).
    func isOpen(_ provider: String, now: Date) -> Bool {
        states.withLockedValue { $0[provider]?.openUntil.map { now < $0 } ?? false }
    }
}

extension Application {
    private struct ProviderGuardKey: StorageKey { typealias Value = ProviderGuard }

    /// One guard per process, sized from the provider lane: each provider may use half of it.
    var providerGuard: ProviderGuard {
        if let g = storage[ProviderGuardKey.self] { return g }
        let g = ProviderGuard(perProvider: max(1, munimConfig.providerConcurrency / 2))
        storage[ProviderGuardKey.self] = g
        return g
    }
}
