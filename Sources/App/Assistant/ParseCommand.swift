import AssistantNLU
import Fluent
import Foundation
import Vapor

/// `munim parse "text" [--business ID]`: prints the parsed intent as JSON, exactly like
/// `POST /api/v1/assistant/parse` (issue 3 §2). Nothing is written.
public struct ParseCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Argument(name: "text", help: "The sentence to parse, in quotes.")
        var text: String

        @Option(name: "business", help: "A business id whose products and customers resolve names.")
        var business: String?

        public init() {}
    }

    public var help: String { "Parses one sentence with the assistant's parser and prints the intent as JSON." }

    public init() {}

    public func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        var catalog = Catalog.empty
        if let raw = signature.business {
            guard let id = UUID(uuidString: raw) else {
                context.console.error("--business must be a business id (UUID)")
                throw ExitCode(2)
            }
            guard try await AccountsService(db: app.db).findBusiness(id) != nil else {
                context.console.error("No business with id \(raw)")
                throw ExitCode(2)
            }
            let service = AssistantService(db: app.db, store: app.store, businessID: id, userID: UUID(), now: app.clock.now(),
                                           logger: app.logger, engine: ParseEngine(app: app))
            catalog = try await service.catalog()
        }
        let outcome = await ParseEngine(app: app).parse(signature.text, catalog: catalog, logger: app.logger)
        let data = try AssistantController.encoder.encode(outcome.intent)
        context.console.output(String(decoding: data, as: UTF8.self).consoleText())
        if let note = outcome.fallbackNote { context.console.warning(note) }
    }

    struct ExitCode: Error, CustomStringConvertible {
        let code: Int32
        init(_ code: Int32) { self.code = code }
        var description: String { "exit \(code)" }
    }
}
