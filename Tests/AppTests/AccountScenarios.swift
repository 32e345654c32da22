@testable import App
import Foundation
import Testing
import VaporTesting

/// Accounts, sessions, CSRF, rate limits, tokens and staff — run on every database.
enum AccountScenarios {
    /// `munim users reset-password EMAIL` (issue 19 §1): the printed one-time password logs in and
    /// must be changed; every earlier session of the user has ended; the old password no longer
    /// works; an unknown email changes nothing. `munim users list` shows who there is.
    static func operatorResetsAPassword(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var owner = APIClient(app)
            let email = "meena@example.com"
            _ = try await owner.signup(email: email, business: "Meena Stores")
            var other = APIClient(app)
            _ = try await other.signup(email: "someone@example.com", business: "Other Shop")

            // act
            let unknown = try await UsersCommand.resetPassword(app, email: "nobody@example.com")
            let password = try #require(try await UsersCommand.resetPassword(app, email: " Meena@Example.com "))

            // verify
            #expect(unknown == nil)
            #expect(password.count >= 12)
            #expect(try await owner.send(.GET, "/api/v1/me").status == .unauthorized, "the old session must have ended")
            #expect(try await other.send(.GET, "/api/v1/me").status == .ok, "other users keep their sessions")
            var fresh = APIClient(app)
            #expect(try await fresh.login(email, "correct horse battery").status == .unauthorized)
            let login = try await fresh.login(email, password)
            #expect(login.status == .ok, "\(login.body)")
            #expect((login["user"] as? [String: Any])?["must_change_password"] as? Bool == true)
            let changed = try await fresh.send(.POST, "/api/v1/me/password", json: ["current_password": password, "new_password": "a brand new secret"])
            #expect(changed.status == .noContent, "\(changed.body)")
            #expect((try await fresh.send(.GET, "/api/v1/me"))["user"].flatMap { ($0 as? [String: Any])?["must_change_password"] as? Bool } == false)
            let list = try await AccountsService(db: app.db).directory()
            #expect(list.map(\.email) == ["meena@example.com", "someone@example.com"])
            #expect(list.first?.business == "Meena Stores" && list.first?.role == .owner && list.first?.mustChangePassword == false)
        }
    }

    /// Sign in with a WhatsApp code (issue 19 §1): the code goes to the member's own number, never
    /// to the inbox; it logs in once; wrong, reset-purpose and replaced codes fail alike; a member
    /// without a number, or an unknown email, gets the same 202 and nothing is sent; floods get 429.
    static func signInWithWhatsAppCode(_ db: TestDB) async throws {
        try await MessagingScenarios.withTwilio(db) { s in
            // setup: the owner's WhatsApp number; a staff member without one
            let owner = try #require((try await s.client.send(.GET, "/api/v1/me"))["user"] as? [String: Any])
            let email = try #require(owner["email"] as? String)
            #expect(try await s.client.send(.PATCH, "/api/v1/business", json: ["whatsapp_number": "+919800000001"]).status == .ok)
            #expect(try await s.client.send(.POST, "/api/v1/staff", json: ["email": "asha@example.com", "name": "Asha"]).status == .created)
            var anon = APIClient(s.app)
            let messagesBefore = try await s.count(App.Message.self)
            let sentBefore = s.twilio.sent.count

            // act: the owner, staff without a number, and an unknown email ask
            let asked = try await anon.send(.POST, "/api/v1/auth/login-code", json: ["email": email])
            let staff = try await anon.send(.POST, "/api/v1/auth/login-code", json: ["email": "asha@example.com"])
            let unknown = try await anon.send(.POST, "/api/v1/auth/login-code", json: ["email": "nobody@example.com"])
            try await s.drain()

            // verify: one reply for all; one message, to the owner's own number; nothing in the inbox
            #expect(asked.status == .accepted && asked.body == staff.body && asked.body == unknown.body, "\(asked.body) / \(staff.body)")
            #expect(s.twilio.sent.count == sentBefore + 1)
            let sent = try #require(s.twilio.sent.last)
            #expect(sent.value("To") == "whatsapp:+919800000001")
            let code = String(try #require(sent.value("Body")?.firstMatch(of: /\b(\d{6})\b/)).output.1)
            #expect(try await s.count(App.Message.self) == messagesBefore, "a sign-in code must never land in the inbox")

            // act + verify: a sign-in code does not set a password; a wrong code fails
            var r = try await anon.send(.POST, "/api/v1/auth/reset-password", json: ["email": email, "code": code, "new_password": "a new long secret"])
            #expect(r.errorCode == "invalid_code", "a sign-in code is not a reset code: \(r.body)")
            let wrong = code == "000000" ? "111111" : "000000"
            r = try await anon.send(.POST, "/api/v1/auth/login-code/verify", json: ["email": email, "code": wrong])
            #expect(r.status == .badRequest && r.errorCode == "invalid_code")
            #expect(try await anon.send(.GET, "/api/v1/me").status == .unauthorized)

            // act: the right code, typed with a space
            var phone = APIClient(s.app)
            r = try await phone.send(.POST, "/api/v1/auth/login-code/verify", json: ["email": " \(email.uppercased()) ", "code": code.prefix(3) + " " + code.suffix(3)])

            // verify: logged in (cookie and CSRF token), the owner's other sessions kept; the code works once
            #expect(r.status == .ok && (r["user"] as? [String: Any])?["email"] as? String == email, "\(r.body)")
            #expect(r.headers.setCookie?[SessionCookie.name] != nil)
            phone.cookie = r.headers.setCookie?[SessionCookie.name]?.string
            phone.csrf = r["csrf_token"] as? String
            #expect(try await phone.send(.GET, "/api/v1/me").status == .ok)
            #expect(try await s.client.send(.GET, "/api/v1/me").status == .ok, "signing in elsewhere ends no session")
            r = try await anon.send(.POST, "/api/v1/auth/login-code/verify", json: ["email": email, "code": code])
            #expect(r.errorCode == "invalid_code", "a code works once")

            // act + verify: a new code replaces the last one; a reset code does not sign in
            s.clock.advance(16 * 60)
            _ = try await anon.send(.POST, "/api/v1/auth/login-code", json: ["email": email])
            try await s.drain()
            let first = String(try #require(s.twilio.sent.last?.value("Body")?.firstMatch(of: /\b(\d{6})\b/)).output.1)
            _ = try await anon.send(.POST, "/api/v1/auth/login-code", json: ["email": email])
            try await s.drain()
            let second = String(try #require(s.twilio.sent.last?.value("Body")?.firstMatch(of: /\b(\d{6})\b/)).output.1)
            if first != second {
                #expect(try await anon.send(.POST, "/api/v1/auth/login-code/verify", json: ["email": email, "code": first]).errorCode == "invalid_code")
            }
            _ = try await anon.send(.POST, "/api/v1/auth/forgot-password", json: ["email": email])
            try await s.drain()
            let reset = String(try #require(s.twilio.sent.last?.value("Body")?.firstMatch(of: /\b(\d{6})\b/)).output.1)
            if reset != second {
                #expect(try await anon.send(.POST, "/api/v1/auth/login-code/verify", json: ["email": email, "code": reset]).errorCode == "invalid_code")
            }
            #expect(try await anon.send(.POST, "/api/v1/auth/login-code/verify", json: ["email": email, "code": second]).status == .ok,
                    "asking for a password reset leaves the sign-in code alone")

            // act + verify: a flood from one address is refused for 15 minutes
            s.clock.advance(16 * 60)
            var statuses: [HTTPResponseStatus] = []
            for i in 0..<12 {
                statuses.append(try await anon.send(.POST, "/api/v1/auth/login-code", json: ["email": "flood\(i)@example.com"]).status)
            }
            #expect(statuses.prefix(10).allSatisfy { $0 == .accepted } && statuses.last == .tooManyRequests, "\(statuses)")
            // … and bad input is a 422
            #expect(try await anon.send(.POST, "/api/v1/auth/login-code", json: ["email": "not an email"]).status == .unprocessableEntity)
        }
    }


    /// "Forgot password" (issue 19 §1): the owner's code goes to their WhatsApp number through the
    /// business's channel (never into the inbox), a staff member's by email; a wrong code counts
    /// against five tries, a used, replaced or expired one fails, an unknown email gets the same
    /// reply and nothing is sent, and floods are limited. The right code sets the password and ends
    /// every session.
    static func forgotPassword(_ db: TestDB) async throws {
        let smtp = FakeSMTP()
        try await smtp.start()
        defer { Task { try? await smtp.stop() } }
        try await MessagingScenarios.withTwilio(db, configure: {
            $0.smtp = try? SMTPSettings.parse("smtp://munim%40shop.in:mail-secret@127.0.0.1:\(smtp.port)", from: nil).get()
        }) { s in
            // setup: the owner's WhatsApp number; a staff member without one
            let owner = try #require((try await s.client.send(.GET, "/api/v1/me"))["user"] as? [String: Any])
            let email = try #require(owner["email"] as? String)
            #expect(try await s.client.send(.PATCH, "/api/v1/business", json: ["whatsapp_number": "+919800000001"]).status == .ok)
            let staff = try await s.client.send(.POST, "/api/v1/staff", json: ["email": "asha@example.com", "name": "Asha"])
            #expect(staff.status == .created, "\(staff.body)")
            var anon = APIClient(s.app)
            let options = try await anon.send(.GET, "/api/v1/auth/recovery-options")
            #expect(options["email"] as? Bool == true && options["whatsapp"] as? Bool == true, "\(options.body)")
            let messagesBefore = try await s.count(App.Message.self)
            let sentBefore = s.twilio.sent.count

            // act: the owner asks; an unknown email asks
            let asked = try await anon.send(.POST, "/api/v1/auth/forgot-password", json: ["email": email.uppercased()])
            let unknown = try await anon.send(.POST, "/api/v1/auth/forgot-password", json: ["email": "nobody@example.com"])
            try await s.drain()

            // verify: the same reply; one WhatsApp message to the owner's number; nothing in the inbox
            #expect(asked.status == .accepted && unknown.status == .accepted && asked.body == unknown.body, "\(asked.body) / \(unknown.body)")
            #expect(s.twilio.sent.count == sentBefore + 1)
            let sent = try #require(s.twilio.sent.last)
            #expect(sent.value("To") == "whatsapp:+919800000001")
            let body = try #require(sent.value("Body"))
            let code = String(try #require(body.firstMatch(of: /\b(\d{6})\b/)).output.1)
            #expect(body.contains("Test Traders") && body.contains("10 minutes"), "\(body)")
            #expect(try await s.count(App.Message.self) == messagesBefore, "a sign-in code must never land in the inbox")
            #expect(try await RecoveryCode.query(on: s.app.db).all().allSatisfy { $0.sealedCode == nil && $0.codeHash != code }, "no plain code stays stored")

            // act + verify: a short password changes nothing and costs no try; wrong codes count
            var r = try await anon.send(.POST, "/api/v1/auth/reset-password", json: ["email": email, "code": code, "new_password": "short"])
            #expect(r.status == .unprocessableEntity)
            let wrong = code == "000000" ? "111111" : "000000"
            for _ in 0..<4 {
                r = try await anon.send(.POST, "/api/v1/auth/reset-password", json: ["email": email, "code": wrong, "new_password": "a new long secret"])
                #expect(r.status == .badRequest && r.errorCode == "invalid_code", "\(r.body)")
            }
            // act: the right code, with spaces as typed from a phone
            let spaced = code.prefix(3) + " " + code.suffix(3)
            r = try await anon.send(.POST, "/api/v1/auth/reset-password", json: ["email": " \(email) ", "code": String(spaced), "new_password": "a new long secret"])
            // verify: changed; every session ended; the new password logs in; the code works once
            #expect(r.status == .ok && r["status"] as? String == "password_changed", "\(r.body)")
            #expect(try await s.client.send(.GET, "/api/v1/me").status == .unauthorized, "the owner's old session must end")
            var fresh = APIClient(s.app)
            #expect(try await fresh.login(email, "correct horse battery").status == .unauthorized)
            #expect(try await fresh.login(email, "a new long secret").status == .ok)
            r = try await anon.send(.POST, "/api/v1/auth/reset-password", json: ["email": email, "code": code, "new_password": "another long secret"])
            #expect(r.errorCode == "invalid_code", "a code works once")

            // act + verify: five wrong tries end a code; the right one then fails
            _ = try await anon.send(.POST, "/api/v1/auth/forgot-password", json: ["email": email])
            try await s.drain()
            let second = String(try #require(s.twilio.sent.last?.value("Body")?.firstMatch(of: /\b(\d{6})\b/)).output.1)
            let miss = second == "000000" ? "111111" : "000000"
            for _ in 0..<5 {
                _ = try await anon.send(.POST, "/api/v1/auth/reset-password", json: ["email": email, "code": miss, "new_password": "another long secret"])
            }
            r = try await anon.send(.POST, "/api/v1/auth/reset-password", json: ["email": email, "code": second, "new_password": "another long secret"])
            #expect(r.errorCode == "invalid_code", "five wrong tries must end the code: \(r.body)")

            // act + verify: a staff member without a WhatsApp number gets the code by email
            s.clock.advance(16 * 60)  // past the per-email and per-address windows
            smtp.failRecipients = 1   // the mail server asks to try later once
            _ = try await anon.send(.POST, "/api/v1/auth/forgot-password", json: ["email": "asha@example.com"])
            try await s.drain()
            #expect(smtp.mails.isEmpty, "the first try was refused with 451")
            s.clock.advance(120)
            try await s.drain()
            let mail = try #require(smtp.mails.last)
            #expect(mail.to == ["asha@example.com"] && mail.from == "munim@shop.in" && mail.auth == "\0munim@shop.in\0mail-secret")
            #expect(mail.header("Subject") == "Your Munim sign-in code")
            let mailed = String(try #require(mail.text.firstMatch(of: /\b(\d{6})\b/)).output.1)
            #expect(mail.text.contains("Namaste Asha") && mail.text.contains("did not ask for it"), "\(mail.text)")

            // act + verify: an expired code fails; a new code replaces the last one
            s.clock.advance(11 * 60)
            r = try await anon.send(.POST, "/api/v1/auth/reset-password", json: ["email": "asha@example.com", "code": mailed, "new_password": "asha's new secret"])
            #expect(r.errorCode == "invalid_code", "an expired code must fail")
            _ = try await anon.send(.POST, "/api/v1/auth/forgot-password", json: ["email": "asha@example.com"])
            _ = try await anon.send(.POST, "/api/v1/auth/forgot-password", json: ["email": "asha@example.com"])
            try await s.drain()
            let mails = smtp.mails.suffix(2).map { String($0.text.firstMatch(of: /\b(\d{6})\b/)!.output.1) }
            if mails[0] != mails[1] {
                r = try await anon.send(.POST, "/api/v1/auth/reset-password", json: ["email": "asha@example.com", "code": mails[0], "new_password": "asha's new secret"])
                #expect(r.errorCode == "invalid_code", "a replaced code must fail")
            }
            r = try await anon.send(.POST, "/api/v1/auth/reset-password", json: ["email": "asha@example.com", "code": mails[1], "new_password": "asha's new secret"])
            #expect(r.status == .ok, "\(r.body)")

            // act + verify: a third request in 15 minutes is answered the same and sends nothing
            let mailCount = smtp.mails.count
            r = try await anon.send(.POST, "/api/v1/auth/forgot-password", json: ["email": "asha@example.com"])
            try await s.drain()
            #expect(r.status == .accepted && smtp.mails.count == mailCount)

            // act + verify: a flood from one address is refused with Retry-After
            var last = r
            for i in 0..<12 { last = try await anon.send(.POST, "/api/v1/auth/forgot-password", json: ["email": "flood\(i)@example.com"]) }
            #expect(last.status == .tooManyRequests && last.headers.first(name: .retryAfter) == "900", "\(last.status)")
        }
    }

    /// The web app's language (issue 19 §2): a user follows the business's preferred language
    /// until they choose; the choice is theirs alone; null follows the business again.
    static func userLanguage(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var owner = APIClient(app)
            _ = try await owner.signup()
            var me = try await owner.send(.GET, "/api/v1/me")
            #expect((me["user"] as? [String: Any])?["language"] as? String == "en")
            #expect(try await owner.send(.PATCH, "/api/v1/business", json: ["preferred_language": "hi"]).status == .ok)
            me = try await owner.send(.GET, "/api/v1/me")
            #expect((me["user"] as? [String: Any])?["language"] as? String == "hi")
            #expect((me["user"] as? [String: Any])?["language_chosen"] as? Bool == false)
            let chosen = try await owner.send(.PATCH, "/api/v1/me", json: ["language": "en"])
            #expect(chosen.status == .ok && (chosen["user"] as? [String: Any])?["language"] as? String == "en", "\(chosen.body)")
            #expect((chosen["user"] as? [String: Any])?["language_chosen"] as? Bool == true)
            let bad = try await owner.send(.PATCH, "/api/v1/me", json: ["language": "fr"])
            #expect(bad.status == .unprocessableEntity)
            let back = try await owner.send(.PATCH, "/api/v1/me", json: ["language": NSNull()])
            #expect((back["user"] as? [String: Any])?["language"] as? String == "hi", "\(back.body)")
            // A business language the app is not written in (Marathi) reads as English.
            #expect(try await owner.send(.PATCH, "/api/v1/business", json: ["preferred_language": "mr"]).status == .ok)
            me = try await owner.send(.GET, "/api/v1/me")
            #expect((me["user"] as? [String: Any])?["language"] as? String == "en")
        }
    }

    static func signupLoginLogout(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            // setup
            var client = APIClient(app)
            let email = "asha@example.com"
            let signup = try await client.signup(email: email, business: "Asha Stores")
            let cookieLine = signup.headers[.setCookie].first ?? ""
            // verify the cookie's attributes
            #expect(cookieLine.contains("HttpOnly"))
            #expect(cookieLine.lowercased().contains("samesite=lax"))
            #expect(!cookieLine.contains("Secure"), "plain-http public URL: no Secure flag")
            #expect(((signup["business"] as? [String: Any])?["business_name"] as? String) == "Asha Stores")
            #expect(((signup["business"] as? [String: Any])?["timezone"] as? String) == "Asia/Kolkata")
            #expect(((signup["business"] as? [String: Any])?["currency"] as? String) == "INR")

            let me = try await client.send(.GET, "/api/v1/me")
            #expect(me.status == .ok)
            #expect(((me["user"] as? [String: Any])?["role"] as? String) == "owner")
            #expect(me["csrf_token"] as? String == client.csrf)

            // act: duplicate email, wrong password, logout
            var other = APIClient(app)
            let dup = try await other.send(.POST, "/api/v1/auth/signup", json: ["email": "ASHA@example.com", "password": "0123456789", "business_name": "X", "owner_name": "Y"])
            #expect(dup.status == .conflict)
            #expect(dup.errorCode == "email_taken")
            let wrong = try await other.login(email, "not the password")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.errorCode == "invalid_credentials")
            let ok = try await other.login(" Asha@Example.com ", "correct horse battery")
            #expect(ok.status == .ok)
            #expect(ok["csrf_token"] as? String != nil)

            let out = try await client.send(.POST, "/api/v1/auth/logout")
            #expect(out.status == .noContent)
            let after = try await client.send(.GET, "/api/v1/me")
            #expect(after.status == .unauthorized)
            // the other session is unaffected
            #expect(try await other.send(.GET, "/api/v1/me").status == .ok)
        }
    }

    static func signupValidation(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            let client = APIClient(app)
            let r = try await client.send(.POST, "/api/v1/auth/signup", json: ["email": "nope", "password": "short", "business_name": " ", "owner_name": "A"])
            #expect(r.status == .unprocessableEntity)
            #expect(Set(r.fields.keys) == ["email", "password", "business_name"])
            let count = try await User.query(on: app.db).count()
            #expect(count == 0)
        }
    }

    static func csrfAndBearer(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var client = APIClient(app)
            try await client.signup()
            // Cookie without CSRF header: refused and nothing written.
            let refused = try await client.send(.POST, "/api/v1/customers", json: ["name": "A"], csrf: false)
            #expect(refused.status == .forbidden)
            #expect(refused.errorCode == "csrf_failed")
            let forged = try await client.send(.POST, "/api/v1/customers", json: ["name": "A"], headers: ["X-CSRF-Token": "forged"], csrf: false)
            #expect(forged.status == .forbidden)
            #expect(try await Customer.query(on: app.db).count() == 0)

            // A token: shown once, works without CSRF, listed without the secret, revocable.
            let created = try await client.send(.POST, "/api/v1/tokens", json: ["name": "Tally sync"])
            #expect(created.status == .created)
            let secret = try #require(created["token"] as? String)
            let list = try await client.send(.GET, "/api/v1/tokens")
            #expect(list.items.count == 1)
            #expect(!list.body.contains(secret))
            #expect(try await APIToken.query(on: app.db).all().allSatisfy { $0.tokenHash != secret })

            var program = APIClient(app)
            program.bearer = secret
            let viaToken = try await program.send(.POST, "/api/v1/customers", json: ["name": "Via token"])
            #expect(viaToken.status == .created)
            let revoke = try await client.send(.DELETE, "/api/v1/tokens/\(created["id"] as! String)")
            #expect(revoke.status == .noContent)
            let afterRevoke = try await program.send(.GET, "/api/v1/customers")
            #expect(afterRevoke.status == .unauthorized)
            var bogus = APIClient(app)
            bogus.bearer = "munim_not-a-token"
            #expect(try await bogus.send(.GET, "/api/v1/me").status == .unauthorized)
            #expect(try await APIClient(app).send(.GET, "/api/v1/customers").status == .unauthorized)
        }
    }

    static func loginRateLimit(_ db: TestDB) async throws {
        let clock = TestClock()
        try await withTestApp(db, clock: clock) { app in
            var owner = APIClient(app)
            try await owner.signup(email: "limit@example.com")
            var attacker = APIClient(app)
            for _ in 0..<10 {
                let r = try await attacker.login("limit@example.com", "wrong password!")
                #expect(r.status == .unauthorized)
            }
            // The 11th attempt within the minute is refused, even with the right password.
            let limited = try await attacker.login("limit@example.com", "correct horse battery")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "rate_limited")
            #expect(limited.headers.first(name: .retryAfter) == "60")
            // A minute later it works again.
            clock.advance(61)
            let ok = try await attacker.login("limit@example.com", "correct horse battery")
            #expect(ok.status == .ok)
        }
    }

    static func businessSettings(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var client = APIClient(app)
            try await client.signup()
            let bad = try await client.send(.PATCH, "/api/v1/business", json: [
                "gstin": "27AAPFU0939F1ZX", "whatsapp_number": "98123", "preferred_language": "xx", "timezone": "Mars/Base", "currency": "RUPEE",
            ])
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(bad.fields.keys) == ["gstin", "whatsapp_number", "preferred_language", "timezone", "currency"])
            let unchanged = try await client.send(.GET, "/api/v1/business")
            #expect(unchanged["gstin"] is NSNull)

            let good = try await client.send(.PATCH, "/api/v1/business", json: [
                "gstin": "27aapfu0939f1zv", "whatsapp_number": "+91 98123 45678", "preferred_language": "hi",
                "state": "maharashtra", "industry": "Hardware", "business_name": "New Name",
            ])
            #expect(good.status == .ok, "\(good.body)")
            #expect(good["gstin"] as? String == "27AAPFU0939F1ZV")
            #expect(good["whatsapp_number"] as? String == "+919812345678")
            #expect(good["state"] as? String == "Maharashtra")
            #expect(good["business_name"] as? String == "New Name")
            // A GSTIN from another state than the business's is refused.
            let mismatch = try await client.send(.PATCH, "/api/v1/business", json: ["state": "Gujarat"])
            #expect(mismatch.status == .unprocessableEntity)
            #expect(mismatch.fields["gstin"] != nil)
        }
    }

    static func staffPermissions(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var owner = APIClient(app)
            try await owner.signup()
            let added = try await owner.send(.POST, "/api/v1/staff", json: ["email": "staff@example.com", "name": "Vikram"])
            #expect(added.status == .created, "\(added.body)")
            let oneTime = try #require(added["one_time_password"] as? String)
            let staffID = try #require((added["member"] as? [String: Any])?["id"] as? String)

            var staff = APIClient(app)
            let login = try await staff.login("staff@example.com", oneTime)
            #expect(login.status == .ok)
            #expect(((login["user"] as? [String: Any])?["must_change_password"] as? Bool) == true)
            // Until the password is changed, only /me and the password change work.
            #expect(try await staff.send(.GET, "/api/v1/customers").errorCode == "password_change_required")
            let changed = try await staff.send(.POST, "/api/v1/me/password", json: ["current_password": oneTime, "new_password": "staff password 123"])
            #expect(changed.status == .noContent)

            // Staff keep the books...
            #expect(try await staff.send(.POST, "/api/v1/customers", json: ["name": "Walk-in"]).status == .created)
            // ...but cannot change settings, staff or tokens.
            #expect(try await staff.send(.PATCH, "/api/v1/business", json: ["business_name": "Mine"]).status == .forbidden)
            #expect(try await staff.send(.POST, "/api/v1/staff", json: ["email": "x@example.com", "name": "X"]).status == .forbidden)
            #expect(try await staff.send(.GET, "/api/v1/tokens").status == .forbidden)
            #expect(try await staff.send(.POST, "/api/v1/tokens", json: ["name": "t"]).status == .forbidden)

            let members = try await owner.send(.GET, "/api/v1/staff")
            #expect(members.items.count == 2)
            #expect(try await owner.send(.DELETE, "/api/v1/staff/\(staffID)").status == .noContent)
            #expect(try await staff.send(.GET, "/api/v1/me").status == .unauthorized)
        }
    }

    static func idempotency(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            var client = APIClient(app)
            try await client.signup()
            let first = try await client.send(.POST, "/api/v1/customers", json: ["name": "Once"], headers: ["Idempotency-Key": "k-1"])
            let again = try await client.send(.POST, "/api/v1/customers", json: ["name": "Once"], headers: ["Idempotency-Key": "k-1"])
            #expect(first.status == .created)
            #expect(again.status == .created)
            #expect(first["id"] as? String == again["id"] as? String)
            #expect(again.headers.first(name: "Idempotent-Replayed") == "true")
            let reused = try await client.send(.POST, "/api/v1/customers", json: ["name": "Other"], headers: ["Idempotency-Key": "k-1"])
            #expect(reused.status == .unprocessableEntity)
            #expect(reused.errorCode == "idempotency_key_reused")
            #expect(try await Customer.query(on: app.db).count() == 1)

            // A failed attempt does not burn the key.
            let failed = try await client.send(.POST, "/api/v1/customers", json: ["name": ""], headers: ["Idempotency-Key": "k-2"])
            #expect(failed.status == .unprocessableEntity)
            let fixed = try await client.send(.POST, "/api/v1/customers", json: ["name": ""], headers: ["Idempotency-Key": "k-2"])
            #expect(fixed.status == .unprocessableEntity)

            // Another business may use the same key independently.
            var other = APIClient(app)
            try await other.signup()
            let theirs = try await other.send(.POST, "/api/v1/customers", json: ["name": "Once"], headers: ["Idempotency-Key": "k-1"])
            #expect(theirs.status == .created)
            #expect(theirs["id"] as? String != first["id"] as? String)
        }
    }
}
