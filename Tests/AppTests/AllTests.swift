@testable import App
import Foundation
import Testing
import Vapor
import VaporTesting

/// Every scenario, once per database it runs on (issue 15 §7): one list, the databases in each
/// line's arguments. `TestDB.all` is SQLite, plus PostgreSQL when its binaries are on the machine
/// (`PostgresCluster.available`; otherwise a notice says why it is left out).
@Suite("Scenarios")
struct Scenarios {
    @Test(arguments: TestDB.all) func signupLoginLogout(_ db: TestDB) async throws { try await AccountScenarios.signupLoginLogout(db) }
    @Test(arguments: TestDB.all) func operatorResetsAPassword(_ db: TestDB) async throws { try await AccountScenarios.operatorResetsAPassword(db) }
    @Test(arguments: TestDB.all) func eachUserReadsTheAppInTheirLanguage(_ db: TestDB) async throws { try await AccountScenarios.userLanguage(db) }
    @Test(arguments: TestDB.all) func forgotPasswordByWhatsAppAndEmail(_ db: TestDB) async throws { try await AccountScenarios.forgotPassword(db) }
    @Test(arguments: TestDB.all) func signInWithWhatsAppCode(_ db: TestDB) async throws { try await AccountScenarios.signInWithWhatsAppCode(db) }
    @Test(arguments: TestDB.all) func signupValidation(_ db: TestDB) async throws { try await AccountScenarios.signupValidation(db) }
    @Test(arguments: TestDB.all) func csrfAndBearer(_ db: TestDB) async throws { try await AccountScenarios.csrfAndBearer(db) }
    @Test(arguments: TestDB.all) func loginRateLimit(_ db: TestDB) async throws { try await AccountScenarios.loginRateLimit(db) }
    @Test(arguments: TestDB.all) func businessSettings(_ db: TestDB) async throws { try await AccountScenarios.businessSettings(db) }
    @Test(arguments: TestDB.all) func staffPermissions(_ db: TestDB) async throws { try await AccountScenarios.staffPermissions(db) }
    @Test(arguments: TestDB.all) func idempotency(_ db: TestDB) async throws { try await AccountScenarios.idempotency(db) }
    @Test(arguments: TestDB.all) func invoiceIssuedWithUpfrontPayment(_ db: TestDB) async throws { try await LedgerScenarios.invoiceIssuedWithUpfrontPayment(db) }
    @Test(arguments: TestDB.all) func overpaymentBecomesCredit(_ db: TestDB) async throws { try await LedgerScenarios.overpaymentBecomesCredit(db) }
    @Test(arguments: TestDB.all) func voidReturnsStockAndCredit(_ db: TestDB) async throws { try await LedgerScenarios.voidReturnsStockAndCredit(db) }
    @Test(arguments: TestDB.all) func paymentAllocation(_ db: TestDB) async throws { try await LedgerScenarios.paymentAllocation(db) }
    @Test(arguments: TestDB.all) func draftsAndNumbering(_ db: TestDB) async throws { try await LedgerScenarios.draftsAndNumbering(db) }
    @Test(arguments: TestDB.all) func archiveSearchAndPages(_ db: TestDB) async throws { try await LedgerScenarios.archiveSearchAndPages(db) }
    @Test(arguments: TestDB.all) func compositionDealerIssuesABillOfSupply(_ db: TestDB) async throws { try await ReportsScenarios.billOfSupply(db) }
    @Test(arguments: TestDB.all) func gstr1OfAMonth(_ db: TestDB) async throws { try await ReportsScenarios.gstr1(db) }
    @Test(arguments: TestDB.all) func placeOfSupplyDecidesTheTaxHeads(_ db: TestDB) async throws { try await LedgerScenarios.placeOfSupply(db) }
    @Test(arguments: TestDB.all) func inclusivePricesBillWhatWasQuoted(_ db: TestDB) async throws { try await LedgerScenarios.inclusivePrices(db) }
    @Test(arguments: TestDB.all) func invoicesAreSharedOnWhatsApp(_ db: TestDB) async throws { try await MessagingScenarios.shareInvoice(db) }
    @Test(arguments: TestDB.all) func whatsappWindowAndTemplates(_ db: TestDB) async throws { try await MessagingScenarios.windowAndTemplates(db) }
    @Test(arguments: TestDB.all) func broadcastsToChosenCustomers(_ db: TestDB) async throws { try await MessagingScenarios.broadcasts(db) }
    @Test(arguments: TestDB.all) func ownerSendsTheBillFromWhatsApp(_ db: TestDB) async throws { try await MessagingScenarios.ownerSendsTheBillFromWhatsApp(db) }
    @Test(arguments: TestDB.all) func paymentReceiptsOnWhatsApp(_ db: TestDB) async throws { try await MessagingScenarios.paymentReceipts(db) }
    @Test(arguments: TestDB.all) func stopEndsBusinessMessages(_ db: TestDB) async throws { try await MessagingScenarios.stopAndStart(db) }
    @Test(arguments: TestDB.all) func statementsOnWhatsApp(_ db: TestDB) async throws { try await MessagingScenarios.statementOnWhatsApp(db) }
    @Test(arguments: TestDB.all) func quickRepliesAreSavedAndFilled(_ db: TestDB) async throws { try await MessagingScenarios.quickReplies(db) }
    @Test(arguments: TestDB.all) func creditNotesForReturnedGoods(_ db: TestDB) async throws { try await CreditNoteScenarios.returns(db) }
    @Test(arguments: TestDB.all) func gstGoldenMonthReconciles(_ db: TestDB) async throws { try await CreditNoteScenarios.goldenMonth(db) }
    @Test(arguments: TestDB.all) func totalsRoundToTheRupee(_ db: TestDB) async throws { try await CreditNoteScenarios.roundOff(db) }
    @Test(arguments: TestDB.all) func einvoiceJSONForAB2BInvoice(_ db: TestDB) async throws { try await ReportsScenarios.einvoice(db) }
    @Test(arguments: TestDB.all) func badInput(_ db: TestDB) async throws { try await LedgerScenarios.badInput(db) }
    @Test(arguments: TestDB.all) func businessIsolation(_ db: TestDB) async throws { try await LedgerScenarios.businessIsolation(db) }
    @Test(arguments: TestDB.all) func booksMonthOfAShop(_ db: TestDB) async throws { try await BooksScenarios.monthOfAShop(db) }
    @Test(arguments: TestDB.all) func booksBadInputAndIsolation(_ db: TestDB) async throws { try await BooksScenarios.badInputAndIsolation(db) }
    @Test(arguments: TestDB.all) func expenseReceipts(_ db: TestDB) async throws { try await BooksScenarios.receipts(db) }
    @Test(arguments: TestDB.all) func booksRandomOperations(_ db: TestDB) async throws { try await BooksScenarios.randomOperations(db, count: db == .sqlite ? 40 : 15) }
    @Test(arguments: TestDB.all) func booksThroughTheAssistant(_ db: TestDB) async throws { try await BooksScenarios.assistant(db) }
    @Test(arguments: TestDB.all) func assistantBuysAndPaysSuppliers(_ db: TestDB) async throws { try await BooksScenarios.assistantBuysAndPays(db) }
    @Test(arguments: TestDB.all) func booksFiftyConcurrentOperations(_ db: TestDB) async throws { try await BooksScenarios.concurrentOperations(db) }
    @Test(arguments: TestDB.all) func fiftyConcurrentIssuesSellExactlyTheStock(_ db: TestDB) async throws { try await LedgerScenarios.concurrentIssues(db) }
    @Test(arguments: TestDB.all) func moneyNeverTraps(_ db: TestDB) async throws { try await ReliabilityScenarios.moneyNeverTraps(db) }
    @Test(arguments: TestDB.all) func deadJobsAreRetired(_ db: TestDB) async throws { try await ReliabilityScenarios.deadJobsAreRetired(db) }
    @Test(arguments: TestDB.all) func heartbeatKeepsALiveLease(_ db: TestDB) async throws { try await ReliabilityScenarios.heartbeatKeepsALiveLease(db) }
    @Test(arguments: TestDB.all) func idempotencyAfterCrash(_ db: TestDB) async throws { try await ReliabilityScenarios.idempotencyAfterCrash(db) }
    @Test(arguments: TestDB.all) func slowProviderNeverDelaysInbound(_ db: TestDB) async throws { try await ReliabilityScenarios.slowProviderNeverDelaysInbound(db) }
    @Test(arguments: TestDB.all) func demoSeed(_ db: TestDB) async throws { try await LedgerScenarios.demoSeed(db) }
    @Test(arguments: TestDB.all) func randomOperationsKeepInvariants(_ db: TestDB) async throws { try await PropertyScenarios.randomOperations(db, count: db == .sqlite ? 40 : 25) }
    @Test(arguments: TestDB.all) func healthReadyDocs(_ db: TestDB) async throws { try await OperationsScenarios.healthReadyDocs(db) }
    @Test(arguments: TestDB.all) func readyReportsPendingMigrations(_ db: TestDB) async throws { try await OperationsScenarios.readyReportsPendingMigrations(db) }
    @Test(arguments: TestDB.all) func assistantInvoiceByText(_ db: TestDB) async throws { try await AssistantScenarios.invoiceByText(db) }
    @Test(arguments: TestDB.all) func assistantMultiTurn(_ db: TestDB) async throws { try await AssistantScenarios.multiTurn(db) }
    @Test(arguments: TestDB.all) func assistantNamesAreAskedNotGuessed(_ db: TestDB) async throws { try await AssistantScenarios.namesAreAskedNotGuessed(db) }
    @Test(arguments: TestDB.all) func assistantCardsOfEveryKind(_ db: TestDB) async throws { try await AssistantScenarios.cardsOfEveryKind(db) }
    @Test(arguments: TestDB.all) func assistantParseShapeAndIsolation(_ db: TestDB) async throws { try await AssistantScenarios.parseShapeAndIsolation(db) }
    @Test(arguments: TestDB.all) func assistantHinglishReplies(_ db: TestDB) async throws { try await AssistantScenarios.hinglishReplies(db) }
    @Test(arguments: TestDB.all) func dashboardFigures(_ db: TestDB) async throws { try await ReportsScenarios.dashboard(db) }
    @Test(arguments: TestDB.all) func dashboardMessagesAndRuns(_ db: TestDB) async throws { try await ReportsScenarios.dashboardMessagesAndRuns(db) }
    @Test(arguments: TestDB.all) func csvExportsOnEmptyData(_ db: TestDB) async throws { try await ReportsScenarios.csvExportsOnEmptyData(db) }
    @Test(arguments: TestDB.all) func csvExportFigures(_ db: TestDB) async throws { try await ReportsScenarios.csvExportFigures(db) }
    @Test(arguments: TestDB.all) func reportTables(_ db: TestDB) async throws { try await ReportsScenarios.reportTables(db) }
    @Test(arguments: TestDB.all) func csvExportsParseWithPython(_ db: TestDB) async throws { try await ReportsScenarios.csvExportsParseWithPython(db) }
    @Test(arguments: TestDB.all) func csvExportsRefuseBadRequestsAndOtherBusinesses(_ db: TestDB) async throws { try await ReportsScenarios.csvExportsRefuseBadRequestsAndOtherBusinesses(db) }
    @Test(arguments: TestDB.all) func invoicePDF(_ db: TestDB) async throws { try await ReportsScenarios.invoicePDF(db) }
    @Test(arguments: TestDB.all) func emptySpreadsheet(_ db: TestDB) async throws { try await ReportsScenarios.emptySpreadsheet(db) }
    @Test(arguments: TestDB.all) func spreadsheetNumbers(_ db: TestDB) async throws { try await ReportsScenarios.spreadsheetNumbers(db) }
    @Test(arguments: TestDB.all) func statementPDF(_ db: TestDB) async throws { try await ReportsScenarios.statementPDF(db) }
    @Test(arguments: TestDB.all) func connectChannels(_ db: TestDB) async throws { try await MessagingScenarios.connectChannels(db) }
    @Test(arguments: TestDB.all) func twilioWebhookSecurityAndDedupe(_ db: TestDB) async throws { try await MessagingScenarios.webhookSecurityAndDedupe(db) }
    @Test(arguments: TestDB.all) func twilioWebhookChannelCache(_ db: TestDB) async throws { try await MessagingScenarios.webhookChannelCache(db) }
    @Test(arguments: TestDB.all) func groupCommit(_ db: TestDB) async throws { try await ClusterScenarios.groupCommit(db) }
    @Test(arguments: TestDB.all) func concurrentTwilioDeliveries(_ db: TestDB) async throws { try await MessagingScenarios.concurrentDeliveries(db) }
    @Test(arguments: TestDB.all) func customerBotAnswersThroughTwilio(_ db: TestDB) async throws { try await MessagingScenarios.customerBotAnswersThroughTwilio(db) }
    @Test(arguments: TestDB.all) func customerBotDeliveryTicks(_ db: TestDB) async throws { try await MessagingScenarios.customerBotDeliveryTicks(db) }
    @Test(arguments: TestDB.all) func customerBotAnswersButNeverRunsOwnerCommands(_ db: TestDB) async throws { try await MessagingScenarios.customerBotAnswersButNeverRunsOwnerCommands(db) }
    @Test(arguments: TestDB.all) func customerBotHandsOffToStaff(_ db: TestDB) async throws { try await MessagingScenarios.customerBotHandsOffToStaff(db) }
    @Test(arguments: TestDB.all) func ownerRunsTheBooksOverWhatsApp(_ db: TestDB) async throws { try await MessagingScenarios.ownerRunsTheBooksOverWhatsApp(db) }
    @Test(arguments: TestDB.all) func ownerVoiceNoteIsHeardAndKept(_ db: TestDB) async throws { try await MessagingScenarios.ownerVoiceNoteIsHeardAndKept(db) }
    @Test(arguments: TestDB.all) func voiceNoteFailuresGetClearReplies(_ db: TestDB) async throws { try await MessagingScenarios.voiceNoteFailuresGetClearReplies(db) }
    @Test(arguments: TestDB.all) func customerVoiceNoteAnsweredByBot(_ db: TestDB) async throws { try await MessagingScenarios.customerVoiceNoteAnsweredByBot(db) }
    @Test(arguments: TestDB.all) func voiceNoteWithoutSpeechToText(_ db: TestDB) async throws { try await MessagingScenarios.voiceNoteWithoutSpeechToText(db) }
    @Test(arguments: TestDB.all) func outboxRetriesAndFailures(_ db: TestDB) async throws { try await MessagingScenarios.outboxRetriesAndFailures(db) }
    @Test(arguments: TestDB.all) func inboxListingAndPaging(_ db: TestDB) async throws { try await MessagingScenarios.inboxListingAndPaging(db) }
    @Test(arguments: TestDB.all) func simulatorAndReminders(_ db: TestDB) async throws { try await MessagingScenarios.simulatorAndReminders(db) }
    @Test(arguments: TestDB.all) func workflowAPICatalogAndValidation(_ db: TestDB) async throws { try await WorkflowScenarios.apiCatalogAndValidation(db) }
    @Test(arguments: TestDB.all) func workflowAPIVersions(_ db: TestDB) async throws { try await WorkflowScenarios.apiVersions(db) }
    @Test(arguments: TestDB.all) func workflowAPIWebhookRunAndIdempotency(_ db: TestDB) async throws { try await WorkflowScenarios.apiWebhookRunAndIdempotency(db) }
    @Test(arguments: TestDB.all) func workflowAPIIsolationAndDelete(_ db: TestDB) async throws { try await WorkflowScenarios.apiIsolationAndDelete(db) }
    @Test(arguments: TestDB.all) func workflowWebhookSecrets(_ db: TestDB) async throws { try await WorkflowScenarios.webhookSecrets(db) }
    @Test(arguments: TestDB.all) func workflowInlineRunDecidedInRequest(_ db: TestDB) async throws { try await WorkflowScenarios.inlineRunDecidedInRequest(db) }
    @Test(arguments: TestDB.all) func workflowInlineRunSkippedBranchAndFailure(_ db: TestDB) async throws { try await WorkflowScenarios.inlineRunSkippedBranchAndFailure(db) }
    @Test(arguments: TestDB.all) func workflowInlineRunIdempotencyAndConcurrency(_ db: TestDB) async throws { try await WorkflowScenarios.inlineRunIdempotencyAndConcurrency(db) }
    @Test(arguments: TestDB.all) func workflowDurableRunsRunLocalNodesInline(_ db: TestDB) async throws { try await WorkflowScenarios.durableRunsRunLocalNodesInline(db) }
    @Test(arguments: TestDB.all) func workflowRouterAndWhatsApp(_ db: TestDB) async throws { try await WorkflowScenarios.routerAndWhatsApp(db) }
    @Test(arguments: TestDB.all) func workflowDelayThenApprovalApproved(_ db: TestDB) async throws { try await WorkflowScenarios.delayThenApprovalApproved(db) }
    @Test(arguments: TestDB.all) func workflowApprovalTimesOut(_ db: TestDB) async throws { try await WorkflowScenarios.approvalTimesOut(db) }
    @Test(arguments: TestDB.all) func workflowCancelWaitingRun(_ db: TestDB) async throws { try await WorkflowScenarios.cancelWaitingRun(db) }
    @Test(arguments: TestDB.all) func workflowConcurrencyLimitQueuesRuns(_ db: TestDB) async throws { try await WorkflowScenarios.concurrencyLimitQueuesRuns(db) }
    @Test(arguments: TestDB.all) func workflowScheduleFiresOnce(_ db: TestDB) async throws { try await WorkflowScenarios.scheduleFiresOnce(db) }
    @Test(arguments: TestDB.all) func workflowLedgerEventTriggersThankYou(_ db: TestDB) async throws { try await WorkflowScenarios.ledgerEventTriggersThankYou(db) }
    @Test(arguments: TestDB.all) func workflowTestDataAndRestart(_ db: TestDB) async throws { try await WorkflowScenarios.testDataAndRestart(db) }
    @Test(arguments: TestDB.all) func workflowBooksTriggersAndNodes(_ db: TestDB) async throws { try await WorkflowScenarios.booksTriggersAndNodes(db) }
    @Test(arguments: TestDB.all) func workflowLedgerNodesWriteOnce(_ db: TestDB) async throws { try await WorkflowScenarios.ledgerNodesWriteOnce(db) }
    @Test(arguments: TestDB.all) func workflowLedgerNodeSignedPDFLink(_ db: TestDB) async throws { try await WorkflowScenarios.ledgerNodeSignedPDFLink(db) }
    @Test(arguments: TestDB.all) func workflowMessageTrigger(_ db: TestDB) async throws { try await WorkflowScenarios.messageTrigger(db) }
    @Test(arguments: TestDB.all) func workflowApprovalsOnWhatsApp(_ db: TestDB) async throws { try await WorkflowScenarios.approvalsOnWhatsApp(db) }
    @Test(arguments: TestDB.all) func httpMetrics(_ db: TestDB) async throws { try await ClusterScenarios.httpMetrics(db) }
    @Test(arguments: TestDB.all) func jobAndDatabaseMetrics(_ db: TestDB) async throws { try await ClusterScenarios.jobAndDatabaseMetrics(db) }
    @Test(arguments: TestDB.all) func concurrentFirstMessagesShareOneContact(_ db: TestDB) async throws { try await ClusterScenarios.concurrentFirstMessagesShareOneContact(db) }
}

/// Scenarios that set up their own database or need none.
@Suite("Scenarios without a database choice")
struct OwnSetupScenarios {
    @Test func assistantLLMEngineAgainstFakeServer() async throws { try await AssistantScenarios.llmEngine() }
    @Test func assistantTranscription() async throws { try await AssistantScenarios.transcription() }
    @Test func liveEventsOverSSE() async throws { try await ReportsScenarios.liveEvents() }
    @Test func twilioFormDecoding() { MessagingScenarios.formDecoding() }
    @Test func whatsappWindowPlan() { MessagingScenarios.windowPlan() }
    @Test func twilioDeliveryPayload() throws { try MessagingScenarios.deliveryPayloadRoundTrip() }
    @Test func embeddedWorkerRunsJobs() async throws { try await MessagingScenarios.embeddedWorkerRunsJobs() }
    @Test func socialChannelsPollAndAnswer() async throws { try await SocialChannelScenarios.pollsAnswerAndNeverDuplicate() }
    @Test func workflowProviderNodesRunOnceConnected() async throws { try await WorkflowScenarios.providerNodesRunOnceConnected() }
    @Test func workflowProviderNodesShareTheBreaker() async throws { try await WorkflowScenarios.providerNodesShareTheBreaker() }
    @Test func workflowHTTPNodeRefusesPrivateAddresses() async throws { try await WorkflowScenarios.httpNodeRefusesPrivateAddresses() }
    @Test func workflowHTTPNodeCallsWhenAllowed() async throws { try await WorkflowScenarios.httpNodeCallsWhenAllowed() }
    @Test func workflowSocialNodesPostReplyAndMessage() async throws { try await SocialChannelScenarios.workflowNodesPostReplyAndMessage() }
    @Test func workflowSocialNodesBlueskyPostOverLimitFails() async throws { try await SocialChannelScenarios.workflowNodesBlueskyPostOverLimitFails() }
    @Test func workflowArchitect() async throws { try await WorkflowScenarios.architect() }
    @Test func eventsRunSignalsAndWakeUpsCrossProcesses() async throws { try await ClusterScenarios.fanOutBetweenProcesses() }
}

@Suite("Operations: metrics, logs, cluster link")
struct OperationsTests {
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
        // As people type Indian mobiles; other countries need their code; handles stay strict.
        for typed in ["9812345678", "98123 45678", "098123-45678", "919812345678", "+91 (98123) 45678"] {
            #expect((try? Validate.phone(typed).get()) == "+919812345678", "\(typed)")
        }
        for bad in ["5812345678", "981234567", "0091981234567", "44 20 7946 0958", "98123456789"] {
            #expect((try? Validate.phone(bad).get()) == nil, "\(bad)")
        }
        #expect((try? Validate.phone("+44 20 7946 0958").get()) == "+442079460958")
        #expect((try? Validate.e164("9812345678").get()) == nil)
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

    /// Issue 17 §2: CGST and SGST are always equal halves, each rounded on its own (the old split
    /// of a rounded total printed ₹688.17 beside ₹688.18); across states one IGST amount.
    /// GSTR-3B set-off (issue 17 §4): IGST credit first (IGST, then CGST, then SGST); CGST and SGST
    /// credit against their own head, then IGST, never each other; the rest in cash or carried forward.
    @Test func gstCreditIsSetOffInTheLegalOrder() {
        typealias H = GSTR3B.Heads
        let a = GSTR3B.setOff(liability: H(igst: 1_000, cgst: 300, sgst: 300), credit: H(igst: 1_200, cgst: 0, sgst: 500))
        #expect(a.igstCredit == H(igst: 1_000, cgst: 200, sgst: 0) && a.sgstCredit == H(igst: 0, cgst: 0, sgst: 300))
        #expect(a.cash == H(igst: 0, cgst: 100, sgst: 0) && a.carriedForward == H(igst: 0, cgst: 0, sgst: 200), "SGST credit never pays CGST")
        let b = GSTR3B.setOff(liability: H(igst: 500, cgst: 0, sgst: 0), credit: H(igst: 0, cgst: 200, sgst: 200))
        #expect(b.cgstCredit.igst == 200 && b.sgstCredit.igst == 200 && b.cash == H(igst: 100, cgst: 0, sgst: 0))
        let none = GSTR3B.setOff(liability: H(), credit: H(igst: 5, cgst: 6, sgst: 7))
        #expect(none.cash == H() && none.carriedForward == H(igst: 5, cgst: 6, sgst: 7))
    }

    @Test func inclusivePricesSplitExactly() {
        // ₹350 a bag of cement at 18%, within the state: ₹296.61… taxable. No taxable value near it has
        // equal rounded halves that add back to ₹350.00, so the taxable value takes the paisa:
        // ₹296.62 + ₹26.69 + ₹26.69 = ₹350.00.
        let bag = Money.inclusiveSplit(35_000, basisPoints: 1_800, interState: false)!
        #expect(bag.taxable == 29_662 && bag.heads == GSTHeads(cgst: 2_669, sgst: 2_669, igst: 0))
        #expect(Money.inclusiveSplit(35_000, basisPoints: 1_800, interState: true).map { $0.taxable + $0.heads.total } == 35_000)
        #expect(Money.inclusiveSplit(35_000, basisPoints: 0, interState: false)!.taxable == 35_000)
        // Every amount and rate adds back to the paisa, the halves stay equal, and the taxable value is
        // within two paise of the exact quotient.
        var amounts: [Int64] = [0, 1, 2, 3, 7, 99, 100, 101, 35_000, 44_800, 99_999_999, 100_000_000_000]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            amounts.append(Int64(seed >> 40) % 10_000_000)
        }
        for amount in amounts {
            for bp in [25, 300, 500, 1_200, 1_800, 2_800, 4_000] as [Int64] {
                for inter in [false, true] {
                    let s = Money.inclusiveSplit(amount, basisPoints: bp, interState: inter)!
                    #expect(s.taxable + s.heads.total == amount, "\(amount) at \(bp)")
                    #expect(s.heads.cgst == s.heads.sgst, "\(amount) at \(bp)")
                    #expect(s.taxable >= 0 && (s.taxable * (10_000 + bp) - amount * 10_000).magnitude <= 2 * (10_000 + bp), "\(amount) at \(bp)")
                }
            }
        }
        #expect(Money.inclusiveSplit(Int64.max, basisPoints: 1_800, interState: false) == nil)
    }

    @Test func gstHeadsAreEqualHalves() {
        // 18% of ₹7,646.25 = ₹1,376.325: the halves are ₹688.16 each (9% of 764,625 = 68,816.25).
        let intra = Money.gst(on: 764_625, basisPoints: 1_800, interState: false)
        #expect(intra == GSTHeads(cgst: 68_816, sgst: 68_816, igst: 0) && intra?.total == 137_632)
        let inter = Money.gst(on: 764_625, basisPoints: 1_800, interState: true)
        #expect(inter == GSTHeads(cgst: 0, sgst: 0, igst: 137_633) && inter?.total == 137_633)
        for taxable in [1, 5, 99, 12_345, 100_000_000_000] as [Int64] {
            for bp in [0, 25, 300, 500, 1_200, 1_800, 2_800, 4_000] as [Int64] {
                let h = Money.gst(on: taxable, basisPoints: bp, interState: false)!
                #expect(h.cgst == h.sgst && h.igst == 0, "\(taxable) at \(bp)")
                #expect((h.total - Money.tax(on: taxable, basisPoints: bp)!).magnitude <= 1, "within a paisa of the whole-rate tax")
            }
        }
        #expect(Money.gst(on: Int64.max, basisPoints: 4_000, interState: false) == nil)
        #expect(IndianDate.text("2026-12-05") == "05-12-2026" && IndianDate.text("soon") == "soon")
    }

    @Test func quantitiesAreExact() throws {
        let q = try JSONCoders.decoder.decode([Quantity].self, from: Data("[2.5, 0.001, 3, 1.115]".utf8))
        #expect(q.map(\.thousandths) == [2_500, 1, 3_000, 1_115])
        #expect(throws: DecodingError.self) { try JSONCoders.decoder.decode([Quantity].self, from: Data("[1.0005]".utf8)) }
        let encoded = String(decoding: try JSONCoders.encoder.encode([Quantity(thousandths: 2_500), Quantity(units: 4)!]), as: UTF8.self)
        #expect(encoded == "[2.5,4]")
    }
}
