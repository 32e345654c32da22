import Fluent
import Foundation
import Vapor

/// `munim users list` and `munim users reset-password EMAIL` (issue 19 §1): account recovery for
/// whoever runs the server. A reset prints a one-time password that must be changed at the next
/// login, and ends every session of that user.
public struct UsersCommand: AsyncCommandGroup {
    public let commands: [String: any AnyAsyncCommand] = ["list": ListUsers(), "reset-password": ResetPassword()]
    public var help: String { "Lists the users, or gives one a one-time password (account recovery)." }

    public init() {}

    struct ListUsers: AsyncCommand {
        struct Signature: CommandSignature {}
        var help: String { "Lists every user: email, name, role, business, and whether a password change is due." }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            try await app.autoMigrate()
            let rows = try await AccountsService(db: app.db).directory()
            guard !rows.isEmpty else {
                context.console.print("No users yet. Sign up in the web app, or run `munim demo` for a demo business.")
                return
            }
            for r in rows {
                let flag = r.mustChangePassword ? "  (must change password)" : ""
                context.console.print("\(r.email)\t\(r.name)\t\(r.role.rawValue)\t\(r.business)\(flag)")
            }
        }
    }

    struct ResetPassword: AsyncCommand {
        struct Signature: CommandSignature {
            @Argument(name: "email", help: "The user's email address.")
            var email: String
        }
        var help: String { "Sets a one-time password for EMAIL (printed once; changed at the next login) and ends every session of that user." }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            try await app.autoMigrate()
            guard let password = try await UsersCommand.resetPassword(app, email: signature.email) else {
                context.console.error("No user with the email \(signature.email). `munim users list` shows who there is.")
                throw ParseCommand.ExitCode(2)
            }
            context.console.print("One-time password for \(signature.email.trimmingCharacters(in: .whitespaces).lowercased()): \(password)")
            context.console.print("It must be changed at the next login. Every session of this user has ended.")
        }
    }

    /// Gives the user a fresh one-time password and returns it; nil when no user has the email.
    static func resetPassword(_ app: Application, email: String) async throws -> String? {
        let password = String(Tokens.random(bytes: 12).prefix(16))
        let hash = try await app.password.async(on: app.threadPool, hopTo: app.eventLoopGroup.any()).hash(password)
        let normalized = email.trimmingCharacters(in: .whitespaces).lowercased()
        guard try await AccountsService(db: app.db, store: app.store).resetPassword(email: normalized, hash: hash) else { return nil }
        return password
    }
}
