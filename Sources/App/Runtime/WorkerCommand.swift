import Dispatch
import Foundation
import Vapor

/// `munim worker`: runs jobs only (workflow steps, outbound messages, pollers, schedules) until
/// SIGTERM or SIGINT. The worker itself is the lifecycle handler `configure` installs; this
/// command just keeps the process alive, and on a signal returns so the app shuts down, which
/// drains the worker (DESIGN §1).
public struct WorkerCommand: AsyncCommand {
    public struct Signature: CommandSignature {
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
        for await sig in stream {
            app.logger.notice("worker received signal \(sig); finishing in-flight jobs")
            break
        }
        sources.forEach { $0.cancel() }
    }
}
