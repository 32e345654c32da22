import Foundation
import Vapor

struct UserDTO: Content {
    let id: UUID
    let email: String
    let name: String
    let role: Role
    let mustChangePassword: Bool
    /// The web app's language: the user's choice, else the business's preferred language when the
    /// app speaks it, else English.
    let language: String
    /// Whether `language` is the user's own choice (false: it follows the business).
    let languageChosen: Bool
}

struct MePatch: Decodable, Sendable {
    var language: Patch<String>
}

struct BusinessDTO: Content {
    let id: UUID
    let businessName: String
    let ownerName: String
    @NullEncoded var gstin: String?
    @NullEncoded var industry: String?
    let preferredLanguage: String
    @NullEncoded var whatsappNumber: String?
    @NullEncoded var state: String?
    @NullEncoded var address: String?
    let timezone: String
    let currency: String
    @NullEncoded var upiId: String?
    @NullEncoded var hours: String?
    let gstRegistration: GSTRegistration
    @NullEncoded var hsnDigits: Int64?
    let roundOff: Bool
    @NullEncoded var createdAt: Date?

    init(_ b: Business) {
        id = b.id!
        businessName = b.name
        ownerName = b.ownerName
        gstin = b.gstin
        industry = b.industry
        preferredLanguage = b.preferredLanguage
        whatsappNumber = b.whatsappNumber
        state = b.state
        address = b.address
        timezone = b.timezone
        currency = b.currency
        upiId = b.upiID
        hours = b.hours
        gstRegistration = b.gstRegistration
        hsnDigits = b.hsnDigits
        roundOff = b.roundOff ?? false
        createdAt = b.createdAt
    }
}

struct SessionDTO: Content {
    @NullEncoded var csrfToken: String?
    let user: UserDTO
    let business: BusinessDTO
}

struct SignupInput: Content {
    let email: String
    let password: String
    let businessName: String
    let ownerName: String
}

struct ForgotPasswordInput: Content {
    let email: String
}

struct ResetPasswordInput: Content {
    let email: String
    let code: String
    let newPassword: String
}

struct LoginCodeInput: Content {
    let email: String
    let code: String
}

struct RecoveryAccepted: Content {
    let status: String
    let message: String
    let expiresInMinutes: Int
}

struct RecoveryDone: Content {
    let status: String
    let message: String
}

struct LoginInput: Content {
    let email: String
    let password: String
}

struct PasswordChangeInput: Content {
    let currentPassword: String
    let newPassword: String
}

struct BusinessPatch: Decodable, Sendable {
    var businessName: Patch<String> = .absent
    var ownerName: Patch<String> = .absent
    var gstin: Patch<String> = .absent
    var industry: Patch<String> = .absent
    var preferredLanguage: Patch<String> = .absent
    var whatsappNumber: Patch<String> = .absent
    var state: Patch<String> = .absent
    var address: Patch<String> = .absent
    var timezone: Patch<String> = .absent
    var currency: Patch<String> = .absent
    var upiId: Patch<String> = .absent
    var hours: Patch<String> = .absent
    var gstRegistration: Patch<String> = .absent
    var hsnDigits: Patch<Int64> = .absent
    var roundOff: Patch<Bool> = .absent
}

struct StaffMemberDTO: Content {
    let id: UUID
    let email: String
    let name: String
    let role: Role
    let mustChangePassword: Bool
    @NullEncoded var createdAt: Date?
    /// Messages from this number reach the assistant (issue 4 §3).
    @NullEncoded var whatsappNumber: String?
}

struct StaffCreateInput: Content {
    let email: String
    let name: String
    var whatsappNumber: String?
}

struct StaffCreatedDTO: Content {
    let member: StaffMemberDTO
    let oneTimePassword: String
}

struct TokenDTO: Content {
    let id: UUID
    let name: String
    let prefix: String
    @NullEncoded var createdAt: Date?
    @NullEncoded var lastUsedAt: Date?
}

struct TokenCreateInput: Content {
    let name: String
}

struct TokenCreatedDTO: Content {
    let id: UUID
    let name: String
    let prefix: String
    let token: String
    @NullEncoded var createdAt: Date?
}

struct ItemsDTO<T: Codable & Sendable>: Content {
    let items: [T]
}
