@testable import App
import AssistantNLU
import Fluent
import Foundation
import Testing
import VaporTesting

enum AssistantScenarios {
    static func say(_ client: APIClient, _ text: String, conversation: String? = nil) async throws -> APIClient.Reply {
        var body: [String: Any] = ["text": text]
        if let conversation { body["conversation_id"] = conversation }
        let r = try await client.send(.POST, "/api/v1/assistant/messages", json: body)
        #expect(r.status == .ok, "\(text): \(r.body)")
        return r
    }

    static func card(_ r: APIClient.Reply) -> [String: Any] { r["card"] as? [String: Any] ?? [:] }
    static func data(_ r: APIClient.Reply) -> [String: Any] { card(r)["data"] as? [String: Any] ?? [:] }

    static func setup(_ app: Application) async throws -> (APIClient, cement: String, ramesh: String) {
        var client = APIClient(app)
        try await client.signup()
        let cement = try await client.product("Cement", price: 35_000, stock: 20)
        let ramesh = try await client.customer("Ramesh", phone: "+919812345678")
        return (client, cement, ramesh)
    }

    /// Preview first, nothing written; Confirm issues once even when clicked twice.
    static func invoiceByText(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            let (client, cement, ramesh) = try await setup(app)
            let r = try await say(client, "sold 2 bags cement to Ramesh at 350, paid 500")
            #expect(card(r)["kind"] as? String == "invoice_preview")
            #expect(card(r)["status"] as? String == "pending")
            #expect(data(r)["total"] as? Int == 70_000)
            #expect(data(r)["amount_paid"] as? Int == 50_000)
            #expect(data(r)["customer_balance_after"] as? Int == 20_000)
            #expect(r["engine"] as? String == "offline")
            #expect(try await Invoice.query(on: app.db).count() == 0, "nothing is written before Confirm")

            let cardID = try #require(card(r)["id"] as? String)
            // Two confirms at once, then a third: one invoice.
            async let a = client.send(.POST, "/api/v1/assistant/cards/\(cardID)/confirm")
            async let b = client.send(.POST, "/api/v1/assistant/cards/\(cardID)/confirm")
            let (ra, rb) = try await (a, b)
            #expect(ra.status == .ok, "\(ra.body)")
            #expect(rb.status == .ok, "\(rb.body)")
            let again = try await client.send(.POST, "/api/v1/assistant/cards/\(cardID)/confirm")
            let follow = again["follow_up"] as? [String: Any]
            #expect(follow?["kind"] as? String == "invoice_issued")
            #expect((follow?["data"] as? [String: Any])?["number"] as? String == "INV-0001")
            #expect(try await Invoice.query(on: app.db).count() == 1)
            #expect(try await client.send(.GET, "/api/v1/customers/\(ramesh)")["balance"] as? Int == 20_000)
            #expect(try await client.send(.GET, "/api/v1/products/\(cement)")["stock"] as? Int == 18)
            #expect(try await client.send(.POST, "/api/v1/assistant/cards/\(cardID)/cancel").status == .conflict)

            // History reloads with the card's current state.
            let history = try await client.send(.GET, "/api/v1/assistant/messages")
            let turns = history["turns"] as? [[String: Any]] ?? []
            #expect(turns.count >= 3)
            let first = turns.first { ($0["card"] as? [String: Any])?["id"] as? String == cardID }
            #expect((first?["card"] as? [String: Any])?["status"] as? String == "confirmed")
            try await Invariants.check(app)
        }
    }

    /// "Ramesh ko cement becha" → how many? → 5 → catalog price? → haan → preview.
    static func multiTurn(_ db: TestDB) async throws {
        let clock = TestClock()
        try await withTestApp(db, clock: clock) { app in
            let (client, _, _) = try await setup(app)
            let q1 = try await say(client, "Ramesh ko cement becha")
            #expect(q1["card"] is NSNull)
            #expect((q1["pending"] as? [String: Any])?["missing"] as? [String] == ["quantity"])
            let conversation = q1["conversation_id"] as? String
            let q2 = try await say(client, "5", conversation: conversation)
            #expect((q2["pending"] as? [String: Any])?["missing"] as? [String] == ["unit_price"])
            #expect((q2["reply"] as? String)?.contains("350") == true)
            let done = try await say(client, "haan", conversation: conversation)
            #expect(card(done)["kind"] as? String == "invoice_preview")
            #expect(data(done)["total"] as? Int == 175_000)

            // A pending question expires after 30 minutes of silence.
            _ = try await say(client, "Ramesh ko cement becha")
            clock.advance(31 * 60)
            let late = try await say(client, "5")
            #expect(card(late)["kind"] as? String != "invoice_preview")
            // "rehne do" cancels what is pending.
            _ = try await say(client, "Ramesh ko cement becha")
            let cancelled = try await say(client, "rehne do")
            #expect(cancelled["pending"] is NSNull)
            #expect(try await Invoice.query(on: app.db).count() == 0)
        }
    }

    /// Unknown customers are offered, ambiguous ones asked about, never guessed.
    static func namesAreAskedNotGuessed(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            let (client, _, _) = try await setup(app)
            _ = try await client.customer("Raj Kumar")
            _ = try await client.customer("Raj Malhotra")
            let ask = try await say(client, "Raj paid 500")
            #expect(ask["card"] is NSNull)
            #expect((ask["reply"] as? String)?.contains("Raj Kumar") == true)
            #expect((ask["reply"] as? String)?.contains("Raj Malhotra") == true)
            let chosen = try await say(client, "2")
            #expect(card(chosen)["kind"] as? String == "payment_preview")
            #expect((data(chosen)["customer"] as? [String: Any])?["name"] as? String == "Raj Malhotra")

            let offer = try await say(client, "sold 1 bag cement to Sunita at 350")
            #expect((offer["reply"] as? String)?.contains("Sunita") == true)
            #expect((offer["pending"] as? [String: Any])?["missing"] as? [String] == ["customer"])
            let yes = try await say(client, "yes")
            #expect(card(yes)["kind"] as? String == "invoice_preview")
            #expect(try await Customer.query(on: app.db).filter(\.$name == "Sunita").count() == 0, "created only on Confirm")
            let confirmed = try await client.send(.POST, "/api/v1/assistant/cards/\(card(yes)["id"] as! String)/confirm")
            #expect(confirmed.status == .ok, "\(confirmed.body)")
            #expect(try await Customer.query(on: app.db).filter(\.$name == "Sunita").count() == 1)
            try await Invariants.check(app)
        }
    }

    /// Price check, payments, balances, debtors, stock questions and updates, edit and cancel.
    static func cardsOfEveryKind(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            let (client, cement, ramesh) = try await setup(app)
            let check = try await say(client, "sold 5 bags cement to Ramesh, he paid 1700")
            #expect((check["pending"] as? [String: Any])?["intent"] as? String == "create_invoice")
            let discount = try await say(client, "discount")
            #expect(data(discount)["total"] as? Int == 170_000)
            #expect(data(discount)["discount"] as? Int == 5_000)
            // Edit the pending card: 4 bags instead.
            let cid = card(discount)["id"] as! String
            let edited = try await client.send(.POST, "/api/v1/assistant/cards/\(cid)/edit", json: ["items": [["product_id": cement, "quantity": 4]], "discount": 0, "amount_paid": 140_000])
            #expect(edited.status == .ok, "\(edited.body)")
            #expect(((edited["card"] as? [String: Any])?["data"] as? [String: Any])?["total"] as? Int == 140_000)
            #expect(try await client.send(.POST, "/api/v1/assistant/cards/\(cid)/confirm").status == .ok)

            let stock = try await say(client, "how much cement is left")
            #expect(card(stock)["kind"] as? String == "stock")
            #expect(data(stock)["stock"] as? Int == 16)

            let restock = try await say(client, "received 10 bags cement")
            #expect(card(restock)["kind"] as? String == "stock_update_preview")
            #expect(data(restock)["stock_after"] as? Int == 26)
            let rid = card(restock)["id"] as! String
            let cancel = try await client.send(.POST, "/api/v1/assistant/cards/\(rid)/cancel")
            #expect((cancel["card"] as? [String: Any])?["status"] as? String == "cancelled")
            #expect(try await client.send(.POST, "/api/v1/assistant/cards/\(rid)/confirm").status == .conflict)
            #expect(try await client.send(.GET, "/api/v1/products/\(cement)")["stock"] as? Int == 16)

            let credit = try await say(client, "sold 1 bag cement to Ramesh on credit")
            _ = try await client.send(.POST, "/api/v1/assistant/cards/\(card(credit)["id"] as! String)/confirm")
            let balance = try await say(client, "Ramesh ka kitna baaki hai")
            #expect(card(balance)["kind"] as? String == "balance")
            #expect(data(balance)["due"] as? Int == 35_000)
            let debtors = try await say(client, "who owes me money")
            #expect(card(debtors)["kind"] as? String == "debtors")
            #expect(data(debtors)["total_due"] as? Int == 35_000)

            let payment = try await say(client, "received 500 from Ramesh by UPI")
            #expect(card(payment)["kind"] as? String == "payment_preview")
            #expect(data(payment)["payment_mode"] as? String == "upi")
            #expect(data(payment)["balance_after"] as? Int == -15_000)
            let paid = try await client.send(.POST, "/api/v1/assistant/cards/\(card(payment)["id"] as! String)/confirm")
            #expect((paid["follow_up"] as? [String: Any])?["kind"] as? String == "payment_recorded")
            #expect(try await client.send(.GET, "/api/v1/customers/\(ramesh)")["balance"] as? Int == -15_000)

            // Reports link to the same files as the Reports page.
            let report = try await say(client, "send me the inventory report as pdf")
            #expect(card(report)["kind"] as? String == "report")
            let url = try #require(data(report)["url"] as? String)
            #expect(url == "/api/v1/reports/inventory.pdf")
            #expect(try await client.send(.GET, url).headers.contentType?.subType == "pdf")

            // Things that need later issues say so, with a 409 naming what to configure.
            let link = try await say(client, "send payment link of 500 to Ramesh")
            #expect(card(link)["kind"] as? String == "payment_link_preview")
            let refused = try await client.send(.POST, "/api/v1/assistant/cards/\(card(link)["id"] as! String)/confirm")
            #expect(refused.errorCode == "razorpay_not_configured")
            try await Invariants.check(app)
        }
    }

    static func parseShapeAndIsolation(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            let (client, _, _) = try await setup(app)
            let r = try await client.send(.POST, "/api/v1/assistant/parse", json: ["text": "Ramesh paid 500"])
            #expect(r.status == .ok)
            #expect(Set(r.json.keys) == ["intent", "confidence", "entities", "missing", "engine"])
            #expect(r["intent"] as? String == "record_payment")
            let entities = r["entities"] as? [String: Any] ?? [:]
            #expect(entities["amount"] as? Int == 50_000)
            #expect(entities.keys.contains("payment_mode"), "absent values are null, never omitted")
            #expect(entities["payment_mode"] is NSNull)
            #expect(try await Payment.query(on: app.db).count() == 0)

            let mine = try await say(client, "sold 1 bag cement to Ramesh")
            var other = APIClient(app)
            try await other.signup()
            #expect(try await other.send(.POST, "/api/v1/assistant/cards/\(card(mine)["id"] as! String)/confirm").status == .notFound)
            #expect(try await other.send(.GET, "/api/v1/assistant/messages?conversation_id=\(mine["conversation_id"] as! String)").status == .notFound)
            #expect(try await other.send(.GET, "/api/v1/assistant/messages")["turns"] as? [Any] != nil)
        }
    }

    /// Replies follow the language of the message (issue 18 §2): Hinglish for Roman Hindi,
    /// Devanagari for Devanagari, English for English, whatever the business prefers; a message
    /// that says nothing about its language ("5", "help") gets the conversation's language, else
    /// the business's; Confirm answers in the language the card was asked for in.
    static func hinglishReplies(_ db: TestDB) async throws {
        try await withTestApp(db) { app in
            let (client, _, _) = try await setup(app)
            func reply(_ text: String, in conversation: String? = nil) async throws -> (String, String?, [String: Any]) {
                var body: [String: Any] = ["text": text]
                if let conversation { body["conversation_id"] = conversation }
                let r = try await client.send(.POST, "/api/v1/assistant/messages", json: body)
                #expect(r.status == .ok || r.status == .created, "\(r.body)")
                return (r["reply"] as? String ?? "", r["conversation_id"] as? String, r.json)
            }
            // an English-speaking shop
            #expect(try await reply("Ramesh ko cement becha").0.contains("kitne"), "Roman Hindi gets Hinglish")
            #expect(try await reply("sold cement to Ramesh").0.hasPrefix("How many"))
            let (asked, conversation, _) = try await reply("रमेश को सीमेंट बेचा")
            #expect(asked.contains("कितने"), "Devanagari gets Devanagari: \(asked)")
            // … "5" keeps the conversation's language, and so does the card and its Confirm
            let (priced, _, _) = try await reply("5", in: conversation)
            #expect(priced.contains("प्रति") || priced.contains("यह रहा बिल"), "\(priced)")
            var (last, _, json) = try await reply("हाँ", in: conversation)
            if last.contains("किस रेट") { (last, _, json) = try await reply("350", in: conversation) }
            #expect(last.hasPrefix("यह रहा बिल"), "\(last)")
            let card = try #require((json["card"] as? [String: Any])?["id"] as? String)
            let confirmed = try await client.send(.POST, "/api/v1/assistant/cards/\(card)/confirm")
            #expect((confirmed["reply"] as? String)?.hasPrefix("बिल INV-0001") == true, "\(confirmed.body)")
            // a Hindi-speaking shop: ambiguous messages get Hinglish, English still gets English
            #expect(try await client.send(.PATCH, "/api/v1/business", json: ["preferred_language": "hi"]).status == .ok)
            let english = try await reply("sold cement to Ramesh")
            #expect(english.0.hasPrefix("How many"), "\(english.0)")
            // … "rehne do" drops the English question (in English: the conversation's language); then
            // a message in no particular language gets the shop's Hinglish
            #expect(try await reply("rehne do").0.hasPrefix("Okay, cancelled."))
            let ambiguous = try await reply("Ramesh 2 cement")
            #expect(!ambiguous.0.isEmpty && ReplyLanguage.of(ambiguous.0) != .english, "\(ambiguous.0)")
        }
    }

    /// The LLM path against a local fake speaking the chat-completions wire format.
    static func llmEngine() async throws {
        let fake = FakeOpenAI()
        try await fake.start()
        do {
            try await withTestApp(.sqlite, configure: { $0.openAIKey = "sk-test-secret"; $0.openAIBaseURL = fake.baseURL }) { app in
                let (client, _, _) = try await setup(app)
                fake.enqueue(content: #"{"intent":"create_invoice","confidence":0.93,"entities":{"customer":"Ramesh","items":[{"product":"Cement","quantity":3,"unit":"bag","unit_price":35000}],"amount_paid":null,"payment_mode":null,"discount":null,"due":false,"amount":null,"product":null,"quantity":null,"mode":null,"report":null,"format":null,"period":null,"unit_price":null,"unit":null,"phone":null,"platform":null,"content":null,"image_url":null}}"#)
                let r = try await say(client, "teen bori cement Ramesh ko")
                #expect(r["engine"] as? String == "llm")
                #expect(data(r)["total"] as? Int == 105_000)
                // The provider fails twice (request + retry): the offline parser answers and says so.
                fake.enqueue(status: 500, content: "")
                fake.enqueue(status: 500, content: "")
                let fallback = try await say(client, "Ramesh paid 500")
                #expect(fallback["engine"] as? String == "offline")
                #expect((fallback["reply"] as? String)?.contains("offline") == true)
                #expect(card(fallback)["kind"] as? String == "payment_preview")
                #expect(fake.chatBodies.count == 3)
                #expect(fake.authorizations.allSatisfy { $0 == "Bearer sk-test-secret" })
                try await FakeOpenAI.validate(fake.chatBodies, schema: "CreateChatCompletionRequest")
                let sent = try JSONSerialization.jsonObject(with: fake.chatBodies[0]) as? [String: Any]
                let format = sent?["response_format"] as? [String: Any]
                #expect(format?["type"] as? String == "json_schema")
                #expect((format?["json_schema"] as? [String: Any])?["strict"] as? Bool == true)
            }
        } catch {
            try await fake.stop()
            throw error
        }
        try await fake.stop()
    }

    /// Voice: 422 without a provider; with one, the transcript is the message.
    static func transcription() async throws {
        let boundary = "XyZ"
        let audio = Data(repeating: 0x1A, count: 2048)
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"note.webm\"\r\nContent-Type: audio/webm\r\n\r\n".utf8)
        body.append(audio)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        let headers = ["Content-Type": "multipart/form-data; boundary=\(boundary)"]

        try await withTestApp(.sqlite) { app in
            let (client, _, _) = try await setup(app)
            let r = try await client.send(.POST, "/api/v1/assistant/messages", raw: String(decoding: body, as: UTF8.self), headers: headers)
            #expect(r.status == .unprocessableEntity)
            #expect(r.errorCode == "transcription_unavailable")
            #expect((r.json["error"] as? [String: Any])?["message"] as? String != nil)
        }
        let fake = FakeOpenAI()
        try await fake.start()
        do {
            try await withTestApp(.sqlite, configure: { $0.openAIKey = "sk-test"; $0.openAIBaseURL = fake.baseURL }) { app in
                let (client, _, _) = try await setup(app)
                fake.enqueue(status: 500, content: "")
                fake.enqueue(status: 500, content: "")
                let r = try await client.send(.POST, "/api/v1/assistant/messages", raw: String(decoding: body, as: UTF8.self), headers: headers)
                #expect(r.status == .ok, "\(r.body)")
                #expect(r["transcript"] as? String == fake.transcript)
                #expect(card(r)["kind"] as? String == "invoice_preview")
                let forms = fake.transcriptionForms
                #expect(forms.first?["model"] == "whisper-1")
                #expect(forms.first?["language"] == "en")
                let bodies = try forms.map { try JSONSerialization.data(withJSONObject: $0) }
                try await FakeOpenAI.validate(bodies, schema: "CreateTranscriptionRequest")
            }
        } catch {
            try await fake.stop()
            throw error
        }
        try await fake.stop()
    }
}
