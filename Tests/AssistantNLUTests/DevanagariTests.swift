import AssistantNLU
import Testing

/// Hindi in Devanagari (issue 18 §2): each sentence must mean exactly what its Roman Hinglish
/// twin means — same intent, same entities, same missing details — with and without a catalog.
/// Names in Devanagari resolve to the catalog's Latin spelling ("रमेश" → "Ramesh Kumar").
let devanagariPairs: [(String, String)] = [
    // sales
    ("रमेश को 5 बोरी सीमेंट 350 में बेचा", "Ramesh ko 5 bori Siment 350 mein becha"),
    ("रमेश को ५ बोरी सीमेंट ३५० में बेचा", "Ramesh ko 5 bori Siment 350 mein becha"),
    ("रमेश को पांच बोरी सीमेंट बेचा", "Ramesh ko panch bori Siment becha"),
    ("रमेश को पाँच बोरी सीमेंट बेचा", "Ramesh ko panch bori Siment becha"),
    ("रमेश को दस बोरी सीमेंट 350 के रेट से बेचा", "Ramesh ko das bori Siment 350 ke rate se becha"),
    ("रमेश को 5 बोरी सीमेंट 350 में बेचा, उसने 1000 दिए", "Ramesh ko 5 bori Siment 350 mein becha, usne 1000 diye"),
    ("रमेश को 5 बोरी सीमेंट 350 में बेचा, उसने एक हज़ार दिए", "Ramesh ko 5 bori Siment 350 mein becha, usne ek hazar diye"),
    ("रमेश को 5 बोरी सीमेंट 350 में बेचा उधार", "Ramesh ko 5 bori Siment 350 mein becha udhaar"),
    ("मीना को 10 किलो रेत 40 में बेची", "Mina ko 10 kilo Ret 40 mein bechi"),
    ("मीना को बीस किलो रेत बेची", "Mina ko bees kilo Ret bechi"),
    ("मीना को डेढ़ किलो रेत बेची", "Mina ko dedh kilo Ret bechi"),
    ("मीना को ढाई किलो रेत बेची", "Mina ko dhai kilo Ret bechi"),
    ("सुरेश को 2 बोरी वॉल पुट्टी 800 में बेची", "Suresh ko 2 bori Vol Putti 800 mein bechi"),
    ("सुरेश को 3 बोरी सीमेंट ₹350 में बेचा, 500 नकद दिए", "Suresh ko 3 bori Siment ₹350 mein becha, 500 nakad diye"),
    ("सुरेश को 3 बोरी सीमेंट 350 रुपये में बेचा", "Suresh ko 3 bori Siment 350 rupaye mein becha"),
    ("Ramesh को 2 bag cement 350 में बेचा", "Ramesh ko 2 bag cement 350 mein becha"),
    ("रमेश को 2 bori सीमेंट at 350 बेचा", "Ramesh ko 2 bori Siment at 350 becha"),
    // payments
    ("सुरेश ने 2000 रुपये दिए", "Suresh ne 2000 rupaye diye"),
    ("सुरेश ने २००० रुपये दिए", "Suresh ne 2000 rupaye diye"),
    ("सुरेश ने दो हज़ार रुपये दिए", "Suresh ne do hazar rupaye diye"),
    ("सुरेश ने 2000 दिए", "Suresh ne 2000 diye"),
    ("सुरेश से 2000 मिले", "Suresh se 2000 mile"),
    ("सुरेश ने 2000 यूपीआई से दिए", "Suresh ne 2000 upi se diye"),
    ("सुरेश ने 2000 नकद दिए", "Suresh ne 2000 nakad diye"),
    ("सुरेश ने 1500 जमा किए", "Suresh ne 1500 jama kiye"),
    ("रमेश ने एक लाख रुपये दिए", "Ramesh ne ek lakh rupaye diye"),
    ("रमेश ने 500 चेक से दिए", "Ramesh ne 500 cheque se diye"),
    ("मीना से 300 रुपये आए", "Mina se 300 rupaye aaye"),
    // stock
    ("सीमेंट का स्टॉक कितना है", "Siment ka stock kitna hai"),
    ("रेत का स्टॉक कितना है", "Ret ka stock kitna hai"),
    ("सीमेंट कितना बचा है", "Siment kitna bacha hai"),
    ("सीमेंट का रेट क्या है", "Siment ka rate kya hai"),
    ("सीमेंट का भाव क्या है", "Siment ka bhav kya hai"),
    ("सीमेंट 50 बोरी जोड़ो", "Siment 50 bori jodo"),
    ("50 बोरी सीमेंट आया", "50 bori Siment aaya"),
    ("सीमेंट का स्टॉक 100 बोरी करो", "Siment ka stock 100 bori karo"),
    // balances, debtors, reminders
    ("रमेश का कितना बाकी है", "Ramesh ka kitna baaki hai"),
    ("रमेश का बाकी बताओ", "Ramesh ka baaki batao"),
    ("रमेश का हिसाब बताओ", "Ramesh ka hisaab batao"),
    ("मीना का उधार कितना है", "Mina ka udhaar kitna hai"),
    ("किसका कितना बाकी है", "kiska kitna baaki hai"),
    ("सबका बाकी बताओ", "sabka baaki batao"),
    ("उधार वाले ग्राहक दिखाओ", "udhaar wale customer dikhao"),
    ("रमेश को रिमाइंडर भेजो", "Ramesh ko reminder bhejo"),
    ("सबको रिमाइंडर भेजो", "sabko reminder bhejo"),
    ("सुरेश को पेमेंट रिमाइंडर भेजो", "Suresh ko payment reminder bhejo"),
    ("रमेश को बिल भेजो", "Ramesh ko bill bhejo"),
    // sales summaries and reports
    ("आज की बिक्री कितनी हुई", "aaj ki bikri kitni hui"),
    ("इस महीने की बिक्री कितनी हुई", "is mahine ki bikri kitni hui"),
    ("इस हफ्ते की बिक्री बताओ", "is hafte ki bikri batao"),
    ("आज कितना बिका", "aaj kitna bika"),
    ("आज की कमाई कितनी हुई", "aaj ki kamai kitni hui"),
    ("स्टॉक की रिपोर्ट भेजो", "stock ki report bhejo"),
    // catalog and customers
    ("नया ग्राहक रमेश 9876543210", "naya customer Ramesh 9876543210"),
    ("नया ग्राहक मीना", "naya customer Mina"),
    // replies and chit-chat
    ("नमस्ते", "namaste"),
    ("मदद", "madad"),
]

/// The same templates across names, units, products and number words.
let generatedPairs: [(String, String)] = {
    let names = [("रमेश", "Ramesh"), ("सुरेश", "Suresh"), ("अनिल", "Anil"), ("सुनीता", "Sunita"), ("विक्रम", "Vikram"), ("गुप्ता जी", "Gupta ji")]
    let perName = [("{n} ने 750 रुपये दिए", "{n} ne 750 rupaye diye"), ("{n} से 1200 मिले", "{n} se 1200 mile"),
                   ("{n} ने 300 यूपीआई से दिए", "{n} ne 300 upi se diye"), ("{n} का कितना बाकी है", "{n} ka kitna baaki hai"),
                   ("{n} को रिमाइंडर भेजो", "{n} ko reminder bhejo"), ("{n} का हिसाब बताओ", "{n} ka hisaab batao"),
                   ("{n} ने 2 हज़ार नकद दिए", "{n} ne 2 hazar nakad diye"),
                   ("{n} को 2 बोरी सीमेंट 350 में बेचा, 500 दिए", "{n} ko 2 bori Siment 350 mein becha, 500 diye")]
    let units = [("बोरी", "bori"), ("किलो", "kilo"), ("लीटर", "litre"), ("पैकेट", "packet"), ("डिब्बा", "dabba"), ("दर्जन", "darjan")]
    let products = [("चीनी", "Chini"), ("तेल", "Tel"), ("चावल", "Chaval")]
    let numbers = [("एक", "ek"), ("दो", "do"), ("तीन", "teen"), ("चार", "char"), ("छह", "chhe"), ("सात", "saat"), ("आठ", "aath"),
                   ("नौ", "nau"), ("बारह", "barah"), ("पंद्रह", "pandrah"), ("पच्चीस", "pachis"), ("तीस", "tees"), ("चालीस", "chalis"),
                   ("पचास", "pachas"), ("सौ", "sau")]
    var out: [(String, String)] = []
    for (dn, rn) in names {
        for (d, r) in perName { out.append((d.replacingOccurrences(of: "{n}", with: dn), r.replacingOccurrences(of: "{n}", with: rn))) }
    }
    for (du, ru) in units {
        for (dp, rp) in products { out.append(("रमेश को 3 \(du) \(dp) 40 में बेचा", "Ramesh ko 3 \(ru) \(rp) 40 mein becha")) }
    }
    for (dp, rp) in products {
        out.append(("\(dp) का स्टॉक कितना है", "\(rp) ka stock kitna hai"))
        out.append(("\(dp) का रेट क्या है", "\(rp) ka rate kya hai"))
    }
    for (dp, rp) in [("आज", "aaj"), ("कल", "kal"), ("इस हफ्ते", "is hafte"), ("इस महीने", "is mahine")] {
        out.append(("\(dp) की बिक्री कितनी हुई", "\(rp) ki bikri kitni hui"))
        out.append(("\(dp) की बिक्री बताओ", "\(rp) ki bikri batao"))
    }
    for (dw, rw) in numbers { out.append(("मीना को \(dw) बोरी सीमेंट बेचा", "Mina ko \(rw) bori Siment becha")) }
    return out
}()

/// Replies to a question or a card: numbers, money, yes/no/cancel in Devanagari.
@Suite("Devanagari")
struct DevanagariTests {
    @Test func thereAreEnoughSentences() { #expect(devanagariPairs.count + generatedPairs.count >= 150) }

    @Test(arguments: (devanagariPairs + generatedPairs).map { DevanagariPair(devanagari: $0.0, roman: $0.1) })
    func meansWhatItsRomanTwinMeans(_ pair: DevanagariPair) {
        for parser in [OfflineParser(), OfflineParser(catalog: shopCatalog)] {
            let d = parser.parse(pair.devanagari), r = parser.parse(pair.roman)
            #expect(d.intent == r.intent, "\(pair.devanagari) → \(d.intent), \(pair.roman) → \(r.intent)")
            #expect(d.entities == r.entities, "\(pair.devanagari)")
            #expect(d.missing == r.missing, "\(pair.devanagari)")
        }
    }

    /// Not a tautology: the sentences are understood (a romanizer that turned everything into
    /// words nobody knows would give equal "unknown"s on both sides).
    @Test func theSentencesAreUnderstood() {
        let unknown = (devanagariPairs + generatedPairs).filter { OfflineParser(catalog: shopCatalog).parse($0.0).intent == .unknown }.map(\.0)
        #expect(unknown.isEmpty, "\(unknown)")
    }

    @Test func namesInDevanagariResolveToTheCatalog() {
        let p = OfflineParser(catalog: shopCatalog)
        let sale = p.parse("रमेश को 5 बोरी सीमेंट 350 में बेचा, उसने 1000 दिए")
        #expect(sale.intent == .createInvoice)
        #expect(sale.entities["customer"] == "Ramesh Kumar")
        #expect(sale.entities["items"] == lines(line("Cement bag (50 kg)", 5, "bag", 35000)))
        #expect(sale.entities["amount_paid"] == 100000)
        let paid = p.parse("सुरेश ने 2000 रुपये दिए")
        #expect(paid.intent == .recordPayment && paid.entities["customer"] == "Suresh Patel" && paid.entities["amount"] == 200000)
        let stock = p.parse("सीमेंट का स्टॉक कितना है")
        #expect(stock.intent == .checkStock && stock.entities["product"] == "Cement bag (50 kg)")
        let balance = p.parse("मीना का कितना बाकी है")
        #expect(balance.intent == .customerBalance && balance.entities["customer"] == "Meena")
        // Ambiguous across scripts too: "राज" is Raj Kumar or Raj Malhotra; never guessed.
        let raj = p.parse("राज को 2 बोरी सीमेंट बेचा")
        #expect(raj.entities["customer"] == "Raj")
    }

    @Test func transliteration() {
        let cases: [(String, String)] = [
            ("रमेश", "Ramesh"), ("सुरेश", "Suresh"), ("मीना", "Meena".lowercased().capitalized.replacingOccurrences(of: "ee", with: "i")),
            ("सीमेंट", "Siment"), ("कितना", "kitna"), ("समझना", "Samajhna"), ("क्या", "kya"), ("राम", "Ram"),
            ("शर्मा", "Sharma"), ("गुप्ता", "Gupta"), ("अनिल", "Anil"), ("ज़ीरा", "Zira"), ("पंप", "Pamp"), ("दिए", "diye"),
            ("में", "mein"), ("२०२६", "2026"), ("Ramesh", "Ramesh"), ("₹350।", "₹350."),
        ]
        for (input, expected) in cases {
            #expect(Devanagari.romanize(input) == expected, "\(input)")
        }
        #expect(!Devanagari.contains("Ramesh ko 5 bori"))
        #expect(Devanagari.contains("Ramesh को"))
    }

    @Test func repliesInDevanagari() {
        #expect(Replies.number("पांच") == 5)
        #expect(Replies.number("५") == 5)
        #expect(Replies.money("350 रुपये") == 35000)
        #expect(Replies.money("एक हज़ार") == 100000)
        #expect(Replies.isYes("हाँ"))
        #expect(Replies.isYes("हां जी"))
        #expect(Replies.isNo("नहीं"))
        #expect(Replies.isCancel("रद्द करो") || Replies.isCancel("रहने दो"))
    }

    /// Hostile and odd input never traps and never loops: lone signs, viramas, nuktas, joiners.
    @Test func oddInputIsSafe() {
        for text in ["्", "ं", "़", "्््", "क्", "\u{200D}", "क\u{200D}्ष", "ॐ", "ऽ", "ँँँ", "अः", "॥॥", String(repeating: "क्", count: 2000)] {
            _ = Devanagari.romanize(text)
            _ = OfflineParser(catalog: shopCatalog).parse(text)
        }
    }
}

struct DevanagariPair: Sendable, CustomTestStringConvertible {
    let devanagari: String
    let roman: String
    var testDescription: String { devanagari }
}
