import Foundation
import Vapor

/// Job kinds only the process tests use, registered when `MUNIM_TEST_HOOKS=1` (never in
/// production). `test.crash` kills its own process the way a trap would, so the tests can check
/// that such a job is retired after `max_attempts` instead of crashing every restart (issue 14 §2).
enum TestHooks {
    static let crashKind = "test.crash"

    static func register(_ app: Application) {
        app.logger.warning("MUNIM_TEST_HOOKS is on: test-only job kinds are registered")
        app.jobs.register(JobHandler(kind: crashKind, lease: 2) { ctx in
            ctx.logger.critical("test.crash: killing this process as a crashing job would")
            kill(getpid(), SIGKILL)
        })
    }
}
