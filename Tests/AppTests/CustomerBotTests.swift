@testable import App
import Testing

/// The customer bot reads Devanagari as it reads Roman Hinglish, and answers in Hinglish
/// (issue 18 §2).
@Suite("Customer bot")
struct CustomerBotTests {
    let context = CustomerBot.Context(businessName: "Patel Cement", hours: "9 am to 8 pm", address: "Station Road",
                                      products: [.init(name: "Cement", unit: "bag", price: 35_000, stock: 40_000)],
                                      customer: (name: "Ramesh", balance: 71_617), hinglish: false)

    @Test func devanagariQuestionsAreAnsweredInHinglish() {
        let price = CustomerBot.answer("सीमेंट का रेट क्या है", context: context)
        #expect(price.text.contains("Cement: ₹350.00 prati bag"), "\(price.text)")
        #expect(!price.handoff)
        let balance = CustomerBot.answer("मेरा कितना बाकी है", context: context)
        #expect(balance.text.contains("₹716.17 baaki hai"), "\(balance.text)")
        let hours = CustomerBot.answer("दुकान कब खुलती है", context: context)
        #expect(hours.text.contains("9 am to 8 pm"), "\(hours.text)")
        let person = CustomerBot.answer("किसी से बात करनी है", context: context)
        #expect(person.handoff)
        // The same questions in English are still answered in English.
        #expect(CustomerBot.answer("what is the price of cement?", context: context).text.contains("per bag"))
    }
}
