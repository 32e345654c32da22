import Fluent
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
actor GroupCommit<Item: Sendable, Outcome: Sendable> {
    /// Writes `items` and returns one outcome per item, in order.
    typealias Write = @Sendable (_ items: [Item], _ tx: any Database) async throws -> [Outcome]

    private let store: Store
    private let db: any Database
    private let maxBatch: Int
    private let singleStatement: Bool
    private let write: Write
    private var pending: [(item: Item, done: CheckedContinuation<Outcome, any Error>)] = []
    private var flushing = false
    /// Batches committed and items in them, for the benchmark's report and tests.
    private(set) var batches = 0
    private(set) var items = 0
    /// Items waiting for the next batch.
    var waiting: Int { pending.count }

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
            pending.append((item, done))
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            do {
                let outcomes = try await commit(batch.map(\.item))
                batches += 1
                self.items += batch.count
                for (entry, outcome) in zip(batch, outcomes) { entry.done.resume(returning: outcome) }
            } catch where batch.count > 1 {
                for entry in batch {
                    let item = entry.item
                    do {
                        let outcome = try await commit([item])[0]
                        batches += 1
                        items += 1
                        entry.done.resume(returning: outcome)
                    } catch {
                        entry.done.resume(throwing: error)
                    }
                }
            } catch {
                batch[0].done.resume(throwing: error)
            }
        }
        flushing = false
    }
}
