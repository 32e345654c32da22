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
actor GroupCommit<Item: Sendable> {
    typealias Write = @Sendable (_ items: [Item], _ tx: any Database) async throws -> Void

    private let store: Store
    private let db: any Database
    private let maxBatch: Int
    private let write: Write
    private var pending: [(item: Item, done: CheckedContinuation<Void, any Error>)] = []
    private var flushing = false
    /// Batches committed and items in them, for the benchmark's report and tests.
    private(set) var batches = 0
    private(set) var items = 0
    /// Items waiting for the next batch.
    var waiting: Int { pending.count }

    init(store: Store, db: any Database, maxBatch: Int = 256, write: @escaping Write) {
        self.store = store
        self.db = db
        self.maxBatch = maxBatch
        self.write = write
    }

    /// Returns once `item` is committed; throws what its write threw.
    func submit(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
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
            let write = write
            do {
                let items = batch.map(\.item)
                try await store.write(db) { tx in try await write(items, tx) }
                batches += 1
                self.items += batch.count
                for entry in batch { entry.done.resume() }
            } catch where batch.count > 1 {
                for entry in batch {
                    let item = entry.item
                    do {
                        try await store.write(db) { tx in try await write([item], tx) }
                        batches += 1
                        items += 1
                        entry.done.resume()
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
