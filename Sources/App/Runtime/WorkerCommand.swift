import Dispatch
import Foundation
import SQLKit
import Vapor

/// `munim worker`: runs jobs only (workflow steps, outbound messages, pollers, schedules) until
/// SIGTERM or SIGINT. The worker itself is the lifecycle handler `configure` installs; this
/// command just keeps the process alive, and on a signal returns so the app shuts down, which
/// drains the worker (DESIGN §1).
public struct WorkerCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Option(name: "health-file", help: "Rewrite this file every 5 s while the database answers (container healthchecks read its age).")
        var healthFile: String?

        public init() {}
    }

    public init() {}

    public var help: String { "Runs background jobs without serving HTTP." }

    public func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard app.munimConfig.workerEnabled else {
            throw APIError(.internalServerError, "worker_disabled", "The worker is disabled in this process.")
        }
        app.logger.notice("munim worker running; stop with SIGTERM or Ctrl-C")
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            sources.append(source)
        }
        let heartbeat = signature.healthFile.map { path in
            Task {
                while !Task.isCancelled {
                    do {
                        _ = try await app.db.sql.raw("SELECT 1 AS one").first()
                        try Data("\(Int(Date().timeIntervalSince1970))\n".utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                    } catch {
                        app.logger.warning("worker health check failed: \(String(describing: error))")
                    }
                    try? await Task.sleep(for: .seconds(5))
                }
            }
        }
        for await sig in stream {
            app.logger.notice("worker received signal \(sig); finishing in-flight jobs")
            break
        }
        heartbeat?.cancel()
        if let path = signature.healthFile { try? FileManager.default.removeItem(atPath: path) }
        sources.forEach { $0.cancel() }
    }
}
