import Foundation

/// Hindi in Devanagari, read as the Roman Hinglish the parser already understands (issue 18 §2).
///
/// A transcription service and many owners write Hindi in its own script ("रमेश को 5 बोरी
/// सीमेंट 350 में बेचा"). Rather than a second grammar, each Devanagari word becomes the spelling
/// a shopkeeper would type in Roman letters: common words through a table ("में" → "mein",
/// "दिए" → "diye", "रुपये" → "rupaye"), everything else — names and products — by a phonetic
/// transliteration with Hindi's schwa deletion ("रमेश" → "Ramesh", "कितना" → "kitna",
/// "सीमेंट" → "Siment", which the name matcher already equates with "Cement"). Latin text,
/// digits and punctuation pass through unchanged, so mixed-script sentences work too.
public enum Devanagari {
    /// True when the text has any Devanagari letter or digit.
    public static func contains(_ text: String) -> Bool {
        text.unicodeScalars.contains { isDevanagari($0) }
    }

    /// The text with every Devanagari word romanized and Devanagari digits made ASCII.
    public static func romanize(_ text: String) -> String {
        guard contains(text) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var word = String.UnicodeScalarView()
        func flush() {
            guard !word.isEmpty else { return }
            out += romanizeWord(String(word))
            word = String.UnicodeScalarView()
        }
        for s in text.unicodeScalars {
            if s.value >= 0x0966 && s.value <= 0x096F {  // ० – ९
                flush()
                out.unicodeScalars.append(Unicode.Scalar(s.value - 0x0966 + 48)!)
            } else if s.value == 0x0964 || s.value == 0x0965 {  // । ॥
                flush()
                out += "."
            } else if isDevanagari(s) || (s.value == 0x200D || s.value == 0x200C) && !word.isEmpty {
                word.append(s)
            } else {
                flush()
                out.unicodeScalars.append(s)
            }
        }
        flush()
        return out
    }

    static func isDevanagari(_ s: Unicode.Scalar) -> Bool { s.value >= 0x0900 && s.value <= 0x097F }

    /// One word: the table, else the transliteration (capitalised: it is a name or a product).
    static func romanizeWord(_ word: String) -> String {
        let clean = String(String.UnicodeScalarView(word.unicodeScalars.filter { $0.value != 0x200D && $0.value != 0x200C }))
        if let known = words[clean] { return known }
        let roman = transliterate(clean)
        return roman.prefix(1).uppercased() + roman.dropFirst()
    }

    // MARK: transliteration

    private enum Unit { case consonant(String), vowel(String), sign(String) }

    /// Consonants (with precomposed nukta forms) and what they are written as.
    static let consonants: [UInt32: String] = [
        0x0915: "k", 0x0916: "kh", 0x0917: "g", 0x0918: "gh", 0x0919: "n",
        0x091A: "ch", 0x091B: "chh", 0x091C: "j", 0x091D: "jh", 0x091E: "n",
        0x091F: "t", 0x0920: "th", 0x0921: "d", 0x0922: "dh", 0x0923: "n",
        0x0924: "t", 0x0925: "th", 0x0926: "d", 0x0927: "dh", 0x0928: "n", 0x0929: "n",
        0x092A: "p", 0x092B: "ph", 0x092C: "b", 0x092D: "bh", 0x092E: "m",
        0x092F: "y", 0x0930: "r", 0x0931: "r", 0x0932: "l", 0x0933: "l", 0x0934: "l", 0x0935: "v",
        0x0936: "sh", 0x0937: "sh", 0x0938: "s", 0x0939: "h",
        0x0958: "q", 0x0959: "kh", 0x095A: "g", 0x095B: "z", 0x095C: "r", 0x095D: "rh", 0x095E: "f", 0x095F: "y",
    ]
    /// Independent vowels.
    static let vowels: [UInt32: String] = [
        0x0905: "a", 0x0906: "a", 0x0907: "i", 0x0908: "i", 0x0909: "u", 0x090A: "u", 0x090B: "ri",
        0x090D: "e", 0x090E: "e", 0x090F: "e", 0x0910: "ai", 0x0911: "o", 0x0912: "o", 0x0913: "o", 0x0914: "au",
    ]
    /// Vowel signs (matras).
    static let matras: [UInt32: String] = [
        0x093E: "a", 0x093F: "i", 0x0940: "i", 0x0941: "u", 0x0942: "u", 0x0943: "ri",
        0x0945: "e", 0x0946: "e", 0x0947: "e", 0x0948: "ai", 0x0949: "o", 0x094A: "o", 0x094B: "o", 0x094C: "au",
    ]
    /// Nukta on a base consonant: क़ ख़ ग़ ज़ ड़ ढ़ फ़.
    static let nukta: [String: String] = ["k": "q", "g": "g", "j": "z", "d": "r", "dh": "rh", "ph": "f", "kh": "kh"]

    /// An akshara: a consonant cluster (or none) and its vowel. `inherent` marks the schwa that
    /// schwa deletion may drop.
    private struct Syllable {
        var consonants: [String] = []
        var vowel: String = ""
        var inherent = false
        var coda = ""  // anusvara, chandrabindu, visarga
    }

    static func transliterate(_ word: String) -> String {
        var syllables: [Syllable] = []
        var cur: Syllable? = nil
        var pendingVirama = false
        func close() {
            if var c = cur {
                if c.vowel.isEmpty && !c.consonants.isEmpty && !pendingVirama { c.vowel = "a"; c.inherent = true }
                syllables.append(c)
            }
            cur = nil
        }
        for s in word.unicodeScalars {
            let v = s.value
            if let c = consonants[v] {
                if pendingVirama, cur != nil {
                    cur!.consonants.append(c)  // a cluster: क्या, स्टॉक
                    pendingVirama = false
                } else {
                    close()
                    cur = Syllable(consonants: [c])
                }
            } else if v == 0x093C {  // nukta
                if let last = cur?.consonants.last { cur!.consonants[cur!.consonants.count - 1] = nukta[last] ?? last }
            } else if v == 0x094D {  // virama
                pendingVirama = true
            } else if let m = matras[v] {
                pendingVirama = false
                if cur == nil { cur = Syllable() }
                cur!.vowel = m
                close()
            } else if let iv = vowels[v] {
                close()
                pendingVirama = false
                // "दिए", "गए", "आए": a vowel after a vowel is written with a y.
                let afterVowel = syllables.last.map { !$0.vowel.isEmpty } ?? false
                var syl = Syllable(vowel: iv)
                if afterVowel, iv == "e" || iv == "ai" { syl.consonants = ["y"] }
                cur = syl
                close()
            } else if v == 0x0902 || v == 0x0901 {  // anusvara, chandrabindu
                if cur != nil { close() }
                if !syllables.isEmpty { syllables[syllables.count - 1].coda += "n" }
            } else if v == 0x0903 {  // visarga
                if cur != nil { close() }
                if !syllables.isEmpty { syllables[syllables.count - 1].coda += "h" }
            } else {
                // other marks (avagraha, stress, Vedic signs): ignored
            }
        }
        if pendingVirama, var c = cur { c.vowel = ""; syllables.append(c); cur = nil } else { close() }

        // Schwa deletion: the final inherent a goes ("रमेश" → ramesh) unless the word is one
        // syllable; then, right to left, an inherent a between a vowel and a consonant with a
        // vowel goes too ("कितना" → kitna, "समझना" → samajhna).
        let n = syllables.count
        if n > 1, syllables[n - 1].inherent, syllables[n - 1].coda.isEmpty, syllables[n - 1].consonants.count == 1 {
            syllables[n - 1].vowel = ""
            syllables[n - 1].inherent = false
        }
        if n > 2 {
            var i = n - 2
            while i >= 1 {
                let prevHasVowel = !syllables[i - 1].vowel.isEmpty
                let next = syllables[i + 1]
                if syllables[i].inherent, syllables[i].coda.isEmpty, prevHasVowel, !next.consonants.isEmpty, !next.vowel.isEmpty {
                    syllables[i].vowel = ""
                    syllables[i].inherent = false
                }
                i -= 1
            }
        }
        var out = ""
        for (k, s) in syllables.enumerated() {
            out += s.consonants.joined() + s.vowel
            if !s.coda.isEmpty {
                // An anusvara before p, b or m sounds m ("पंप" → pump-like "pamp").
                let nextStart = k + 1 < syllables.count ? syllables[k + 1].consonants.first ?? "" : ""
                out += s.coda.hasPrefix("n") && ["p", "ph", "b", "bh", "m"].contains(nextStart) ? "m" + s.coda.dropFirst() : s.coda
            }
        }
        return out
    }

    // MARK: common words

    /// Words whose usual Roman spelling the transliteration would miss, and the words the parser
    /// keys on. Values are lowercase Hinglish as `OfflineParser` and `Lexicon` know it.
    static let words: [String: String] = [
        // postpositions, pronouns, little words
        "में": "mein", "मे": "me", "मैं": "main", "ने": "ne", "से": "se", "को": "ko", "का": "ka", "की": "ki", "के": "ke",
        "पर": "par", "पे": "pe", "है": "hai", "हैं": "hain", "था": "tha", "थे": "the", "थी": "thi", "और": "aur", "व": "aur",
        "भी": "bhi", "ही": "hi", "तो": "to", "जी": "ji", "वाला": "wala", "वाले": "wale", "वाली": "wali",
        "आज": "aaj", "कल": "kal", "अभी": "abhi", "सब": "sab", "सबको": "sabko", "सबका": "sabka", "सभी": "sabhi", "कुल": "total",
        "मेरा": "mera", "मेरी": "meri", "मेरे": "mere", "उसने": "usne", "उसको": "usko", "उसे": "use", "इस": "is", "उस": "us",
        "महीने": "mahine", "महीना": "mahina", "हफ्ते": "hafte", "हफ़्ते": "hafte", "हफ्ता": "hafta", "साल": "saal",
        // greetings and help
        "नमस्ते": "namaste", "नमस्कार": "namaskar", "हेलो": "hello", "हैलो": "hello", "मदद": "madad", "धन्यवाद": "dhanyavaad",
        "शुक्रिया": "shukriya", "राम राम": "ram ram",
        // questions
        "क्या": "kya", "कितना": "kitna", "कितनी": "kitni", "कितने": "kitne", "कौन": "kaun", "कब": "kab", "कहाँ": "kahan",
        // verbs
        "बेचा": "becha", "बेची": "bechi", "बेचे": "beche", "बेचो": "becho", "बिका": "bika", "बिकी": "biki", "बिके": "bike",
        "दिया": "diya", "दिए": "diye", "दिये": "diye", "दी": "di", "दे": "de", "दो": "do",         "लिया": "liya", "लिए": "liye", "लिये": "liye", "ली": "li", "लो": "lo", "खरीदा": "kharida", "खरीदी": "kharidi",
        "मिला": "mila", "मिले": "mile", "मिली": "mili", "आया": "aaya", "आए": "aaye", "आये": "aaye", "आई": "aayi",
        "जमा": "jama", "चुकाया": "chukaya", "चुकाए": "chukaye", "भेजो": "bhejo", "भेज": "bhej", "भेजा": "bheja", "भेजे": "bheje",
        "बताओ": "batao", "बता": "bata", "बताइए": "batao", "बताइये": "batao", "दिखाओ": "dikhao", "दिखा": "dikha",
        "जोड़ो": "jodo", "जोडो": "jodo", "जोड़": "jod", "डालो": "dalo", "बढ़ाओ": "badhao", "घटाओ": "ghatao",
        "बनाओ": "banao", "बना": "bana", "लिखो": "likho", "करो": "karo", "कर": "kar", "किया": "kiya", "किए": "kiye", "किये": "kiye",
        "हुआ": "hua", "हुई": "hui", "हुए": "hue", "रहा": "raha", "रही": "rahi", "रहे": "rahe", "गया": "gaya", "गई": "gayi", "गए": "gaye",
        "देना": "dena", "देने": "dene", "लेना": "lena", "लेने": "lene", "बाकी": "baaki", "बाक़ी": "baaki", "उधार": "udhaar",
        "बकाया": "bakaya", "हिसाब": "hisaab", "खाता": "khata", "बिक्री": "bikri", "कमाई": "kamai", "धंधा": "dhanda",
        "रद्द": "cancel", "रहने": "rehne", "छोड़ो": "chhodo", "हाँ": "haan", "हां": "haan", "नहीं": "nahi", "ना": "na", "ठीक": "theek",
        "बिल्कुल": "bilkul", "सही": "sahi", "अच्छा": "accha", "बात": "baat", "करनी": "karni", "करना": "karna",
        // money, stock, things
        "रुपये": "rupaye", "रुपए": "rupaye", "रुपया": "rupaya", "रु": "rs", "रू": "rs", "पैसे": "paise", "पैसा": "paisa",
        "नकद": "nakad", "नक़द": "nakad", "कैश": "cash", "यूपीआई": "upi", "चेक": "cheque", "बैंक": "bank", "कार्ड": "card", "ऑनलाइन": "online",
        "स्टॉक": "stock", "स्टाक": "stock", "माल": "maal", "रेट": "rate", "भाव": "bhav", "दाम": "daam", "कीमत": "keemat",
        "छूट": "discount", "डिस्काउंट": "discount", "बिल": "bill", "इनवॉइस": "invoice", "भुगतान": "payment", "पेमेंट": "payment",
        "रिमाइंडर": "reminder", "याद": "yaad", "ग्राहक": "customer", "नया": "naya", "नई": "nayi", "नए": "naye",
        "रिपोर्ट": "report", "कम": "kam", "ज्यादा": "zyada", "ज़्यादा": "zyada",
        // numbers (the parser reads these spellings)
        "एक": "ek", "तीन": "teen", "चार": "char", "पांच": "panch", "पाँच": "panch", "छह": "chhe", "छः": "chhe", "छे": "chhe",
        "सात": "saat", "आठ": "aath", "नौ": "nau", "दस": "das", "ग्यारह": "gyarah", "बारह": "barah", "तेरह": "terah", "चौदह": "chaudah",
        "पंद्रह": "pandrah", "सोलह": "solah", "सत्रह": "satrah", "अठारह": "atharah", "उन्नीस": "unnis", "बीस": "bees",
        "इक्कीस": "ikkis", "बाईस": "bais", "पच्चीस": "pachis", "तीस": "tees", "पैंतीस": "paintis", "चालीस": "chalis",
        "पचास": "pachas", "साठ": "saath", "सत्तर": "sattar", "अस्सी": "assi", "नब्बे": "nabbe",
        "सौ": "sau", "हज़ार": "hazar", "हजार": "hazar", "लाख": "lakh", "करोड़": "crore", "करोड": "crore",
        "डेढ़": "dedh", "डेढ": "dedh", "ढाई": "dhai", "सवा": "sawa", "साढ़े": "sadhe", "साढे": "sadhe", "आधा": "aadha", "आधी": "aadhi",
        // units
        "बोरी": "bori", "बोरियां": "boriyan", "बोरियाँ": "boriyan", "बैग": "bag", "कट्टा": "katta", "कट्टे": "katte",
        "किलो": "kilo", "ग्राम": "gram", "लीटर": "litre", "पैकेट": "packet", "डिब्बा": "dabba", "डिब्बे": "dabbe",
        "पीस": "piece", "नग": "nag", "दर्जन": "darjan", "बोतल": "bottle", "टन": "ton", "क्विंटल": "quintal", "मीटर": "metre", "फुट": "feet",
        "पेटी": "peti", "बॉक्स": "box",
    ]
}
