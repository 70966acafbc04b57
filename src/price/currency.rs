//! Currency marks: the table of ISO codes, symbols and words a price may carry,
//! and the scanner that finds them in text.
//!
//! Owns which mark means which ISO 4217 code(s). Knows nothing about numbers,
//! except that some short, risky marks (`R`, `Р`, `BD`, `ALL`) only count
//! when a digit sits right next to them.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use super::CurrencyMark;

/// Current ISO 4217 codes (plus HRK, still common on old pages). `XXX`/`XTS`
/// are left out: they mean "no currency" and "testing".
pub(crate) const ISO_CODES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP",
    "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
    "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR",
    "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW",
    "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA",
    "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD",
    "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG",
    "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE",
    "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP",
    "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED",
    "VES", "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XCD", "XCG", "XDR", "XOF", "XPD", "XPF",
    "XPT", "XSU", "XUA", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
];

/// Withdrawn codes still printed on old catalogue pages; recognised in text
/// but not accepted by [`super::iso_code`] (no one configures them as a default).
const HISTORICAL_CODES: &[&str] = &[
    "ATS", "BEF", "DEM", "ESP", "FIM", "FRF", "GRD", "IEP", "ITL", "NLG", "PTE",
];

/// Codes that are also ordinary upper-case words ("ALL ITEMS", "TOP SELLER",
/// "SHOWER GEL"): they count only next to a digit.
const RISKY_CODES: &[&str] = &[
    "ALL", "BOB", "CUP", "GEL", "MAD", "MOP", "PEN", "SOS", "TOP", "TRY", "WST", "CHE", "COU",
];

/// Codes also recognised in lower case (`"140,00 pln"`): none is an English word.
const LOWER_CASE_CODES: &[&str] = &[
    "aud", "bgn", "brl", "cad", "chf", "cny", "czk", "dkk", "eur", "gbp", "hkd", "huf", "inr",
    "jpy", "krw", "mkd", "mxn", "nok", "nzd", "pln", "ron", "rsd", "rub", "sek", "sgd", "uah",
    "usd", "zar",
];

/// Currencies whose minor unit has three digits: `"1.250 KD"` is 1.25 dinars.
pub(crate) const THREE_DECIMAL_CODES: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

const DOLLAR: &[&str] = &[
    "USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "TWD", "ARS", "CLP", "COP", "UYU", "JMD",
    "TTD", "BSD", "BBD", "BZD", "BMD", "KYD", "FJD", "LRD", "NAD", "SBD", "SRD", "XCD", "GYD",
    "DOP", "CUP", "BND", "ZWL",
];
const KRONA: &[&str] = &["SEK", "NOK", "DKK", "ISK"];
const YEN_YUAN: &[&str] = &["JPY", "CNY"];
const RUPEE: &[&str] = &["INR", "PKR", "LKR", "NPR", "MUR", "SCR"];
const FRANC: &[&str] = &["CHF", "XOF", "XAF", "XPF"];
const CFA: &[&str] = &["XOF", "XAF"];
const LEU: &[&str] = &["RON", "MDL"];
const RIAL: &[&str] = &["SAR", "QAR", "OMR", "YER", "IRR"];
const DIRHAM: &[&str] = &["AED", "MAD"];
const DINAR: &[&str] = &["KWD", "JOD", "BHD", "IQD", "LYD", "TND", "DZD"];
const POUND_AR: &[&str] = &["EGP", "SDG"];
const YUAN_CJK: &[&str] = &["CNY", "TWD", "HKD"];
const RUPEE_DEVANAGARI: &[&str] = &["INR", "NPR"];
const RUPEE_TAMIL: &[&str] = &["INR", "LKR"];
const RUBLE_BR: &[&str] = &["BYN", "ETB"];
const FLORIN: &[&str] = &["AWG", "ANG", "XCG"];
const BOLIVAR: &[&str] = &["VES", "BOB"];
const LIRA_SIGN: &[&str] = &["GBP", "ITL", "TRY"];
/// Marks that are currencies without an ISO code (toman = 10 rials, bitcoin,
/// pence, cents): recognised so the number next to them counts as a price,
/// never resolved to a code.
const NO_ISO: &[&str] = &[];

/// When a mark may be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guard {
    /// Anywhere, as a whole word.
    Free,
    /// Only with a digit next to it (spaces and `:` allowed between), or as
    /// the whole text (a hint such as `"Р"`).
    NearDigit,
    /// Only directly followed by a digit (`R299` for rand, never `R 2`).
    DigitAfter,
}

enum Meaning {
    Iso(&'static str),
    Ambiguous(&'static str, &'static [&'static str]),
}

use Guard::{DigitAfter, Free, NearDigit};
use Meaning::{Ambiguous as Amb, Iso};

/// Symbols and words. Case matters (`Ft` is forint, `ft` is feet); variants
/// are listed one by one.
const SYMBOLS: &[(&str, Meaning, Guard)] = &[
    ("€", Iso("EUR"), Free),
    ("euro", Iso("EUR"), Free),
    ("euros", Iso("EUR"), Free),
    ("Euro", Iso("EUR"), Free),
    ("EURO", Iso("EUR"), Free),
    ("£", Iso("GBP"), Free),
    ("￡", Iso("GBP"), Free),
    ("stg", Iso("GBP"), NearDigit),
    ("₤", Amb("₤", LIRA_SIGN), Free),
    ("$", Amb("$", DOLLAR), Free),
    ("＄", Amb("$", DOLLAR), Free),
    ("dollar", Amb("$", DOLLAR), NearDigit),
    ("dollars", Amb("$", DOLLAR), NearDigit),
    ("US$", Iso("USD"), Free),
    ("US $", Iso("USD"), Free),
    ("U$S", Iso("USD"), Free),
    ("CA$", Iso("CAD"), Free),
    ("CAD$", Iso("CAD"), Free),
    ("CAN$", Iso("CAD"), Free),
    // `C$` is also the Nicaraguan córdoba, whose shops write `C$` too, but on
    // the web at large it is the Canadian dollar; `NIO`/`córdobas` decide the rest.
    ("C$", Iso("CAD"), Free),
    ("A$", Iso("AUD"), Free),
    ("AU$", Iso("AUD"), Free),
    ("AU $", Iso("AUD"), Free),
    ("NZ$", Iso("NZD"), Free),
    ("HK$", Iso("HKD"), Free),
    ("S$", Iso("SGD"), Free),
    ("MX$", Iso("MXN"), Free),
    ("NT$", Iso("TWD"), Free),
    ("NT", Iso("TWD"), NearDigit),
    ("R$", Iso("BRL"), Free),
    ("RD$", Iso("DOP"), Free),
    ("J$", Iso("JMD"), Free),
    ("TT$", Iso("TTD"), Free),
    ("BZ$", Iso("BZD"), Free),
    ("CUC$", Iso("CUC"), Free),
    ("MOP$", Iso("MOP"), Free),
    ("T$", Iso("TOP"), Free),
    ("Z$", Iso("ZWL"), Free),
    ("G$", Iso("GYD"), Free),
    ("GY$", Iso("GYD"), Free),
    ("$U", Iso("UYU"), Free),
    ("$b", Iso("BOB"), Free),
    ("¥", Amb("¥", YEN_YUAN), Free),
    ("￥", Amb("¥", YEN_YUAN), Free),
    ("円", Iso("JPY"), Free),
    ("yen", Iso("JPY"), NearDigit),
    ("CN¥", Iso("CNY"), Free),
    ("RMB", Iso("CNY"), Free),
    ("人民币", Iso("CNY"), Free),
    ("yuan", Iso("CNY"), NearDigit),
    ("元", Amb("元", YUAN_CJK), Free),
    ("圆", Amb("元", YUAN_CJK), Free),
    ("圓", Amb("元", YUAN_CJK), Free),
    ("₩", Iso("KRW"), Free),
    ("원", Iso("KRW"), Free),
    ("₹", Iso("INR"), Free),
    // `Rs`/`Rs.` is the Indian rupee on shop pages; other rupees write
    // their code or `₨` (still ambiguous).
    ("Rs", Iso("INR"), NearDigit),
    ("Rs.", Iso("INR"), Free),
    ("₨", Amb("Rs", RUPEE), Free),
    ("र", Amb("रु", RUPEE_DEVANAGARI), NearDigit),
    ("रु", Amb("रु", RUPEE_DEVANAGARI), Free),
    ("ரூ", Amb("ரூ", RUPEE_TAMIL), Free),
    ("රු", Iso("LKR"), Free),
    ("zł", Iso("PLN"), Free),
    ("Zł", Iso("PLN"), Free),
    ("ZŁ", Iso("PLN"), Free),
    ("zl", Iso("PLN"), NearDigit),
    ("Kč", Iso("CZK"), Free),
    ("kč", Iso("CZK"), Free),
    ("KČ", Iso("CZK"), Free),
    ("kr", Amb("kr", KRONA), Free),
    ("kr.", Amb("kr", KRONA), Free),
    ("Kr", Amb("kr", KRONA), Free),
    ("Kr.", Amb("kr", KRONA), Free),
    ("CHf", Iso("CHF"), Free),
    ("SFr", Iso("CHF"), Free),
    ("SFr.", Iso("CHF"), Free),
    // `Fr.` is the Swiss franc as Swiss shops write it (`Fr. 54.90`,
    // `13.90 Fr.`); CFA and CFP francs are written `FCFA`, `F CFA`, `XPF`.
    ("Fr.", Iso("CHF"), Free),
    ("Fr", Iso("CHF"), NearDigit),
    ("franc", Amb("Fr", FRANC), NearDigit),
    ("francs", Amb("Fr", FRANC), NearDigit),
    ("CFA", Amb("CFA", CFA), Free),
    ("FCFA", Amb("CFA", CFA), Free),
    ("F CFA", Amb("CFA", CFA), Free),
    ("Ft", Iso("HUF"), Free),
    ("lei", Amb("lei", LEU), NearDigit),
    ("Lei", Amb("lei", LEU), NearDigit),
    ("LEI", Amb("lei", LEU), Free),
    ("лв", Iso("BGN"), Free),
    ("лв.", Iso("BGN"), Free),
    ("₪", Iso("ILS"), Free),
    ("ש״ח", Iso("ILS"), Free),
    ("ש\"ח", Iso("ILS"), Free),
    ("ש'ח", Iso("ILS"), Free),
    ("nis", Iso("ILS"), NearDigit),
    ("NIS", Iso("ILS"), Free),
    ("฿", Iso("THB"), Free),
    ("บาท", Iso("THB"), Free),
    ("₫", Iso("VND"), Free),
    ("đ", Iso("VND"), NearDigit),
    ("Đ", Iso("VND"), NearDigit),
    ("VNĐ", Iso("VND"), Free),
    ("vnđ", Iso("VND"), Free),
    ("₴", Iso("UAH"), Free),
    ("грн", Iso("UAH"), Free),
    ("грн.", Iso("UAH"), Free),
    ("hrn", Iso("UAH"), NearDigit),
    ("₦", Iso("NGN"), Free),
    ("₺", Iso("TRY"), Free),
    ("TL", Iso("TRY"), Free),
    ("₽", Iso("RUB"), Free),
    ("руб", Iso("RUB"), Free),
    ("руб.", Iso("RUB"), Free),
    ("рублей", Iso("RUB"), Free),
    ("рубля", Iso("RUB"), Free),
    ("рубль", Iso("RUB"), Free),
    ("р.", Iso("RUB"), NearDigit),
    ("Р", Iso("RUB"), NearDigit),
    ("Rbl", Iso("RUB"), NearDigit),
    ("R", Iso("ZAR"), DigitAfter),
    ("KD", Iso("KWD"), NearDigit),
    ("BD", Iso("BHD"), NearDigit),
    ("DT", Iso("TND"), NearDigit),
    ("LD", Iso("LYD"), NearDigit),
    ("Rp", Iso("IDR"), Free),
    ("RM", Iso("MYR"), Free),
    ("Lek", Iso("ALL"), Free),
    ("Lekë", Iso("ALL"), Free),
    ("؋", Iso("AFN"), Free),
    ("֏", Iso("AMD"), Free),
    ("₼", Iso("AZN"), Free),
    ("৳", Iso("BDT"), Free),
    ("Nu.", Iso("BTN"), Free),
    ("FBu", Iso("BIF"), Free),
    ("Fbu", Iso("BIF"), Free),
    ("៛", Iso("KHR"), Free),
    ("₡", Iso("CRC"), Free),
    ("kn", Iso("HRK"), NearDigit),
    ("₱", Iso("PHP"), Free),
    ("Fdj", Iso("DJF"), Free),
    ("Nfk", Iso("ERN"), Free),
    ("GH₵", Iso("GHS"), Free),
    ("₵", Iso("GHS"), Free),
    ("₭", Iso("LAK"), Free),
    ("MK", Iso("MWK"), NearDigit),
    ("Rf", Iso("MVR"), NearDigit),
    ("UM", Iso("MRU"), NearDigit),
    ("₮", Iso("MNT"), Free),
    ("B/.", Iso("PAB"), Free),
    ("S/.", Iso("PEN"), Free),
    ("S/", Iso("PEN"), NearDigit),
    ("Db", Iso("STN"), NearDigit),
    ("TSh", Iso("TZS"), Free),
    ("USh", Iso("UGX"), Free),
    ("KSh", Iso("KES"), Free),
    ("KShs", Iso("KES"), Free),
    ("Ksh", Iso("KES"), Free),
    ("VT", Iso("VUV"), NearDigit),
    ("Vt", Iso("VUV"), NearDigit),
    ("ZK", Iso("ZMW"), NearDigit),
    ("Bs", Amb("Bs", BOLIVAR), NearDigit),
    ("Bs.", Amb("Bs", BOLIVAR), Free),
    ("Br", Amb("Br", RUBLE_BR), NearDigit),
    ("ብር", Iso("ETB"), Free),
    ("ƒ", Amb("ƒ", FLORIN), Free),
    ("ლ", Iso("GEL"), NearDigit),
    ("ლარი", Iso("GEL"), Free),
    ("lari", Iso("GEL"), NearDigit),
    ("₾", Iso("GEL"), Free),
    ("FG", Iso("GNF"), NearDigit),
    ("Ks", Iso("MMK"), NearDigit),
    ("Esc", Iso("CVE"), NearDigit),
    ("Ar", Iso("MGA"), NearDigit),
    ("FRw", Iso("RWF"), Free),
    ("RF", Iso("RWF"), NearDigit),
    ("R₣", Iso("RWF"), Free),
    ("₲", Iso("PYG"), Free),
    ("₸", Iso("KZT"), Free),
    ("тг", Iso("KZT"), Free),
    ("Kz", Iso("AOA"), NearDigit),
    ("ден", Iso("MKD"), Free),
    ("ДЕН", Iso("MKD"), Free),
    ("din", Iso("RSD"), NearDigit),
    ("din.", Iso("RSD"), Free),
    ("дин", Iso("RSD"), Free),
    ("дин.", Iso("RSD"), Free),
    ("Дин", Iso("RSD"), Free),
    ("Dinara", Iso("RSD"), Free),
    ("so'm", Iso("UZS"), Free),
    ("soʻm", Iso("UZS"), Free),
    ("сўм", Iso("UZS"), Free),
    ("сом", Iso("KGS"), Free),
    ("E£", Iso("EGP"), Free),
    ("ج.م", Iso("EGP"), Free),
    ("ج.م.", Iso("EGP"), Free),
    ("جنيه", Amb("جنيه", POUND_AR), Free),
    ("ريال", Amb("ريال", RIAL), Free),
    ("﷼", Amb("ريال", RIAL), Free),
    ("ریال", Iso("IRR"), Free),
    ("درهم", Amb("درهم", DIRHAM), Free),
    ("Dh", Amb("درهم", DIRHAM), NearDigit),
    ("Dhs", Amb("درهم", DIRHAM), NearDigit),
    ("DH", Amb("درهم", DIRHAM), NearDigit),
    ("د.إ", Iso("AED"), Free),
    ("ر.س", Iso("SAR"), Free),
    ("دج", Iso("DZD"), Free),
    ("د.ج", Iso("DZD"), Free),
    (".د.ب", Iso("BHD"), Free),
    ("د.ب", Iso("BHD"), Free),
    ("ع.د", Iso("IQD"), Free),
    ("د.ع", Iso("IQD"), Free),
    ("د.ك", Iso("KWD"), Free),
    ("ل.د", Iso("LYD"), Free),
    ("د.ل", Iso("LYD"), Free),
    ("د.ت", Iso("TND"), Free),
    ("ج.س", Iso("SDG"), Free),
    ("ج.س.", Iso("SDG"), Free),
    ("د.أ", Iso("JOD"), Free),
    ("د.ا", Iso("JOD"), Free),
    ("د.م", Iso("MAD"), Free),
    ("د.م.", Iso("MAD"), Free),
    ("دينار", Amb("دينار", DINAR), Free),
    ("دينار أردني", Iso("JOD"), Free),
    ("دينار كويتي", Iso("KWD"), Free),
    ("ر.ع", Iso("OMR"), Free),
    ("ر.ع.", Iso("OMR"), Free),
    ("ر.ق", Iso("QAR"), Free),
    ("ش.ج", Iso("ILS"), Free),
    ("ل.س", Iso("SYP"), Free),
    ("ل.ل", Iso("LBP"), Free),
    ("ر.ي", Iso("YER"), Free),
    ("تومان", Amb("تومان", NO_ISO), Free),
    ("₿", Amb("₿", NO_ISO), Free),
    ("Ƀ", Amb("₿", NO_ISO), Free),
    ("BTC", Amb("₿", NO_ISO), Free),
    ("¢", Amb("¢", NO_ISO), Free),
    ("GBp", Amb("GBp", NO_ISO), NearDigit),
    ("₶", Amb("₶", NO_ISO), Free),
    ("₣", Amb("₣", FRANC), Free),
];

struct Entry {
    chars: Vec<char>,
    mark: CurrencyMark,
    guard: Guard,
}

/// The table is probed once per character of every price string; a
/// multiplicative hash of the `char` is plenty and much cheaper than SipHash.
#[derive(Default)]
struct CharHasher(u64);

impl Hasher for CharHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type Table = HashMap<char, Vec<Entry>, BuildHasherDefault<CharHasher>>;

/// Entries grouped by first character, longest first, so the scanner tries
/// only the few that can start at a position and takes the longest match.
fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map = Table::default();
        let mut add = |text: &str, mark: CurrencyMark, guard: Guard| {
            let chars: Vec<char> = text.chars().collect();
            if let Some(&first) = chars.first() {
                map.entry(first)
                    .or_default()
                    .push(Entry { chars, mark, guard });
            }
        };
        for &code in ISO_CODES.iter().chain(HISTORICAL_CODES) {
            let guard = if RISKY_CODES.contains(&code) {
                NearDigit
            } else {
                Free
            };
            add(code, CurrencyMark::Iso(code), guard);
        }
        for &lower in LOWER_CASE_CODES {
            if let Some(code) = ISO_CODES.iter().find(|c| c.eq_ignore_ascii_case(lower)) {
                add(lower, CurrencyMark::Iso(code), Free);
            }
        }
        for (text, meaning, guard) in SYMBOLS {
            let mark = match meaning {
                Iso(code) => CurrencyMark::Iso(code),
                Amb(symbol, candidates) => CurrencyMark::Ambiguous { symbol, candidates },
            };
            add(text, mark, *guard);
        }
        for entries in map.values_mut() {
            entries.sort_by_key(|e| std::cmp::Reverse(e.chars.len()));
        }
        map
    })
}

/// A currency mark found in text, by char positions `[start, end)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FoundMark {
    pub start: usize,
    pub end: usize,
    pub mark: CurrencyMark,
    /// Trusted only because a digit is near (`Nu.`, `KD`, `Р`): loses to a
    /// plain mark on the other side of the same number.
    pub weak: bool,
}

fn is_multiplier(c: char) -> bool {
    matches!(c, '万' | '萬' | '億' | '亿')
}

fn is_word_char(c: char) -> bool {
    c.is_alphabetic() || c == '\u{0640}'
}

/// Whether a digit sits next to `[start, end)`, skipping spaces and a colon.
fn near_digit(chars: &[char], start: usize, end: usize) -> bool {
    let after = chars[end..].iter().find(|c| !matches!(c, ' ' | ':'));
    let before = chars[..start]
        .iter()
        .rev()
        .find(|c| !matches!(c, ' ' | ':'));
    let is_num = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | ','));
    after.is_some_and(|c| c.is_ascii_digit()) || is_num(before)
}

/// Every currency mark in `chars`, left to right, non-overlapping, each the
/// longest entry that matches at its position.
pub(crate) fn find_marks(chars: &[char]) -> Vec<FoundMark> {
    let table = table();
    let whole = |start: usize, end: usize| {
        chars[..start].iter().all(|&c| c == ' ') && chars[end..].iter().all(|&c| c == ' ')
    };
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // Digits and spaces start no mark; most of a price string is those.
        if c.is_ascii_digit() || c == ' ' {
            i += 1;
            continue;
        }
        let hit = table.get(&c).and_then(|entries| {
            entries.iter().find(|e| {
                let end = i + e.chars.len();
                if end > chars.len() || chars[i..end] != e.chars[..] {
                    return false;
                }
                let starts_word = e.chars.first().is_some_and(|&c| is_word_char(c));
                let ends_word = e.chars.last().is_some_and(|&c| is_word_char(c));
                // `万`/`億` multiply the number before them (`168万円`): they
                // end the number, not a word.
                let glued = i > 0 && is_word_char(chars[i - 1]) && !is_multiplier(chars[i - 1]);
                if starts_word && glued {
                    return false;
                }
                if ends_word && chars.get(end).is_some_and(|&c| is_word_char(c)) {
                    return false;
                }
                match e.guard {
                    Free => true,
                    NearDigit => near_digit(chars, i, end) || whole(i, end),
                    DigitAfter => chars.get(end).is_some_and(|c| c.is_ascii_digit()),
                }
            })
        });
        match hit {
            Some(e) => {
                let end = i + e.chars.len();
                found.push(FoundMark {
                    start: i,
                    end,
                    mark: e.mark,
                    weak: e.guard != Free,
                });
                i = end;
            }
            None => i += 1,
        }
    }
    found
}
