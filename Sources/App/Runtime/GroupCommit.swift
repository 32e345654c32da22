import Fluent
import NIOConcurrencyHelpers
import Vapor

/// Group commit: many concurrent callers' small writes committed together in one transaction.
///
/// On SQLite every write transaction takes the one write gate and ends in an fsync, so a busy
/// webhook endpoint that commits each request on its own is limited to a few hundred requests a
/// second however cheap each insert is. Here a caller hands over its item and waits; one flusher
/// writes every item that is waiting in a single transaction and then answers all of their
/// callers. Nothing waits for a timer: under light load a batch is one item and commits at once;
/// under heavy load the batch is whatever arrived while the previous one was committing.
///
/// A caller's `submit` returns only after its item is committed (durable), so an HTTP 200 that
/// follows it is a promise kept. When a batch fails, its items are written again one at a time so
/// one bad item fails only its own caller.
///
/// A lock, not an actor: a caller registers its item on its own thread instead of hopping to an
/// actor's executor first (one executor switch less per webhook). The flusher is the only task that
/// writes, and it runs at high priority so that under load its commits are not queued behind the
/// requests waiting for them.
final class GroupCommit<Item: Sendable, Outcome: Sendable>: Sendable {
    /// Writes `items` and returns one outcome per item, in order.
    typealias Write = @Sendable (_ items: [Item], _ tx: any Database) async throws -> [Outcome]

    private struct State {
        var pending: [(item: Item, done: CheckedContinuation<Outcome, any Error>)] = []
        var flushing = false
        var batches = 0
        var items = 0
    }

    private let store: Store
    private let db: any Database
    private let maxBatch: Int
    private let singleStatement: Bool
    private let write: Write
    private let state = NIOLockedValueBox(State())

    /// Batches committed and items in them, for the benchmark's report and tests.
    var batches: Int { state.withLockedValue { $0.batches } }
    var items: Int { state.withLockedValue { $0.items } }
    /// Items waiting for the next batch.
    var waiting: Int { state.withLockedValue { $0.pending.count } }

    /// `singleStatement`: `write` issues one statement, which is atomic by itself, so no
    /// BEGIN/COMMIT is sent around it (`Store.writeStatement`).
    init(store: Store, db: any Database, maxBatch: Int = 256, singleStatement: Bool = false, write: @escaping Write) {
        self.store = store
        self.db = db
        self.maxBatch = maxBatch
        self.singleStatement = singleStatement
        self.write = write
    }

    private func commit(_ items: [Item]) async throws -> [Outcome] {
        let write = write
        let outcomes = singleStatement
            ? try await store.writeStatement(db) { db in try await write(items, db) }
            : try await store.write(db) { tx in try await write(items, tx) }
        guard outcomes.count == items.count else {
            throw APIError(.internalServerError, "internal_error", "A group commit returned \(outcomes.count) outcomes for \(items.count) items.")
        }
        return outcomes
    }

    /// Returns once `item` is committed, with its outcome; throws what its write threw.
    func submit(_ item: Item) async throws -> Outcome {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Outcome, any Error>) in
            let start = state.withLockedValue { s -> Bool in
                s.pending.append((item, done))
                guard !s.flushing else { return false }
                s.flushing = true
                return true
            }
            if start { Task(priority: .high) { await self.flush() } }
        }
    }

    /// Takes the next batch, or ends the flush (under the same lock, so an item submitted at that
    /// moment either joins a batch or starts the next flush).
    private func nextBatch() -> [(item: Item, done: CheckedContinuation<Outcome, any Error>)]? {
        state.withLockedValue { s in
            guard !s.pending.isEmpty else {
                s.flushing = false
                return nil
            }
            let batch = Array(s.pending.prefix(maxBatch))
            s.pending.removeFirst(batch.count)
            return batch
        }
    }

    private func counted(_ n: Int) {
        state.withLockedValue { s in
            s.batches += 1
            s.items += n
        }
    }

    private func flush() async {
        while let batch = nextBatch() {
            do {
                let outcomes = try await commit(batch.map(\.item))
                counted(batch.count)
                for (entry, outcome) in zip(batch, outcomes) { entry.done.resume(returning: outcome) }
            } catch where batch.count > 1 {
                for entry in batch {
                    do {
                        let outcome = try await commit([entry.item])[0]
                        counted(1)
                        entry.done.resume(returning: outcome)
                    } catch {
                        entry.done.resume(throwing: error)
                    }
                }
            } catch {
                batch[0].done.resume(throwing: error)
            }
        }
    }
}
