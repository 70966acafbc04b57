//! Table and property tests for `price`: the rules in the module doc, case by
//! case, and round trips of any amount through every supported convention.

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::{iso_code, parse_price, parse_price_hinted, CurrencyMark, MAX_SCAN_CHARS};

/// `(text, amount as the page writes it — compared with its scale — or "",
/// currency)`. Currency: `""` none, `"EUR"` an ISO mark, `"~$"` the ambiguous
/// mark with symbol `$`.
const TABLE: &[(&str, &str, &str)] = &[
    // US / UK conventions.
    ("$1,299.99", "1299.99", "~$"),
    ("$12.90", "12.90", "~$"),
    ("$0.99", "0.99", "~$"),
    ("$5", "5", "~$"),
    ("$ 22.00", "22.00", "~$"),
    ("USD 1,000,000.00", "1000000.00", "USD"),
    ("1,234.56 USD", "1234.56", "USD"),
    ("US$12.99", "12.99", "USD"),
    ("US$:12.99", "12.99", "USD"),
    ("US $1.23", "1.23", "USD"),
    ("£1,049.00", "1049.00", "GBP"),
    ("£9.99", "9.99", "GBP"),
    ("£ 15", "15", "GBP"),
    ("GBP 12.50", "12.50", "GBP"),
    ("12.50 GBP", "12.50", "GBP"),
    ("£94.50 GBP", "94.50", "GBP"),
    ("$1,190.00 AUD", "1190.00", "AUD"),
    ("NZD $100.70", "100.70", "NZD"),
    ("SGD$4.90", "4.90", "SGD"),
    ("$ SGD4.90", "4.90", "SGD"),
    ("1,099.99", "1099.99", ""),
    ("1,000", "1000", ""),
    ("12,345,678", "12345678", ""),
    ("29.1583", "29.1583", ""),
    ("34.992001", "34.992001", ""),
    // Continental conventions.
    ("1.234,56 €", "1234.56", "EUR"),
    ("1.234,56€", "1234.56", "EUR"),
    ("€1.234,56", "1234.56", "EUR"),
    ("€ 2.109,00", "2109.00", "EUR"),
    ("12,90 €", "12.90", "EUR"),
    ("0,29 € + iva", "0.29", "EUR"),
    ("EUR 6,99", "6.99", "EUR"),
    ("6,99 EUR", "6.99", "EUR"),
    ("6,99 eur", "6.99", "EUR"),
    ("749,00 euro", "749.00", "EUR"),
    ("11.499,00 EUR", "11499.00", "EUR"),
    ("1.234.567,89 €", "1234567.89", "EUR"),
    ("9.990,00 €", "9990.00", "EUR"),
    ("€16,95", "16.95", "EUR"),
    ("€ 610,", "610", "EUR"),
    ("12,5 €", "12.5", "EUR"),
    ("P.V.P. 4,56 €", "4.56", "EUR"),
    ("naša cena 67,30 €", "67.30", "EUR"),
    // Spaces: plain, no-break, narrow no-break, thin, figure.
    ("1 234,56 €", "1234.56", "EUR"),
    ("1\u{a0}234,56 €", "1234.56", "EUR"),
    ("1\u{202f}234,56 €", "1234.56", "EUR"),
    ("1\u{2009}234,56 €", "1234.56", "EUR"),
    ("1\u{2007}234,56 €", "1234.56", "EUR"),
    ("1 234 567 €", "1234567", "EUR"),
    ("1 298,00", "1298.00", ""),
    ("$1\u{a0}298,00", "1298.00", "~$"),
    ("12 590 Kč", "12590", "CZK"),
    ("9 800 Kč", "9800", "CZK"),
    ("2 499,00 zł", "2499.00", "PLN"),
    ("399 167.00 руб 420 176.16 руб", "399167.00", "RUB"),
    ("PTE 120 000 000", "120000000", "PTE"),
    ("40 130", "40130", ""),
    ("1 234.50 CHF", "1234.50", "CHF"),
    // Swiss apostrophes.
    ("CHF 1'049.95", "1049.95", "CHF"),
    ("CHF 1'049,95", "1049.95", "CHF"),
    ("1'234.50", "1234.50", ""),
    ("1\u{2019}234.50 CHF", "1234.50", "CHF"),
    ("Fr. 1'234.50", "1234.50", "CHF"),
    ("1'234'567.00 CHF", "1234567.00", "CHF"),
    ("€1'049,95", "1049.95", "EUR"),
    ("SFr. 12.50", "12.50", "CHF"),
    // Indian grouping and rupees.
    ("₹1,23,456.00", "123456.00", "INR"),
    ("₹ 12,34,56,789.50", "123456789.50", "INR"),
    ("1,23,456", "123456", ""),
    ("Rs. 1,299", "1299", "INR"),
    ("Rs 3,600.00", "3600.00", "INR"),
    ("Rs1,599.00", "1599.00", "INR"),
    ("INR 499", "499", "INR"),
    ("₹397.00", "397.00", "INR"),
    ("199 ₹", "199", "INR"),
    // Lone separators.
    ("1.234 €", "1234", "EUR"),
    ("$1.234", "1.234", "~$"),
    ("US$ 3.459", "3.459", "USD"),
    ("$1.234,50", "1234.50", "~$"),
    ("$ 1.144.000", "1144000", "~$"),
    ("1,234 €", "1234", "EUR"),
    ("129.900", "129900", ""),
    ("Rp 31.500", "31500", "IDR"),
    ("1.727 Ft", "1727", "HUF"),
    ("73,460 €", "73460", "EUR"),
    ("$699,000", "699000", "~$"),
    ("0.750", "0.750", ""),
    ("0,500 €", "0.500", "EUR"),
    ("12,5", "12.5", ""),
    ("1.5", "1.5", ""),
    ("1234.567", "1234567", ""),
    ("฿ 3.3900", "3.3900", "THB"),
    ("1 234,567", "1234.567", ""),
    // Dashes for "no cents".
    ("12,-", "12", ""),
    ("12,— €", "12", "EUR"),
    ("12,– €", "12", "EUR"),
    ("1.899,-", "1899", ""),
    ("50,- Kč", "50", "CZK"),
    ("105. –", "105", ""),
    ("1.198,- Kr", "1198", "~kr"),
    // Leading separators, split decimals, euro as decimal mark.
    (".75", "0.75", ""),
    (".75 €", "0.75", "EUR"),
    ("$.75", "0.75", "~$"),
    ("$..75", "0.75", "~$"),
    ("$.750.30", "750.30", "~$"),
    ("$119. 95", "119.95", "~$"),
    ("559. 99", "559.99", ""),
    ("118, 99 TL", "118.99", "TRY"),
    ("1.837, 32 €", "1837.32", "EUR"),
    ("35€99", "35.99", "EUR"),
    ("35€ 99", "35.99", "EUR"),
    ("₤1700.", "1700", "~₤"),
    // Zero- and three-decimal currencies.
    ("¥1,500", "1500", "~¥"),
    ("3,500円", "3500", "JPY"),
    ("JPY 12,000", "12000", "JPY"),
    ("₩12,000", "12000", "KRW"),
    ("12,000원", "12000", "KRW"),
    ("KRW 50000", "50000", "KRW"),
    ("423.923 KD", "423.923", "KWD"),
    ("KD 1.250", "1.250", "KWD"),
    ("BHD 12.345", "12.345", "BHD"),
    ("JOD 7.500", "7.500", "JOD"),
    ("TND 3.200", "3.200", "TND"),
    ("123,456.789 OMR", "123456.789", "OMR"),
    ("OMR 1.500", "1.500", "OMR"),
    ("د.ك 2.750", "2.750", "KWD"),
    // Currency symbols and words, before and after.
    ("R$ 1.500,00", "1500.00", "BRL"),
    ("R$49,90", "49.90", "BRL"),
    ("45,00 zł", "45.00", "PLN"),
    ("469.00zł", "469.00", "PLN"),
    ("140,00 pln", "140.00", "PLN"),
    ("99 Kč", "99", "CZK"),
    ("150 kr", "150", "~kr"),
    ("kr 1 999,00", "1999.00", "~kr"),
    ("Pris från 172 kr", "172", "~kr"),
    ("1 999,00 kr.", "1999.00", "~kr"),
    ("DKK 449,00", "449.00", "DKK"),
    ("SEK 1 299", "1299", "SEK"),
    ("CHF 19.90", "19.90", "CHF"),
    ("₺ 1.299,90", "1299.90", "TRY"),
    ("69 TL", "69", "TRY"),
    ("₽ 1 990", "1990", "RUB"),
    ("1 990 ₽", "1990", "RUB"),
    ("800 руб.", "800", "RUB"),
    ("430 руб", "430", "RUB"),
    ("3 100р.", "3100", "RUB"),
    ("6 300 Р", "6300", "RUB"),
    ("1128240 рублей", "1128240", "RUB"),
    ("CA$1.23", "1.23", "CAD"),
    ("C$5.95", "5.95", "CAD"),
    ("A$190.00", "190.00", "AUD"),
    ("AU$ 1,175", "1175", "AUD"),
    ("NZ$ 45", "45", "NZD"),
    ("HK$ 1,280", "1280", "HKD"),
    ("S$ 29.90", "29.90", "SGD"),
    ("MX$3,179.00", "3179.00", "MXN"),
    ("NT$ 1,160", "1160", "TWD"),
    ("199.90 Fr.", "199.90", "CHF"),
    ("3,990 Ft", "3990", "HUF"),
    ("145,00 lei", "145.00", "~lei"),
    ("29 RON", "29", "RON"),
    ("230 лв.", "230", "BGN"),
    ("550,00 лв", "550.00", "BGN"),
    ("₪98", "98", "ILS"),
    ("120 ש״ח", "120", "ILS"),
    ("฿1,290", "1290", "THB"),
    ("1.800.000₫", "1800000", "VND"),
    ("200.000 đ", "200000", "VND"),
    ("₴ 1 299", "1299", "UAH"),
    ("950 грн.", "950", "UAH"),
    ("25 грн", "25", "UAH"),
    ("₦ 25,000", "25000", "NGN"),
    ("R273.00", "273.00", "ZAR"),
    ("R8,499", "8499", "ZAR"),
    ("ZAR 1 299", "1299", "ZAR"),
    ("RM50", "50", "MYR"),
    ("Rp 1.550.000", "1550000", "IDR"),
    ("AED 26.30", "26.30", "AED"),
    ("644.00 جنيه", "644.00", "~جنيه"),
    ("45 ج.م", "45", "EGP"),
    ("106.61 ريال", "106.61", "~ريال"),
    ("850,000 ریال", "850000", "IRR"),
    ("157,000 تومان", "157000", "~تومان"),
    ("3,439.00 درهم", "3439.00", "~درهم"),
    ("1 د.إ", "1", "AED"),
    ("2963yen", "2963", "JPY"),
    ("22000.00元/台", "22000.00", "~元"),
    ("¥ 3,980", "3980", "~¥"),
    ("13800 ₶", "13800", "~₶"),
    ("0.0042 ₿", "0.0042", "~₿"),
    ("GH₵ 120", "120", "GHS"),
    ("B/. 25.00", "25.00", "PAB"),
    ("S/. 49.90", "49.90", "PEN"),
    ("11,33 Br", "11.33", "~Br"),
    ("1 ƒ", "1", "~ƒ"),
    // Other digit alphabets.
    ("۱۲۰٬۰۰۰ تومان", "120000", "~تومان"),
    ("١٢٫٥٠ د.إ", "12.50", "AED"),
    ("１，２８０円", "1280", "JPY"),
    ("￥１２,８００", "12800", "~¥"),
    // Which number: ranges, from, multiples, percentages.
    ("$10 - $20", "10", "~$"),
    ("$10-$20", "10", "~$"),
    ("10 - 20 €", "10", "EUR"),
    ("From 26 to 50 €", "26", "EUR"),
    ("von 26 bis 50 €", "26", "EUR"),
    ("£6.95 - £9.95", "6.95", "GBP"),
    ("841,00 zł – 995,00 zł", "841.00", "PLN"),
    ("Estimate Price: $45,000 - $70,000", "45000", "~$"),
    ("Our Price 344.99 - 444.99", "344.99", ""),
    ("from $9.99", "9.99", "~$"),
    ("From: $14.97", "14.97", "~$"),
    ("ab 2.99 €", "2.99", "EUR"),
    ("A partir de 11,70 €", "11.70", "EUR"),
    ("2 for $5", "5", "~$"),
    ("3 Ausgaben für nur 14,85 EUR", "14.85", "EUR"),
    ("Save 20%: $39.99", "39.99", "~$"),
    ("-20% 79,99 €", "79.99", "EUR"),
    ("129,00 € (-15%)", "129.00", "EUR"),
    ("40% OFF", "", ""),
    ("Save 15 %", "", ""),
    ("Was: $124.95 Now: $0.00", "124.95", "~$"),
    ("AED 8000 (USD 2179)", "8000", "AED"),
    ("EUR29.66 (inc VAT 20%) EUR24.71", "29.66", "EUR"),
    ("€ 10.00 € 8.00 – € 10.00", "10.00", "EUR"),
    ("3,49 zł 1,75 zł", "3.49", "PLN"),
    ("50 - $2.00 100 - $2.75", "2.00", "~$"),
    ("Price: $15.95/mo", "15.95", "~$"),
    ("$426.20/EA", "426.20", "~$"),
    ("40.00/each", "40.00", ""),
    ("Price 29", "29", ""),
    ("Model X200 299.00", "299.00", ""),
    ("SKU A1234", "1234", ""),
    ("EUR1 234,56", "1234.56", "EUR"),
    ("Nu 19,99 €", "19.99", "EUR"),
    ("DT 25 €", "25", "EUR"),
    ("Range 50 KM", "50", ""),
    ("Regalo per lei", "", ""),
    ("Qty: 1 $19.99", "19.99", "~$"),
    ("10 € 20 €", "10", "EUR"),
    ("69 TL 41.90 TL", "69", "TRY"),
    ("Код товара: 884", "884", ""),
    ("12 kg", "", ""),
    ("16.00 ft", "", ""),
    ("250 ml 4,99 €", "4.99", "EUR"),
    ("500g – 3,49 €", "3.49", "EUR"),
    ("12x de R$ 44,00", "44.00", "BRL"),
    ("Free Shipping on Orders $49+.", "", "~$"),
    // Signs.
    ("-5.00", "5.00", ""),
    ("- $44.99", "44.99", "~$"),
    ("−12,50 €", "12.50", "EUR"),
    // Words instead of numbers.
    ("Free!", "0", ""),
    ("FREE", "0", ""),
    ("Gratis", "0", ""),
    ("kostenlos", "0", ""),
    ("Free shipping", "", ""),
    ("Gluten free", "", ""),
    ("Price: FREE", "0", ""),
    ("Call for price", "", ""),
    ("Price on request", "", ""),
    ("Not Available", "", ""),
    ("Sold out", "", ""),
    ("", "", ""),
    ("   ", "", ""),
    ("€", "", "EUR"),
    ("USD", "", "USD"),
    // Not prices at all.
    ("15.08.2017", "", ""),
    ("July, 2004", "", ""),
    ("4 July", "", ""),
    ("1.2.3", "", ""),
    ("Pure & IP BP Ph. Eur. USP ACS AR LR", "", ""),
    ("ALL ITEMS", "", ""),
    ("TOP SELLER", "", ""),
    ("Shower GEL", "", ""),
    ("RENAULT", "", ""),
    ("99999999999999999999999999999999", "", ""),
    // Exactness and scale.
    ("1.11000000000000009770", "1.11000000000000009770", ""),
    ("12.90", "12.90", ""),
    ("12.9", "12.9", ""),
    ("0.00", "0.00", ""),
    ("0", "0", ""),
    ("$ 879.0", "879.0", "~$"),
    ("1000000000000.99", "1000000000000.99", ""),
    // Issue 8: every unambiguous mark decides alone; held-out misses first.
    ("C$27.99", "27.99", "CAD"),
    ("Rs. 2,499", "2499", "INR"),
    ("Rs.599", "599", "INR"),
    ("Fr. 54.90", "54.90", "CHF"),
    ("13.90 Fr.", "13.90", "CHF"),
    ("168万円", "1680000", "JPY"),
    ("1.5万円", "15000", "JPY"),
    ("1.2万円", "12000", "JPY"),
    ("3億円", "300000000", "JPY"),
    ("¥1,200", "1200", "~¥"),
    ("CA$12.00", "12.00", "CAD"),
    ("A$15", "15", "AUD"),
    ("AU$15.95", "15.95", "AUD"),
    ("NZ$20.50", "20.50", "NZD"),
    ("HK$199", "199", "HKD"),
    ("S$4.90", "4.90", "SGD"),
    ("R$ 49,90", "49.90", "BRL"),
    ("US$ 5", "5", "USD"),
    ("MX$1,299.00", "1299.00", "MXN"),
    ("NT$1,290", "1290", "TWD"),
    ("1,280円", "1280", "JPY"),
    ("RMB 199", "199", "CNY"),
    ("199元", "199", "~元"),
    ("₹15,349.00", "15349.00", "INR"),
    ("Rs 1,299", "1299", "INR"),
    ("CHF 54.90", "54.90", "CHF"),
    ("49,99 zł", "49.99", "PLN"),
    ("1 299 Kč", "1299", "CZK"),
    ("12 990 Ft", "12990", "HUF"),
    ("₩25,000", "25000", "KRW"),
    ("25,000원", "25000", "KRW"),
    ("250.000 ₫", "250000", "VND"),
    ("₺1.299,90", "1299.90", "TRY"),
    ("₪ 129.90", "129.90", "ILS"),
    ("₱1,299.00", "1299.00", "PHP"),
    ("₦15,000", "15000", "NGN"),
    ("1 299 ₴", "1299", "UAH"),
    ("RM 59.90", "59.90", "MYR"),
    ("Rp 150.000", "150000", "IDR"),
];

fn mark_spec(mark: Option<CurrencyMark>) -> String {
    match mark {
        None => String::new(),
        Some(CurrencyMark::Iso(code)) => code.to_string(),
        Some(CurrencyMark::Ambiguous { symbol, .. }) => format!("~{symbol}"),
    }
}

#[test]
fn table_of_price_strings() {
    assert!(TABLE.len() >= 200, "table has {} rows", TABLE.len());
    let mut failures = Vec::new();
    for &(text, amount, currency) in TABLE {
        let got = parse_price(text);
        let got_amount = got.amount.map(|d| d.to_string()).unwrap_or_default();
        let got_currency = mark_spec(got.currency);
        if got_amount != amount || got_currency != currency {
            failures.push(format!(
                "{text:?}: want ({amount:?}, {currency:?}), got ({got_amount:?}, {got_currency:?})"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        TABLE.len(),
        failures.join("\n")
    );
}

#[test]
fn hint_supplies_or_settles_currency() {
    let p = parse_price_hinted("690,00", Some("€"), None);
    assert_eq!(
        (p.amount, p.currency),
        (Some(Decimal::new(69000, 2)), Some(CurrencyMark::Iso("EUR")))
    );
    let p = parse_price_hinted("$4.00", Some("USD"), None);
    assert_eq!(p.currency, Some(CurrencyMark::Iso("USD")));
    let p = parse_price_hinted("£54.17", Some("USD"), None);
    assert_eq!(p.currency, Some(CurrencyMark::Iso("GBP")));
    let p = parse_price_hinted("899,00", Some("Pris NOK 899,00"), None);
    assert_eq!(p.currency, Some(CurrencyMark::Iso("NOK")));
    let p = parse_price_hinted("1.250", Some("KWD"), None);
    assert_eq!(
        p.amount,
        Some(Decimal::new(1250, 3)),
        "three-decimal currency from the hint"
    );
    let p = parse_price_hinted("1.250", Some("EUR"), None);
    assert_eq!(p.amount, Some(Decimal::new(1250, 0)));
    let p = parse_price_hinted("150", Some("р."), None);
    assert_eq!(p.currency, Some(CurrencyMark::Iso("RUB")));
    // The hint never supplies an amount.
    assert_eq!(
        parse_price_hinted("Call us", Some("$19.95"), None).amount,
        None
    );
}

#[test]
fn forced_decimal_separator() {
    let amount = |t: &str, sep: char| {
        parse_price_hinted(t, None, Some(sep))
            .amount
            .map(|d| d.to_string())
    };
    assert_eq!(amount("140.000", '.').as_deref(), Some("140.000"));
    assert_eq!(amount("140.000", ',').as_deref(), Some("140000"));
    assert_eq!(amount("1,5", ',').as_deref(), Some("1.5"));
    assert_eq!(amount("140€33", '€').as_deref(), Some("140.33"));
    assert_eq!(amount("1250€600", '€').as_deref(), Some("1250.600"));
    assert_eq!(amount("1250€ 600", '€').as_deref(), Some("1250"));
}

#[test]
fn amount_text_is_the_number_as_written() {
    assert_eq!(
        parse_price("Price: 1\u{a0}298,00 €").amount_text.as_deref(),
        Some("1 298,00")
    );
    assert_eq!(parse_price("$.75").amount_text.as_deref(), Some(".75"));
    assert_eq!(parse_price("Free!").amount_text, None);
}

#[test]
fn resolve_uses_page_then_default() {
    let dollar = parse_price("$5").currency.expect("$ is a mark");
    assert_eq!(dollar.iso(), None);
    assert_eq!(dollar.resolve(Some("cad"), Some("USD")), Some("CAD"));
    assert_eq!(dollar.resolve(Some("EUR"), Some("USD")), Some("USD"));
    assert_eq!(dollar.resolve(None, Some("SEK")), None);
    let krona = parse_price("99 kr").currency.expect("kr is a mark");
    assert_eq!(krona.resolve(None, Some("NOK")), Some("NOK"));
    assert_eq!(
        CurrencyMark::Iso("EUR").resolve(Some("USD"), None),
        Some("EUR")
    );
}

#[test]
fn iso_code_accepts_current_codes_only() {
    assert_eq!(iso_code(" usd "), Some("USD"));
    assert_eq!(iso_code("Kwd"), Some("KWD"));
    assert_eq!(iso_code("DEM"), None);
    assert_eq!(iso_code("XXX"), None);
    assert_eq!(iso_code(""), None);
}

#[test]
fn long_input_is_cut_and_does_not_panic() {
    let long = format!("{}$5", "9,".repeat(100_000));
    let _ = parse_price(&long);
    let padded = format!("{}€ 12,50", " ".repeat(MAX_SCAN_CHARS));
    assert_eq!(
        parse_price(&padded).amount,
        None,
        "text past the cut is not read"
    );
    let _ = parse_price(&"1 ".repeat(100_000));
    let _ = parse_price(&"Р ".repeat(100_000));
    let _ = parse_price(&"€1€".repeat(100_000));
}

/// How an amount is written: thousands separator, decimal mark, grouping.
#[derive(Debug, Clone, Copy)]
enum Style {
    Plain,
    Us,
    DotThousands,
    Space(char),
    Swiss(char),
    Indian,
}

impl Style {
    fn marks(self) -> (Option<char>, char) {
        match self {
            Style::Plain => (None, '.'),
            Style::Us | Style::Indian => (Some(','), '.'),
            Style::DotThousands => (Some('.'), ','),
            Style::Space(c) => (Some(c), ','),
            Style::Swiss(c) => (Some(c), '.'),
        }
    }

    fn format(self, int: u64, frac: &str) -> String {
        let digits = int.to_string();
        let (thousands, decimal) = self.marks();
        let mut groups: Vec<&str> = Vec::new();
        let mut end = digits.len();
        let mut size = 3;
        while end > size {
            groups.push(&digits[end - size..end]);
            end -= size;
            if matches!(self, Style::Indian) {
                size = 2;
            }
        }
        groups.push(&digits[..end]);
        groups.reverse();
        let sep = thousands.map(String::from).unwrap_or_default();
        let mut out = groups.join(&sep);
        if !frac.is_empty() {
            out.push(decimal);
            out.push_str(frac);
        }
        out
    }
}

fn style() -> impl Strategy<Value = Style> {
    prop_oneof![
        Just(Style::Plain),
        Just(Style::Us),
        Just(Style::DotThousands),
        Just(Style::Space(' ')),
        Just(Style::Space('\u{a0}')),
        Just(Style::Space('\u{202f}')),
        Just(Style::Space('\u{2009}')),
        Just(Style::Swiss('\'')),
        Just(Style::Swiss('\u{2019}')),
        Just(Style::Indian),
    ]
}

/// Unambiguous marks, with the ISO code each must come back as.
const MARKS: &[(&str, &str)] = &[
    ("€", "EUR"),
    ("£", "GBP"),
    ("EUR", "EUR"),
    ("USD", "USD"),
    ("US$", "USD"),
    ("CHF", "CHF"),
    ("zł", "PLN"),
    ("Kč", "CZK"),
    ("R$", "BRL"),
    ("₹", "INR"),
    ("₽", "RUB"),
    ("руб.", "RUB"),
    ("₩", "KRW"),
    ("円", "JPY"),
    ("Ft", "HUF"),
    ("₪", "ILS"),
    ("CA$", "CAD"),
    ("HK$", "HKD"),
    ("₺", "TRY"),
    ("грн", "UAH"),
];

/// Three-decimal currencies: `.ddd` after them is decimal.
const MARKS_3DP: &[(&str, &str)] = &[
    ("KD", "KWD"),
    ("BHD", "BHD"),
    ("OMR", "OMR"),
    ("JOD", "JOD"),
];

fn wrap(number: &str, mark: &str, placement: u8) -> String {
    match placement {
        0 => format!("{mark}{number}"),
        1 => format!("{mark} {number}"),
        2 => format!("{number} {mark}"),
        3 => format!("{number}{mark}"),
        4 => format!("{mark}\u{a0}{number}"),
        5 => format!("{number}\u{a0}{mark}"),
        _ => number.to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn amounts_round_trip(
        int in 0u64..1_000_000_000_000,
        scale in 0u32..=2,
        frac_seed in any::<u32>(),
        style in style(),
        mark in 0..MARKS.len(),
        placement in 0u8..7,
    ) {
        let frac = format!("{:0width$}", frac_seed % 10u32.pow(scale), width = scale as usize);
        let frac = if scale == 0 { String::new() } else { frac };
        let number = style.format(int, &frac);
        let (symbol, iso) = MARKS[mark];
        let text = wrap(&number, symbol, placement);
        let parsed = parse_price(&text);
        let want: Decimal = format!("{int}{}{frac}", if frac.is_empty() { "" } else { "." })
            .parse()
            .expect("well-formed decimal");
        prop_assert_eq!(parsed.amount, Some(want), "text {:?}", text);
        prop_assert_eq!(parsed.amount.map(|a| a.scale()), Some(scale), "text {:?}", text);
        let want_currency = (placement < 6).then_some(CurrencyMark::Iso(iso));
        prop_assert_eq!(parsed.currency, want_currency, "text {:?}", text);
    }

    #[test]
    fn three_decimal_amounts_round_trip(
        int in 0u64..1_000_000_000,
        frac in 0u32..1000,
        style in prop_oneof![Just(Style::Plain), Just(Style::Us), Just(Style::Swiss('\'')), Just(Style::Indian)],
        mark in 0..MARKS_3DP.len(),
        placement in 0u8..6,
    ) {
        let frac = format!("{frac:03}");
        let text = wrap(&style.format(int, &frac), MARKS_3DP[mark].0, placement);
        let parsed = parse_price(&text);
        let want: Decimal = format!("{int}.{frac}").parse().expect("well-formed decimal");
        prop_assert_eq!(parsed.amount, Some(want), "text {:?}", text);
        prop_assert_eq!(parsed.amount.map(|a| a.scale()), Some(3), "text {:?}", text);
        prop_assert_eq!(parsed.currency, Some(CurrencyMark::Iso(MARKS_3DP[mark].1)), "text {:?}", text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,300}", hint in proptest::option::of(".{0,40}"), sep in proptest::option::of(prop_oneof![Just('.'), Just(','), Just('€')])) {
        let _ = parse_price_hinted(&text, hint.as_deref(), sep);
    }

    #[test]
    fn price_like_text_never_panics(
        text in "[0-9.,'’ \u{a0}\u{202f}€$£¥kKrRsр.Р%+\\-–—:/a-z]{0,120}",
        sep in proptest::option::of(prop_oneof![Just('.'), Just(','), Just('€')]),
    ) {
        let p = parse_price_hinted(&text, None, sep);
        if let Some(a) = p.amount {
            prop_assert!(a >= Decimal::ZERO, "negative amount from {:?}", text);
        }
    }
}
