import Fluent
import Vapor

/// Sign-up, login, sessions, the business profile, staff and API tokens (issue 2 §4).
struct AccountsController {
    static let minPasswordLength = 10

    // MARK: routes

    func registerPublic(_ api: any RoutesBuilder) {
        api.on(.signup, use: signup)
        api.on(.login, use: login)
        api.on(.recoveryOptions, use: recoveryOptions)
        api.on(.forgotPassword, use: forgotPassword)
        api.on(.resetPassword, use: resetPassword)
        api.on(.loginCode, use: loginCode)
        api.on(.loginCodeVerify, use: loginCodeVerify)
    }

    func registerAuthenticated(_ api: any RoutesBuilder) {
        api.on(.logout, use: logout)
        api.on(.me, use: me)
        api.on(.changePassword, use: changePassword)
        api.on(.meUpdate, use: patchMe)
        api.on(.business, use: getBusiness)
        api.on(.businessUpdate, use: patchBusiness)
        api.on(.staff, use: listStaff)
        api.on(.staffAdd, use: addStaff)
        api.on(.staffRemove, use: removeStaff)
        api.on(.tokens, use: listTokens)
        api.on(.tokenCreate, use: createToken)
        api.on(.tokenRevoke, use: revokeToken)
    }

    // MARK: sign-up and login

    @Sendable func signup(req: Request) async throws -> Response {
        let input = try req.content.decode(SignupInput.self)
        var errors = FieldErrors()
        let email = errors.check("email", Validate.email(input.email))
        if input.password.count < Self.minPasswordLength {
            errors.add("password", "must be at least \(Self.minPasswordLength) characters")
        } else if input.password.count > 200 {
            errors.add("password", "must be at most 200 characters")
        }
        let businessName = errors.check("business_name", Validate.text(input.businessName, max: 120))
        let ownerName = errors.check("owner_name", Validate.text(input.ownerName, max: 120))
        if businessName == .some(nil) { errors.add("business_name", "is required") }
        if ownerName == .some(nil) { errors.add("owner_name", "is required") }
        try errors.throwIfAny()
        guard let email, let businessName = businessName ?? nil, let ownerName = ownerName ?? nil else { throw APIError.badRequest("invalid sign-up") }

        let hash = try await req.password.async.hash(input.password)
        let config = req.application.munimConfig
        let now = req.now
        let token = Tokens.random()
        let csrf = Tokens.random()
        let result = try await Self.service(req).signUp(email: email, passwordHash: hash, businessName: businessName, ownerName: ownerName,
                                                        sessionTokenHash: Tokens.hash(token), csrfToken: csrf,
                                                        expiresAt: now.addingTimeInterval(Double(config.sessionDays) * 86_400))
        let dto = SessionDTO(csrfToken: csrf, user: Self.userDTO(result.0, role: .owner, business: result.1), business: BusinessDTO(result.1))
        let response = try await dto.encodeResponse(status: .created, for: req)
        response.cookies[SessionCookie.name] = SessionCookie.make(token, config: config)
        return response
    }

    @Sendable func login(req: Request) async throws -> Response {
        let input = try req.content.decode(LoginInput.self)
        let email = input.email.trimmingCharacters(in: .whitespaces).lowercased()
        let config = req.application.munimConfig
        let now = req.now
        let keys = ["email:\(email)", "ip:\(req.clientIP)"]

        // Rate limit per email and per IP, counted in the database so it holds across instances.
        let windowStart = now.addingTimeInterval(-60)
        let accounts = Self.service(req)
        for key in keys {
            let recent = try await accounts.loginAttempts(key: key, since: windowStart)
            if recent >= config.loginAttemptsPerMinute {
                var error = APIError(.tooManyRequests, "rate_limited", "Too many login attempts. Wait a minute and try again.")
                error.headers.replaceOrAdd(name: .retryAfter, value: "60")
                throw error
            }
        }
        try await accounts.recordLoginAttempt(keys: keys, now: now)

        let invalid = APIError(.unauthorized, "invalid_credentials", "Wrong email or password.")
        guard let user = try await accounts.user(email: email) else {
            // Spend the same time as a real check so unknown emails are not revealed by timing.
            _ = try await req.password.async.hash(input.password)
            throw invalid
        }
        guard try await req.password.async.verify(input.password, created: user.passwordHash) else { throw invalid }
        return try await Self.startSession(req, user: user, now: now)
    }

    /// A new session for `user` (password or code checked): the cookie and the session's JSON.
    static func startSession(_ req: Request, user: User, now: Date) async throws -> Response {
        let accounts = Self.service(req)
        let config = req.application.munimConfig
        guard let (membership, business) = try await accounts.membership(of: user.id!) else {
            throw APIError.forbidden("This account no longer belongs to a business.")
        }
        let token = Tokens.random()
        let csrf = Tokens.random()
        let session = WebSession(tokenHash: Tokens.hash(token), userID: user.id!, businessID: business.id!,
                                 csrfToken: csrf, expiresAt: now.addingTimeInterval(Double(config.sessionDays) * 86_400))
        try await accounts.startSession(session, now: now)
        let dto = SessionDTO(csrfToken: csrf, user: Self.userDTO(user, role: membership.role, business: business), business: BusinessDTO(business))
        let response = try await dto.encodeResponse(status: .ok, for: req)
        response.cookies[SessionCookie.name] = SessionCookie.make(token, config: config)
        return response
    }

    // MARK: forgot password (issue 19 §1)

    @Sendable func recoveryOptions(req: Request) async throws -> Recovery.Options {
        try await Recovery(app: req.application, now: req.now).options()
    }

    /// 202 with the same body whether or not the account exists.
    @Sendable func forgotPassword(req: Request) async throws -> Response {
        let input = try req.content.decode(ForgotPasswordInput.self)
        var errors = FieldErrors()
        let email = errors.check("email", Validate.email(input.email))
        try errors.throwIfAny()
        guard let email else { throw APIError.validation("email", "is required") }
        try await Recovery(app: req.application, now: req.now).request(email: email, address: req.clientIP)
        return try await RecoveryAccepted(status: "accepted", message: Recovery.accepted, expiresInMinutes: Recovery.lifetimeMinutes)
            .encodeResponse(status: .accepted, for: req)
    }

    /// Sets a new password with the code; every session of the user ends (they log in again).
    @Sendable func resetPassword(req: Request) async throws -> RecoveryDone {
        let input = try req.content.decode(ResetPasswordInput.self)
        guard input.newPassword.count >= Self.minPasswordLength, input.newPassword.count <= 200 else {
            throw APIError.validation("new_password", "must be at least \(Self.minPasswordLength) characters")
        }
        let email = input.email.trimmingCharacters(in: .whitespaces).lowercased()
        let password = req.password, newPassword = input.newPassword
        try await Recovery(app: req.application, now: req.now).reset(email: email, code: input.code, address: req.clientIP) {
            try await password.async.hash(newPassword)
        }
        return RecoveryDone(status: "password_changed", message: "Your password is changed. Log in with the new one.")
    }

    // MARK: sign in with a WhatsApp code (issue 19 §1)

    /// 202 with the same body whether or not the account exists or has a WhatsApp number.
    @Sendable func loginCode(req: Request) async throws -> Response {
        let input = try req.content.decode(ForgotPasswordInput.self)
        var errors = FieldErrors()
        let email = errors.check("email", Validate.email(input.email))
        try errors.throwIfAny()
        guard let email else { throw APIError.validation("email", "is required") }
        try await Recovery(app: req.application, now: req.now).request(email: email, address: req.clientIP, purpose: .signIn)
        return try await RecoveryAccepted(status: "accepted", message: Recovery.signInAccepted, expiresInMinutes: Recovery.lifetimeMinutes)
            .encodeResponse(status: .accepted, for: req)
    }

    /// Logs in with the code: a session as a password login makes.
    @Sendable func loginCodeVerify(req: Request) async throws -> Response {
        let input = try req.content.decode(LoginCodeInput.self)
        let email = input.email.trimmingCharacters(in: .whitespaces).lowercased()
        let user = try await Recovery(app: req.application, now: req.now).signIn(email: email, code: input.code, address: req.clientIP)
        return try await Self.startSession(req, user: user, now: req.now)
    }

    @Sendable func logout(req: Request) async throws -> Response {
        let p = try req.principal
        if let sessionID = p.sessionID {
            try await Self.service(req).endSession(sessionID)
        }
        let response = Response(status: .noContent)
        response.cookies[SessionCookie.name] = SessionCookie.expired(config: req.application.munimConfig)
        return response
    }

    @Sendable func me(req: Request) async throws -> SessionDTO {
        let p = try req.principal
        let accounts = Self.service(req)
        guard let user = try await accounts.user(p.userID), let business = try await accounts.findBusiness(p.businessID) else {
            throw APIError.unauthenticated
        }
        return SessionDTO(csrfToken: p.csrfToken, user: Self.userDTO(user, role: p.role, business: business), business: BusinessDTO(business))
    }

    @Sendable func changePassword(req: Request) async throws -> HTTPStatus {
        let p = try req.principal
        let input = try req.content.decode(PasswordChangeInput.self)
        guard input.newPassword.count >= Self.minPasswordLength, input.newPassword.count <= 200 else {
            throw APIError.validation("new_password", "must be at least \(Self.minPasswordLength) characters")
        }
        let accounts = Self.service(req)
        guard let user = try await accounts.user(p.userID) else { throw APIError.unauthenticated }
        guard try await req.password.async.verify(input.currentPassword, created: user.passwordHash) else {
            throw APIError.validation("current_password", "is not your current password")
        }
        guard input.newPassword != input.currentPassword else {
            throw APIError.validation("new_password", "must differ from the current password")
        }
        let hash = try await req.password.async.hash(input.newPassword)
        try await accounts.setPassword(userID: p.userID, hash: hash, keepSession: p.sessionID)
        return .noContent
    }

    // MARK: business profile

    @Sendable func getBusiness(req: Request) async throws -> BusinessDTO {
        let p = try req.principal
        return BusinessDTO(try await Self.service(req).business(p.businessID))
    }

    @Sendable func patchBusiness(req: Request) async throws -> BusinessDTO {
        let p = try req.principal
        try p.requireOwner("change the business settings")
        let patch = try req.content.decode(BusinessPatch.self)
        let businessID = p.businessID
        let accounts = Self.service(req)
        let b = try await accounts.business(businessID)
        var errors = FieldErrors()

        func required(_ field: String, _ value: Patch<String>, max: Int, apply: (String) -> Void) {
            switch value {
            case .absent: return
            case .null: errors.add(field, "is required")
            case .value(let v):
                if let t = errors.check(field, Validate.text(v, max: max)) {
                    if let t { apply(t) } else { errors.add(field, "is required") }
                }
            }
        }
        func optional(_ field: String, _ value: Patch<String>, validate: (String) -> Result<String, Problem>, apply: (String?) -> Void) {
            switch value {
            case .absent: return
            case .null: apply(nil)
            case .value(let v):
                let t = v.trimmingCharacters(in: .whitespacesAndNewlines)
                if t.isEmpty { apply(nil); return }
                if let ok = errors.check(field, validate(t)) { apply(ok) }
            }
        }
        let freeText: (Int) -> (String) -> Result<String, Problem> = { max in
            { $0.count <= max ? .success($0) : .failure("must be at most \(max) characters") }
        }
        required("business_name", patch.businessName, max: 120) { b.name = $0 }
        required("owner_name", patch.ownerName, max: 120) { b.ownerName = $0 }
        optional("gstin", patch.gstin, validate: Validate.gstin) { b.gstin = $0 }
        optional("industry", patch.industry, validate: freeText(80)) { b.industry = $0 }
        optional("whatsapp_number", patch.whatsappNumber, validate: Validate.phone) { b.whatsappNumber = $0 }
        optional("state", patch.state, validate: Validate.state) { b.state = $0 }
        optional("address", patch.address, validate: freeText(500)) { b.address = $0 }
        optional("upi_id", patch.upiId, validate: Validate.upiID) { b.upiID = $0 }
        optional("hours", patch.hours, validate: freeText(200)) { b.hours = $0 }
        switch patch.preferredLanguage {
        case .absent: break
        case .null: errors.add("preferred_language", "is required")
        case .value(let v): if let l = errors.check("preferred_language", Validate.language(v)) { b.preferredLanguage = l }
        }
        switch patch.timezone {
        case .absent: break
        case .null: errors.add("timezone", "is required")
        case .value(let v): if let t = errors.check("timezone", Validate.timezone(v)) { b.timezone = t }
        }
        switch patch.gstRegistration {
        case .absent: break
        case .null: errors.add("gst_registration", "is required")
        case .value(let v):
            if let r = GSTRegistration(rawValue: v) { b.gstRegistration = r } else { errors.add("gst_registration", "must be regular, composition or unregistered") }
        }
        switch patch.hsnDigits {
        case .absent: break
        case .null: b.hsnDigits = nil
        case .value(let n):
            if [4, 6, 8].contains(n) { b.hsnDigits = n } else { errors.add("hsn_digits", "must be 4, 6 or 8 (or null: not required)") }
        }
        switch patch.roundOff {
        case .absent: break
        case .null: errors.add("round_off", "must be true or false")
        case .value(let v): b.roundOff = v
        }
        switch patch.currency {
        case .absent: break
        case .null: errors.add("currency", "is required")
        case .value(let v): if let c = errors.check("currency", Validate.currency(v)) { b.currency = c }
        }
        // A GSTIN names its state: keep the two consistent when both are known.
        if errors.fields.isEmpty, let g = b.gstin, let st = b.state,
           let code = Validate.states.first(where: { $0.name == st })?.code, !g.hasPrefix(code) {
            errors.add("gstin", "belongs to state code \(g.prefix(2)), but the business state is \(st) (\(code))")
        }
        try errors.throwIfAny()
        try await accounts.save(b)
        return BusinessDTO(b)
    }

    // MARK: staff

    @Sendable func listStaff(req: Request) async throws -> ItemsDTO<StaffMemberDTO> {
        let p = try req.principal
        let items = try await Self.service(req).staff(of: p.businessID).map { m, u in
            StaffMemberDTO(id: u.id!, email: u.email, name: u.name, role: m.role, mustChangePassword: u.mustChangePassword, createdAt: m.createdAt,
                           whatsappNumber: m.whatsappNumber)
        }
        return ItemsDTO(items: items)
    }

    @Sendable func addStaff(req: Request) async throws -> Response {
        let p = try req.principal
        try p.requireOwner("add staff")
        let input = try req.content.decode(StaffCreateInput.self)
        var errors = FieldErrors()
        let email = errors.check("email", Validate.email(input.email))
        let name = errors.check("name", Validate.text(input.name, max: 120))
        if name == .some(nil) { errors.add("name", "is required") }
        var whatsappInput: String? = nil
        if let raw = input.whatsappNumber?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            whatsappInput = errors.check("whatsapp_number", Validate.phone(raw))
        }
        let whatsapp = whatsappInput
        try errors.throwIfAny()
        guard let email, let name = name ?? nil else { throw APIError.badRequest("invalid staff member") }

        // A one-time password: shown once to the owner, must be changed at first login.
        let oneTime = String(Tokens.random(bytes: 12).prefix(16))
        let hash = try await req.password.async.hash(oneTime)
        let businessID = p.businessID
        let (user, membership) = try await Self.service(req).addStaff(email: email, passwordHash: hash, name: name, whatsappNumber: whatsapp,
                                                                       businessID: businessID)
        let dto = StaffCreatedDTO(
            member: StaffMemberDTO(id: user.id!, email: user.email, name: user.name, role: .staff, mustChangePassword: true, createdAt: membership.createdAt,
                                   whatsappNumber: membership.whatsappNumber),
            oneTimePassword: oneTime)
        return try await dto.encodeResponse(status: .created, for: req)
    }

    @Sendable func removeStaff(req: Request) async throws -> HTTPStatus {
        let p = try req.principal
        try p.requireOwner("remove staff")
        let id = try req.parameters.require("id", as: UUID.self)
        guard id != p.userID else { throw APIError.conflict("invalid_state", "The owner cannot remove themselves.") }
        let businessID = p.businessID
        try await Self.service(req).removeStaff(userID: id, businessID: businessID)
        return .noContent
    }

    // MARK: API tokens

    @Sendable func listTokens(req: Request) async throws -> ItemsDTO<TokenDTO> {
        let p = try req.principal
        try p.requireOwner("manage API tokens")
        let tokens = try await Self.service(req).activeTokens(of: p.businessID)
        return ItemsDTO(items: tokens.map { TokenDTO(id: $0.id!, name: $0.name, prefix: $0.prefix, createdAt: $0.createdAt, lastUsedAt: $0.lastUsedAt) })
    }

    @Sendable func createToken(req: Request) async throws -> Response {
        let p = try req.principal
        try p.requireOwner("manage API tokens")
        let input = try req.content.decode(TokenCreateInput.self)
        var errors = FieldErrors()
        let name = errors.check("name", Validate.text(input.name, max: 80))
        if name == .some(nil) { errors.add("name", "is required") }
        try errors.throwIfAny()
        let secret = "munim_" + Tokens.random()
        let token = APIToken(businessID: p.businessID, userID: p.userID, name: (name ?? nil) ?? "",
                             prefix: String(secret.prefix(12)), tokenHash: Tokens.hash(secret))
        try await Self.service(req).create(token)
        let dto = TokenCreatedDTO(id: token.id!, name: token.name, prefix: token.prefix, token: secret, createdAt: token.createdAt)
        return try await dto.encodeResponse(status: .created, for: req)
    }

    @Sendable func revokeToken(req: Request) async throws -> HTTPStatus {
        let p = try req.principal
        try p.requireOwner("manage API tokens")
        let id = try req.parameters.require("id", as: UUID.self)
        let businessID = p.businessID
        let now = req.now
        try await Self.service(req).revokeToken(id, businessID: businessID, now: now)
        return .noContent
    }

    static func service(_ req: Request) -> AccountsService { AccountsService(db: req.db, store: req.store) }

    static func userDTO(_ u: User, role: Role, business: Business) -> UserDTO {
        let followed = uiLanguages.contains(business.preferredLanguage) ? business.preferredLanguage : "en"
        return UserDTO(id: u.id!, email: u.email, name: u.name, role: role, mustChangePassword: u.mustChangePassword,
                       language: u.language ?? followed, languageChosen: u.language != nil)
    }

    /// The languages the web app is written in (issue 19 §2).
    static let uiLanguages: Set<String> = ["en", "hi"]

    /// `PATCH /me`: the user's own settings (the web app's language; null follows the business).
    @Sendable func patchMe(req: Request) async throws -> SessionDTO {
        let p = try req.principal
        let patch = try req.content.decode(MePatch.self)
        let accounts = Self.service(req)
        switch patch.language {
        case .absent: break
        case .null: try await accounts.setLanguage(userID: p.userID, nil)
        case .value(let v):
            guard Self.uiLanguages.contains(v) else { throw APIError.validation("language", "must be en or hi") }
            try await accounts.setLanguage(userID: p.userID, v)
        }
        return try await me(req: req)
    }
}
