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

    /// Issue 17 §2: the bot quotes what the customer will pay, GST included, and says so.
    @Test func pricesAreQuotedWithGST() {
        let shop = CustomerBot.Context(businessName: "Patel Cement", hours: nil, address: nil,
                                       products: [.init(name: "Cement", unit: "bag", price: 35_000, stock: 40_000, gstBP: 1_800, priceIncludesGST: true),
                                                  .init(name: "Putty", unit: "bag", price: 78_000, stock: 40_000, gstBP: 1_800, priceIncludesGST: false),
                                                  .init(name: "Sand", unit: "cft", price: 6_000, stock: 40_000)],
                                       customer: nil, hinglish: false)
        #expect(CustomerBot.answer("price of cement?", context: shop).text.contains("Cement: ₹350.00 per bag incl. GST"))
        // ₹780 before 18 % GST is ₹920.40 to the customer
        #expect(CustomerBot.answer("putty rate", context: shop).text.contains("Putty: ₹920.40 per bag incl. GST"))
        #expect(CustomerBot.answer("sand price", context: shop).text.contains("Sand: ₹60.00 per cft, in stock"))
        #expect(CustomerBot.answer("सीमेंट का रेट क्या है", context: shop).text.contains("₹350.00 prati bag GST sahit"))
    }

    /// The shop of issue 18 §6: three cements, one nearly gone, one sold out.
    let shop = CustomerBot.Context(businessName: "Patel Cement", hours: "9 am to 8 pm", address: "Station Road",
                                   products: [.init(name: "Cement bag (50 kg)", unit: "bag", price: 35_000, stock: 381_000, lowStock: 50_000),
                                              .init(name: "Cement OPC 53", unit: "bag", price: 41_000, stock: 12_000, lowStock: 20_000),
                                              .init(name: "Cement PPC", unit: "bag", price: 38_000, stock: 0, lowStock: 10_000),
                                              .init(name: "River sand", unit: "cft", price: 6_000, stock: 1_500_000)],
                                   customer: (name: "Ramesh", balance: 71_617), hinglish: false)

    /// A balance question gets the balance and nothing else: no product list, no "not found".
    @Test func balanceQuestionsGetOnlyTheBalance() {
        for question in ["mera kitna baaki hai?", "how much do I owe", "मेरा कितना बाकी है", "kitna udhaar hai"] {
            // act
            let answer = CustomerBot.answer(question, context: shop)
            // verify
            #expect(answer.text.contains("₹716.17"), "\(question): \(answer.text)")
            #expect(!answer.text.contains("Cement") && !answer.text.contains("find"), "\(question): \(answer.text)")
        }
    }

    /// A price question lists every product it could mean, each with its price, and says how the
    /// stock stands in words, never as a count.
    @Test func priceQuestionsListEveryMatchWithStockInWords() {
        // act
        let answer = CustomerBot.answer("cement ka rate kya hai?", context: shop)
        // verify
        let lines = answer.text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(answer.text)")
        #expect(lines.contains("Cement bag (50 kg): ₹350.00 per bag, in stock."), "\(answer.text)")
        #expect(lines.contains("Cement OPC 53: ₹410.00 per bag, only a few left."), "\(answer.text)")
        #expect(lines.contains("Cement PPC: ₹380.00 per bag, out of stock right now."), "\(answer.text)")
        #expect(!answer.text.contains("381") && !answer.text.contains("sand"), "\(answer.text)")
        #expect(!answer.handoff)
        // One product named exactly: that product alone.
        #expect(CustomerBot.answer("river sand price", context: shop).text == "River sand: ₹60.00 per cft, in stock.")
        // In Hinglish the same words.
        let hindi = CustomerBot.answer("सीमेंट का रेट क्या है", context: shop).text
        #expect(hindi.contains("Cement OPC 53: ₹410.00 prati bag, thode hi bache hain."), "\(hindi)")
    }

    /// A product the shop does not have: said so, with what it has, and never the balance.
    @Test func unknownProductsAreSaidPlainly() {
        let answer = CustomerBot.answer("do you have paint?", context: shop)
        #expect(answer.text.hasPrefix("I could not find that product. We have:\nCement bag (50 kg): ₹"), "\(answer.text)")
        #expect(!answer.text.contains("₹716.17"))
    }

    /// "rate kya hai?" names no product: the price list, GST-inclusive prices said so, stock in words.
    @Test func aGeneralPriceQuestionGetsThePriceList() {
        let answer = CustomerBot.answer("rate kya hai?", context: shop)
        #expect(answer.text.hasPrefix("Our prices:\nCement bag (50 kg): ₹"), "\(answer.text)")
        #expect(!answer.text.contains("could not find") && !answer.text.contains("₹716.17"))
        #expect(answer.text.split(separator: "\n").count >= 3, "several products, one per line")
    }
}
