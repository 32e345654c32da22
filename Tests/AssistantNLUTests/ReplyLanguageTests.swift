import Testing
@testable import AssistantNLU

/// Which language a reply is written in (issue 18 §2): the message's, when it shows one.
@Suite("Reply language")
struct ReplyLanguageTests {
    @Test(arguments: [
        ("रमेश को 5 बोरी सीमेंट 350 में बेचा", ReplyLanguage.hindi),
        ("Ramesh को 5 bori cement", .hindi),
        ("सीमेंट कितना बचा है", .hindi),
        ("Ramesh ko 5 bori cement 350 me becha", .hinglish),
        ("aaj kitna becha", .hinglish),
        ("Suresh ne 2000 diye", .hinglish),
        ("sabko reminder bhejo", .hinglish),
        ("mera kitna baaki hai?", .hinglish),
        ("sold 5 bags cement to Ramesh at 350", .english),
        ("how much stock of cement is left", .english),
        ("Ramesh paid 1000", .english),
        ("send the invoice to Ramesh", .english),
    ])
    func messagesShowTheirLanguage(_ text: String, _ expected: ReplyLanguage) {
        #expect(ReplyLanguage.of(text) == expected, "\(text)")
    }

    @Test(arguments: ["1", "350", "Ramesh", "₹2,000", "", "cement 5", "OK"])
    func aMessageInNoLanguageSaysSo(_ text: String) {
        #expect(ReplyLanguage.of(text) == nil, "\(text)")
    }

    @Test func theBusinessDefault() {
        #expect(ReplyLanguage.fallback(preferred: "hi") == .hinglish)
        #expect(ReplyLanguage.fallback(preferred: "hi-IN") == .hinglish)
        #expect(ReplyLanguage.fallback(preferred: "en") == .english)
    }
}
