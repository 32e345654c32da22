@testable import App
import Foundation
import Testing
import Vapor
import VaporTesting

/// The scenarios run once on SQLite and once on PostgreSQL (issue 2 §3).
@Suite("SQLite")
struct OnSQLite {
    @Test func signupLoginLogout() async throws { try await AccountScenarios.signupLoginLogout(.sqlite) }
    @Test func signupValidation() async throws { try await AccountScenarios.signupValidation(.sqlite) }
    @Test func csrfAndBearer() async throws { try await AccountScenarios.csrfAndBearer(.sqlite) }
    @Test func loginRateLimit() async throws { try await AccountScenarios.loginRateLimit(.sqlite) }
    @Test func businessSettings() async throws { try await AccountScenarios.businessSettings(.sqlite) }
    @Test func staffPermissions() async throws { try await AccountScenarios.staffPermissions(.sqlite) }
    @Test func idempotency() async throws { try await AccountScenarios.idempotency(.sqlite) }
    @Test func invoiceLifecycle() async throws { try await LedgerScenarios.invoiceLifecycle(.sqlite) }
    @Test func paymentAllocation() async throws { try await LedgerScenarios.paymentAllocation(.sqlite) }
    @Test func draftsAndNumbering() async throws { try await LedgerScenarios.draftsAndNumbering(.sqlite) }
    @Test func archiveSearchAndPages() async throws { try await LedgerScenarios.archiveSearchAndPages(.sqlite) }
    @Test func badInput() async throws { try await LedgerScenarios.badInput(.sqlite) }
    @Test func businessIsolation() async throws { try await LedgerScenarios.businessIsolation(.sqlite) }
    @Test func fiftyConcurrentIssuesSellExactlyTheStock() async throws { try await LedgerScenarios.concurrentIssues(.sqlite) }
    @Test func moneyNeverTraps() async throws { try await ReliabilityScenarios.moneyNeverTraps(.sqlite) }
    @Test func deadJobsAreRetired() async throws { try await ReliabilityScenarios.deadJobsAreRetired(.sqlite) }
    @Test func heartbeatKeepsALiveLease() async throws { try await ReliabilityScenarios.heartbeatKeepsALiveLease(.sqlite) }
    @Test func idempotencyAfterCrash() async throws { try await ReliabilityScenarios.idempotencyAfterCrash(.sqlite) }
    @Test func slowProviderNeverDelaysInbound() async throws { try await ReliabilityScenarios.slowProviderNeverDelaysInbound(.sqlite) }
    @Test func demoSeed() async throws { try await LedgerScenarios.demoSeed(.sqlite) }
    @Test func randomOperationsKeepInvariants() async throws { try await PropertyScenarios.randomOperations(.sqlite, count: 40) }
    @Test func healthReadyDocs() async throws { try await OperationsScenarios.healthReadyDocs(.sqlite) }
    @Test func readyReportsPendingMigrations() async throws { try await OperationsScenarios.readyReportsPendingMigrations(.sqlite) }
    @Test func assistantInvoiceByText() async throws { try await AssistantScenarios.invoiceByText(.sqlite) }
    @Test func assistantMultiTurn() async throws { try await AssistantScenarios.multiTurn(.sqlite) }
    @Test func assistantNamesAreAskedNotGuessed() async throws { try await AssistantScenarios.namesAreAskedNotGuessed(.sqlite) }
    @Test func assistantCardsOfEveryKind() async throws { try await AssistantScenarios.cardsOfEveryKind(.sqlite) }
    @Test func assistantParseShapeAndIsolation() async throws { try await AssistantScenarios.parseShapeAndIsolation(.sqlite) }
    @Test func assistantLLMEngineAgainstFakeServer() async throws { try await AssistantScenarios.llmEngine() }
    @Test func assistantTranscription() async throws { try await AssistantScenarios.transcription() }
    @Test func assistantHinglishReplies() async throws { try await AssistantScenarios.hinglishReplies(.sqlite) }
    @Test func dashboardFigures() async throws { try await ReportsScenarios.dashboard(.sqlite) }
    @Test func csvExports() async throws { try await ReportsScenarios.csvExports(.sqlite) }
    @Test func invoicePDF() async throws { try await ReportsScenarios.invoicePDF(.sqlite) }
    @Test func spreadsheetsAndStatements() async throws { try await ReportsScenarios.spreadsheetsAndStatements(.sqlite) }
    @Test func liveEventsOverSSE() async throws { try await ReportsScenarios.liveEvents() }
    @Test func connectChannels() async throws { try await MessagingScenarios.connectChannels(.sqlite) }
    @Test func twilioWebhookSecurityAndDedupe() async throws { try await MessagingScenarios.webhookSecurityAndDedupe(.sqlite) }
    @Test func twilioWebhookChannelCache() async throws { try await MessagingScenarios.webhookChannelCache(.sqlite) }
    @Test func groupCommit() async throws { try await ClusterScenarios.groupCommit(.sqlite) }
    @Test func twilioFormDecoding() { MessagingScenarios.formDecoding() }
    @Test func twilioDeliveryPayload() throws { try MessagingScenarios.deliveryPayloadRoundTrip() }
    @Test func concurrentTwilioDeliveries() async throws { try await MessagingScenarios.concurrentDeliveries(.sqlite) }
    @Test func customerBotAndDeliveryTicks() async throws { try await MessagingScenarios.customerBotAndDeliveryTicks(.sqlite) }
    @Test func ownerRunsTheBooksOverWhatsApp() async throws { try await MessagingScenarios.ownerRunsTheBooksOverWhatsApp(.sqlite) }
    @Test func outboxRetriesAndFailures() async throws { try await MessagingScenarios.outboxRetriesAndFailures(.sqlite) }
    @Test func inboxListingAndPaging() async throws { try await MessagingScenarios.inboxListingAndPaging(.sqlite) }
    @Test func simulatorAndReminders() async throws { try await MessagingScenarios.simulatorAndReminders(.sqlite) }
    @Test func embeddedWorkerRunsJobs() async throws { try await MessagingScenarios.embeddedWorkerRunsJobs() }
    @Test func socialChannelsPollAndAnswer() async throws { try await SocialChannelScenarios.pollsAnswerAndNeverDuplicate() }
    @Test func workflowAPIAndVersions() async throws { try await WorkflowScenarios.apiAndVersions(.sqlite) }
    @Test func workflowWebhookSecrets() async throws { try await WorkflowScenarios.webhookSecrets(.sqlite) }
    @Test func workflowInlineRuns() async throws { try await WorkflowScenarios.inlineRuns(.sqlite) }
    @Test func workflowRouterAndWhatsApp() async throws { try await WorkflowScenarios.routerAndWhatsApp(.sqlite) }
    @Test func workflowWaitsApprovalsCancelRetry() async throws { try await WorkflowScenarios.waitsApprovalsCancelRetry(.sqlite) }
    @Test func workflowScheduleFiresOnce() async throws { try await WorkflowScenarios.scheduleFiresOnce(.sqlite) }
    @Test func workflowLedgerTriggersAndNodes() async throws { try await WorkflowScenarios.ledgerTriggersAndNodes(.sqlite) }
    @Test func workflowMessageTrigger() async throws { try await WorkflowScenarios.messageTrigger(.sqlite) }
    @Test func workflowApprovalsOnWhatsApp() async throws { try await WorkflowScenarios.approvalsOnWhatsApp(.sqlite) }
    @Test func workflowProviderNodes() async throws { try await WorkflowScenarios.providerNodes() }
    @Test func workflowSocialNodes() async throws { try await SocialChannelScenarios.workflowNodes() }
    @Test func workflowArchitect() async throws { try await WorkflowScenarios.architect() }
}

@Suite("PostgreSQL", .enabled(if: PostgresCluster.available, PostgresCluster.skipReason))
struct OnPostgres {
    @Test func signupLoginLogout() async throws { try await AccountScenarios.signupLoginLogout(.postgres) }
    @Test func signupValidation() async throws { try await AccountScenarios.signupValidation(.postgres) }
    @Test func csrfAndBearer() async throws { try await AccountScenarios.csrfAndBearer(.postgres) }
    @Test func loginRateLimit() async throws { try await AccountScenarios.loginRateLimit(.postgres) }
    @Test func businessSettings() async throws { try await AccountScenarios.businessSettings(.postgres) }
    @Test func staffPermissions() async throws { try await AccountScenarios.staffPermissions(.postgres) }
    @Test func idempotency() async throws { try await AccountScenarios.idempotency(.postgres) }
    @Test func invoiceLifecycle() async throws { try await LedgerScenarios.invoiceLifecycle(.postgres) }
    @Test func paymentAllocation() async throws { try await LedgerScenarios.paymentAllocation(.postgres) }
    @Test func draftsAndNumbering() async throws { try await LedgerScenarios.draftsAndNumbering(.postgres) }
    @Test func archiveSearchAndPages() async throws { try await LedgerScenarios.archiveSearchAndPages(.postgres) }
    @Test func badInput() async throws { try await LedgerScenarios.badInput(.postgres) }
    @Test func businessIsolation() async throws { try await LedgerScenarios.businessIsolation(.postgres) }
    @Test func fiftyConcurrentIssuesSellExactlyTheStock() async throws { try await LedgerScenarios.concurrentIssues(.postgres) }
    @Test func moneyNeverTraps() async throws { try await ReliabilityScenarios.moneyNeverTraps(.postgres) }
    @Test func deadJobsAreRetired() async throws { try await ReliabilityScenarios.deadJobsAreRetired(.postgres) }
    @Test func heartbeatKeepsALiveLease() async throws { try await ReliabilityScenarios.heartbeatKeepsALiveLease(.postgres) }
    @Test func idempotencyAfterCrash() async throws { try await ReliabilityScenarios.idempotencyAfterCrash(.postgres) }
    @Test func slowProviderNeverDelaysInbound() async throws { try await ReliabilityScenarios.slowProviderNeverDelaysInbound(.postgres) }
    @Test func demoSeed() async throws { try await LedgerScenarios.demoSeed(.postgres) }
    @Test func randomOperationsKeepInvariants() async throws { try await PropertyScenarios.randomOperations(.postgres, count: 25) }
    @Test func healthReadyDocs() async throws { try await OperationsScenarios.healthReadyDocs(.postgres) }
    @Test func readyReportsPendingMigrations() async throws { try await OperationsScenarios.readyReportsPendingMigrations(.postgres) }
    @Test func assistantInvoiceByText() async throws { try await AssistantScenarios.invoiceByText(.postgres) }
    @Test func assistantMultiTurn() async throws { try await AssistantScenarios.multiTurn(.postgres) }
    @Test func assistantCardsOfEveryKind() async throws { try await AssistantScenarios.cardsOfEveryKind(.postgres) }
    @Test func dashboardFigures() async throws { try await ReportsScenarios.dashboard(.postgres) }
    @Test func csvExports() async throws { try await ReportsScenarios.csvExports(.postgres) }
    @Test func invoicePDF() async throws { try await ReportsScenarios.invoicePDF(.postgres) }
    @Test func connectChannels() async throws { try await MessagingScenarios.connectChannels(.postgres) }
    @Test func twilioWebhookSecurityAndDedupe() async throws { try await MessagingScenarios.webhookSecurityAndDedupe(.postgres) }
    @Test func twilioWebhookChannelCache() async throws { try await MessagingScenarios.webhookChannelCache(.postgres) }
    @Test func groupCommit() async throws { try await ClusterScenarios.groupCommit(.postgres) }
    @Test func concurrentTwilioDeliveries() async throws { try await MessagingScenarios.concurrentDeliveries(.postgres) }
    @Test func customerBotAndDeliveryTicks() async throws { try await MessagingScenarios.customerBotAndDeliveryTicks(.postgres) }
    @Test func ownerRunsTheBooksOverWhatsApp() async throws { try await MessagingScenarios.ownerRunsTheBooksOverWhatsApp(.postgres) }
    @Test func outboxRetriesAndFailures() async throws { try await MessagingScenarios.outboxRetriesAndFailures(.postgres) }
    @Test func inboxListingAndPaging() async throws { try await MessagingScenarios.inboxListingAndPaging(.postgres) }
    @Test func workflowAPIAndVersions() async throws { try await WorkflowScenarios.apiAndVersions(.postgres) }
    @Test func workflowInlineRuns() async throws { try await WorkflowScenarios.inlineRuns(.postgres) }
    @Test func workflowRouterAndWhatsApp() async throws { try await WorkflowScenarios.routerAndWhatsApp(.postgres) }
    @Test func workflowWaitsApprovalsCancelRetry() async throws { try await WorkflowScenarios.waitsApprovalsCancelRetry(.postgres) }
    @Test func workflowScheduleFiresOnce() async throws { try await WorkflowScenarios.scheduleFiresOnce(.postgres) }
    @Test func workflowLedgerTriggersAndNodes() async throws { try await WorkflowScenarios.ledgerTriggersAndNodes(.postgres) }
    @Test func workflowApprovalsOnWhatsApp() async throws { try await WorkflowScenarios.approvalsOnWhatsApp(.postgres) }
    @Test func metrics() async throws { try await ClusterScenarios.metrics(.postgres) }
    @Test func eventsRunSignalsAndWakeUpsCrossProcesses() async throws { try await ClusterScenarios.fanOutBetweenProcesses() }
    @Test func concurrentFirstMessagesShareOneContact() async throws { try await ClusterScenarios.concurrentFirstMessagesShareOneContact(.postgres) }
}

@Suite("Operations: metrics, logs, cluster link")
struct OperationsTests {
    @Test func metricsOnSQLite() async throws { try await ClusterScenarios.metrics(.sqlite) }
    @Test func concurrentFirstMessagesOnSQLite() async throws { try await ClusterScenarios.concurrentFirstMessagesShareOneContact(.sqlite) }
    @Test func jsonLogLines() throws { try ClusterScenarios.jsonLogLines() }
    @Test func providerBreakerOpensAndCloses() async throws { try await ReliabilityScenarios.breakerOpensAndCloses() }
    @Test func clusterPayloadsStayUnderTheLimit() throws { try ClusterScenarios.payloadPacking() }
}

@Suite("OpenAPI document")
struct OpenAPITests {
    /// Fails when a registered route is missing from /api/v1/openapi.json (DESIGN §4).
    @Test func everyRouteIsDocumented() async throws {
        try await withTestApp(.sqlite) { app in
            guard case .object(let paths)? = OpenAPIDocument.document["paths"] else {
                Issue.record("no paths in the document"); return
            }
            var missing: [String] = []
            for route in app.routes.all {
                let path = "/" + route.path.map { component -> String in
                    if case .parameter(let name) = component { return "{\(name)}" }
                    return component.description
                }.joined(separator: "/")
                guard path.hasPrefix("/api/") || path == "/health" || path == "/ready" else { continue }
                let method = route.method.rawValue.lowercased()
                if paths[path]?[method] == nil { missing.append("\(method.uppercased()) \(path)") }
            }
            #expect(missing.isEmpty, "routes missing from the OpenAPI document: \(missing)")
            #expect(app.routes.all.count > 30)
        }
    }

    @Test func everyReferenceResolves() throws {
        let data = try JSONCoders.encoder.encode(OpenAPIDocument.document)
        let text = String(decoding: data, as: UTF8.self)
        guard case .object(let schemas)? = OpenAPIDocument.document["components"]?["schemas"] else {
            Issue.record("no schemas"); return
        }
        let refs = text.components(separatedBy: "#/components/schemas/").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(!refs.isEmpty)
        for r in Set(refs) { #expect(schemas[r] != nil, "unresolved $ref \(r)") }
    }
}

@Suite("Configuration")
struct ConfigTests {
    @Test func defaults() throws {
        let c = try AppConfig.load([:])
        #expect(c.host == "127.0.0.1")
        #expect(c.port == 8000)
        #expect(c.database == .sqlite(path: "data/munim.sqlite"))
        #expect(!c.secureCookies)
    }

    @Test func badValuesNameTheVariable() {
        let cases: [([String: String], String)] = [
            (["MUNIM_PORT": "99999"], "MUNIM_PORT"), (["MUNIM_PORT": "http"], "MUNIM_PORT"),
            (["DATABASE_URL": "mysql://x"], "DATABASE_URL"), (["DATABASE_URL": "sqlite://relative.db"], "DATABASE_URL"),
            (["MUNIM_LOG_LEVEL": "loud"], "MUNIM_LOG_LEVEL"), (["MUNIM_PUBLIC_URL": "munim.example.com"], "MUNIM_PUBLIC_URL"),
            (["MUNIM_BCRYPT_COST": "40"], "MUNIM_BCRYPT_COST"), (["MUNIM_MAX_BODY": "lots"], "MUNIM_MAX_BODY"),
        ]
        for (env, variable) in cases {
            #expect {
                _ = try AppConfig.load(env)
            } throws: { error in
                (error as? AppConfig.Invalid)?.variable == variable
            }
        }
    }

    @Test func databaseURLsAndSecretsNeverEchoed() throws {
        #expect(try AppConfig.load(["DATABASE_URL": "sqlite:///var/lib/munim/m.sqlite"]).database == .sqlite(path: "/var/lib/munim/m.sqlite"))
        let pg = try AppConfig.load(["DATABASE_URL": "postgres://u:secret@db:5432/munim"])
        #expect(pg.database.isPostgres)
        do {
            _ = try AppConfig.load(["DATABASE_URL": "postgres://:hunter2@/x"])
            Issue.record("expected an error")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
            #expect("\(error)".contains("DATABASE_URL"))
        }
        #expect(try AppConfig.load(["MUNIM_PUBLIC_URL": "https://munim.example.com"]).secureCookies)
        #expect(try AppConfig.load(["MUNIM_MAX_BODY": "2mb"]).maxBodyBytes == 2 * 1024 * 1024)
    }

    @Test func dotEnvFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("munim-\(UUID().uuidString).env").path
        try "# comment\nexport MUNIM_PORT=9001\nMUNIM_HOST = \"0.0.0.0\"\nMUNIM_LOG_LEVEL=debug # trailing\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let vars = try AppConfig.readDotEnv(path)
        let c = try AppConfig.load(vars)
        #expect(c.port == 9001)
        #expect(c.host == "0.0.0.0")
        #expect(c.logLevel == .debug)
        try "not a pair\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.readDotEnv(path) }
    }
}

@Suite("Validation and money")
struct ValueTests {
    /// Time-ordered ids (UUID version 7): the version and variant bits, the millisecond prefix,
    /// order across milliseconds (in byte and in text form, as both databases compare them), and
    /// no repeats within one millisecond.
    @Test func timeOrderedIds() {
        let t = Date(timeIntervalSince1970: 1_796_000_000.123)
        let a = UUID.timeOrdered(at: t), b = UUID.timeOrdered(at: t.addingTimeInterval(0.001))
        #expect(a.uuidString.prefix(13) == String(format: "%08X-%04X", UInt32(1_796_000_000_123 >> 16), UInt32(1_796_000_000_123 & 0xFFFF)))
        #expect(a.uuid.6 >> 4 == 7 && a.uuid.8 >> 6 == 2, "version 7, RFC variant")
        #expect(a.uuidString < b.uuidString)
        #expect(withUnsafeBytes(of: a.uuid) { Array($0) }.lexicographicallyPrecedes(withUnsafeBytes(of: b.uuid) { Array($0) }))
        let same = (0..<10_000).map { _ in UUID.timeOrdered(at: t) }
        #expect(Set(same).count == same.count)
    }

    @Test func gstinCheckCharacter() {
        #expect((try? Validate.gstin("27AAPFU0939F1ZV").get()) == "27AAPFU0939F1ZV")
        #expect((try? Validate.gstin("29ABCDE1234F1Z5").get()) != nil || Validate.gstinCheckCharacter("29ABCDE1234F1Z") != "5")
        #expect((try? Validate.gstin("27AAPFU0939F1ZX").get()) == nil, "wrong check character")
        #expect((try? Validate.gstin("27AAPFU0939F1AV").get()) == nil, "14th character must be Z")
        #expect((try? Validate.gstin("99AAPFU0939F1Z").get()) == nil, "too short")
        // Every computed check character validates.
        for body in ["07AAACR5055K1Z", "33AABCT1332L1Z", "24AAACC1206D1Z"] {
            let full = body + String(Validate.gstinCheckCharacter(body)!)
            #expect((try? Validate.gstin(full).get()) == full)
        }
    }

    @Test func phonesAndEmails() {
        #expect((try? Validate.phone("+91 98123-45678").get()) == "+919812345678")
        #expect((try? Validate.phone("9812345678").get()) == nil)
        #expect((try? Validate.phone("+0123456789").get()) == nil)
        #expect((try? Validate.email(" Asha@Example.COM ").get()) == "asha@example.com")
        #expect((try? Validate.email("asha@localhost").get()) == nil)
    }

    @Test func indianMoneyFormat() {
        #expect(Money.format(12_345_650) == "₹1,23,456.50")
        #expect(Money.format(100) == "₹1.00")
        #expect(Money.format(-99_99_999_00) == "-₹99,99,999.00")
        #expect(Money.format(1_000_00) == "₹1,000.00")
    }

    @Test func lineMathRoundsHalfAwayFromZero() {
        #expect(Money.lineAmount(quantity: Quantity(thousandths: 2_500), unitPrice: 35_001) == 87_503)
        #expect(Money.tax(on: 175_000, basisPoints: 1_800) == 31_500)
        #expect(Money.tax(on: 5, basisPoints: 1_000) == 1)
    }

    @Test func amountsInIndianWords() {
        #expect(IndianWords.rupees(12_345_650) == "One Lakh Twenty Three Thousand Four Hundred Fifty Six Rupees and Fifty Paise Only")
        #expect(IndianWords.rupees(100) == "One Rupee Only")
        #expect(IndianWords.rupees(0) == "Zero Rupees Only")
        #expect(IndianWords.rupees(25_00_00_000_00) == "Twenty Five Crore Rupees Only")
        #expect(IndianWords.rupees(1_01_01_101_05) == "One Crore One Lakh One Thousand One Hundred One Rupees and Five Paise Only")
    }

    @Test func gstSplitFollowsStates() {
        #expect(GSTSplit(tax: 1001, businessState: "Maharashtra", customerState: "Maharashtra") == GSTSplit(tax: 1001, businessState: nil, customerState: nil))
        let intra = GSTSplit(tax: 1001, businessState: "Maharashtra", customerState: "Maharashtra")
        #expect(!intra.interState && intra.cgst + intra.sgst == 1001 && intra.igst == 0)
        let inter = GSTSplit(tax: 1001, businessState: "Maharashtra", customerState: "Gujarat")
        #expect(inter.interState && inter.igst == 1001 && inter.cgst == 0)
    }

    @Test func quantitiesAreExact() throws {
        let q = try JSONCoders.decoder.decode([Quantity].self, from: Data("[2.5, 0.001, 3, 1.115]".utf8))
        #expect(q.map(\.thousandths) == [2_500, 1, 3_000, 1_115])
        #expect(throws: DecodingError.self) { try JSONCoders.decoder.decode([Quantity].self, from: Data("[1.0005]".utf8)) }
        let encoded = String(decoding: try JSONCoders.encoder.encode([Quantity(thousandths: 2_500), Quantity(units: 4)!]), as: UTF8.self)
        #expect(encoded == "[2.5,4]")
    }
}
