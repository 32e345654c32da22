import App
import Foundation
import Logging
import Vapor

/// Boots only: configuration, logging, the app, the command. Everything else lives in App.
@main
enum Entrypoint {
    /// `munim --help`: printed without loading the configuration, opening the database or
    /// starting a worker (issue 14).
    static let usage = """
        Usage: munim [command] [options]

        Commands:
          serve [--hostname H] [--port P] [--no-migrate] [--no-worker]
                          Serve the web UI and the API (the default command); migrates the
                          database first unless --no-migrate; runs jobs unless --no-worker.
          worker [--health-file PATH]
                          Run background jobs only (workflow steps, outbound messages, schedules).
          migrate [--yes] Apply pending database migrations, then exit.
          demo            Seed a demo business with products, customers and invoices.
          parse "text" [--business ID]
                          Parse one sentence with the assistant's parser and print JSON.
          users list      List every user: email, name, role, business.
          users reset-password EMAIL
                          Account recovery: print a one-time password for EMAIL (changed at
                          the next login) and end every session of that user.
          routes-js       Print Public/js/routes.js, the web UI's copy of the route table
                          (scripts/gen-routes writes it).
          help            Show this text (also --help, -h).

        Configuration comes from the environment and ./.env (README "Configuration").

        """

    /// Commands this binary runs (`routes` is Vapor's own listing, kept for operators).
    static let commands: Set<String> = ["serve", "worker", "migrate", "demo", "parse", "users", "routes"]
    /// Options that take a value, so `munim --port 8123` is read as `serve` on port 8123.
    static let valueOptions: Set<String> = ["--hostname", "-H", "--port", "-p", "--bind", "-b", "--unix-socket",
                                            "--env", "-e", "--log", "--health-file", "--business"]

    /// The command word: the first argument that is neither an option nor an option's value.
    static func commandWord(_ arguments: [String]) -> String? {
        var skipNext = false
        for arg in arguments.dropFirst() {
            if skipNext { skipNext = false; continue }
            if arg.hasPrefix("-") {
                skipNext = valueOptions.contains(arg)
                continue
            }
            return arg
        }
        return nil
    }

    static func main() async {
        var arguments = CommandLine.arguments
        // Help and unknown commands answer before anything is loaded: no .env, no database.
        let word = commandWord(arguments)
        if word == "help" || arguments.dropFirst().contains(where: { $0 == "--help" || $0 == "-h" }) {
            FileHandle.standardOutput.write(Data(usage.utf8))
            exit(0)
        }
        if word == "routes-js" {
            FileHandle.standardOutput.write(Data(Endpoint.javascript.utf8))
            exit(0)
        }
        if let word, !commands.contains(word) {
            FileHandle.standardError.write(Data("munim: unknown command \"\(word)\"\n\n\(usage)".utf8))
            exit(2)
        }
        // `serve --no-migrate` skips the automatic migration (DESIGN §1); Vapor must not see the flag.
        let noMigrate = arguments.contains("--no-migrate")
        // `serve --no-worker`: an API-only instance; jobs run in `munim worker` processes.
        let noWorker = arguments.contains("--no-worker")
        arguments.removeAll { $0 == "--no-migrate" || $0 == "--no-worker" }
        let command = commandWord(arguments)

        var config: AppConfig
        do {
            config = try AppConfig.load(try AppConfig.environment())
            // Jobs run in `serve` (unless --no-worker) and in `worker`; never in migrate/demo/parse/users.
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
            app.asyncCommands.use(UsersCommand(), as: "users")
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
