import App
import Foundation
import Logging
import Vapor

/// Boots only: configuration, logging, the app, the command. Everything else lives in App.
@main
enum Entrypoint {
    static func main() async {
        var arguments = CommandLine.arguments
        // `serve --no-migrate` skips the automatic migration (DESIGN §1); Vapor must not see the flag.
        let noMigrate = arguments.contains("--no-migrate")
        // `serve --no-worker`: an API-only instance; jobs run in `munim worker` processes.
        let noWorker = arguments.contains("--no-worker")
        arguments.removeAll { $0 == "--no-migrate" || $0 == "--no-worker" }
        let command = arguments.dropFirst().first(where: { !$0.hasPrefix("-") })

        var config: AppConfig
        do {
            config = try AppConfig.load(try AppConfig.environment())
            // Jobs run in `serve` (unless --no-worker) and in `worker`; never in migrate/demo/parse.
            config.workerEnabled = ((command == nil || command == "serve") && !noWorker) || command == "worker"
        } catch {
            FileHandle.standardError.write(Data("munim: \(error)\n".utf8))
            exit(2)
        }
        let logLevel = config.logLevel
        if config.logJSON {
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: logLevel) }
        } else {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = logLevel
                return handler
            }
        }

        let app: Application
        do {
            let env = try Environment.detect(arguments: arguments)
            app = try await Application.make(env)
        } catch {
            FileHandle.standardError.write(Data("munim: could not start: \(error)\n".utf8))
            exit(1)
        }
        do {
            try await configure(app, config: config)
            app.asyncCommands.use(DemoCommand(), as: "demo")
            app.asyncCommands.use(ParseCommand(), as: "parse")
            app.asyncCommands.use(WorkerCommand(), as: "worker")
            if (command == nil || command == "serve") && !noMigrate {
                try await migrateAtStartup(app)
            }
            // startup() runs the command; for `serve` the server is listening when it returns.
            try await app.startup()
            if command == nil || command == "serve" {
                StartupBanner.print(app)
            }
            try await app.running?.onStop.get()
            // Drain first: the HTTP server finishes in-flight requests (up to its shutdown timeout)
            // before the databases and thread pools they use are shut down.
            app.events.finishAll()  // end open SSE streams so the drain does not wait for them
            await app.http.server.shared.shutdown()
            try await app.asyncShutdown()
        } catch {
            app.logger.critical("munim stopped: \(error)")
            try? await app.asyncShutdown()
            exit(1)
        }
    }
}
