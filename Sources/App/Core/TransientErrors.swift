import FluentPostgresDriver
import FluentSQLiteDriver

/// Errors that say "the database is momentarily overloaded or contended", not "this request is
/// wrong" (issue 14 §5). The API answers them with 503 `busy` and `Retry-After`; a caller that
/// owns a whole transaction may instead retry it a bounded number of times.
///
/// Pure: it only inspects the error value, so it can be used anywhere (middleware, ledger retry).
enum TransientErrors {
    /// PostgreSQL SQLSTATEs that a retry of the same transaction can succeed on.
    static let transientSQLStates: Set<String> = [
        "40001",  // serialization_failure
        "40P01",  // deadlock_detected
        "55P03",  // lock_not_available (lock_timeout, NOWAIT)
        "53300",  // too_many_connections: the server refused a new pool connection
    ]

    static func isTransientDatabaseError(_ error: any Error) -> Bool {
        switch error {
        case let e as ConnectionPoolTimeoutError:
            // Every pooled connection stayed busy for the pool's whole wait.
            return e == .connectionRequestTimeout
        case let e as PSQLError:
            guard e.code == .server, let state = e.serverInfo?[.sqlState] else { return false }
            return transientSQLStates.contains(state)
        case let e as SQLiteError:
            switch e.reason {
            case .busy, .busyInRecovery, .busyInSnapshot, .busyTimeout, .locked, .lockedBySharedCache, .lockedVirtualTable:
                return true
            default:
                return false
            }
        default:
            return false
        }
    }

    /// The SQLSTATE of a PostgreSQL server error, for logs and tests.
    static func sqlState(of error: any Error) -> String? {
        guard let e = error as? PSQLError, e.code == .server else { return nil }
        return e.serverInfo?[.sqlState]
    }
}
