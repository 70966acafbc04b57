//! The parts of a shop page that do not depend on the product's price: style
//! sheet, navigation, footer, review texts, product names and categories.
//!
//! Big static parts are built once and shared, so generating a page is mostly
//! copying. Everything here is ASCII except the names meant to test charsets,
//! so every part can be written in windows-1252 too. `pages` assembles them.

use std::fmt::Write as _;
use std::sync::OnceLock;

use super::money::mix;

const BRANDS: [&str; 12] = [
    "Northwind",
    "Acme",
    "Fjordline",
    "Bluepeak",
    "Kestrel",
    "Urban Fox",
    "Solaris",
    "Tidewater",
    "Ironbark",
    "Lumen",
    "Harbor",
    "Zephyr",
];
const ADJECTIVES: [&str; 12] = [
    "Trail",
    "Classic",
    "Ultralight",
    "Pro",
    "Compact",
    "Heritage",
    "Everyday",
    "Expedition",
    "Studio",
    "Smart",
    "Thermal",
    "Café",
];
const NOUNS: [&str; 16] = [
    "Backpack 35L",
    "Espresso Grinder",
    "Rain Jacket",
    "Desk Lamp",
    "Water Bottle 750 ml",
    "Headphones",
    "Chef's Knife 20 cm",
    "Running Shoes",
    "Wool Blanket",
    "Camping Stove",
    "Mechanical Keyboard",
    "Yoga Mat",
    "Cast Iron Skillet",
    "Bike Light Set",
    "Travel Mug",
    "Sleeping Bag -5 C",
];
const LEGACY_NOUNS: [&str; 6] = [
    "Crème brûlée ramekin set",
    "Café au lait bowl",
    "Pâte à choux piping kit",
    "Soufflé dish",
    "Crêpe pan",
    "Gâteau ring",
];
const CATEGORIES: [&str; 10] = [
    "Outdoor",
    "Kitchen",
    "Electronics",
    "Home",
    "Clothing",
    "Sports",
    "Office",
    "Travel",
    "Garden",
    "Toys",
];

/// The product title of page `n` (UTF-8 pages). Unique per `n`.
pub(super) fn title(n: u64) -> String {
    let h = mix(n ^ 0x7171);
    format!(
        "{} {} {} - {}{:04}",
        brand(n),
        ADJECTIVES[(h % 12) as usize],
        NOUNS[((h >> 8) % 16) as usize],
        ["TX", "KB", "QL", "MV"][((h >> 16) % 4) as usize],
        n % 10_000 + n / 10_000 * 7
    )
}

/// The product title of a legacy-charset page: latin-1 only, non-ASCII on purpose.
pub(super) fn legacy_title(n: u64) -> String {
    let h = mix(n ^ 0x1E6A);
    format!("{} {} No. {}", brand(n), LEGACY_NOUNS[(h % 6) as usize], n)
}

pub(super) fn brand(n: u64) -> &'static str {
    BRANDS[(mix(n ^ 0xB4A) % 12) as usize]
}

pub(super) fn category(n: u64) -> &'static str {
    CATEGORIES[(n % 10) as usize]
}

/// An inline style sheet, as most shops ship above the fold.
pub(super) const STYLE: &str = "<style>\n\
:root{--brand:#1a5f7a;--accent:#e76f51;--muted:#6c757d;--radius:6px}\n\
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#222}\n\
a{color:var(--brand);text-decoration:none}a:hover{text-decoration:underline}\n\
.topbar{background:#222;color:#fff;font-size:13px;padding:4px 16px;display:flex;justify-content:space-between}\n\
.site-header{display:flex;align-items:center;gap:24px;padding:12px 16px;border-bottom:1px solid #eee}\n\
.site-header .logo{font-weight:700;font-size:24px}.search{flex:1}.search input{width:100%;padding:8px 12px}\n\
.mega{display:grid;grid-template-columns:repeat(6,1fr);gap:8px 24px;padding:8px 16px;font-size:14px}\n\
.mega h3{font-size:13px;text-transform:uppercase;color:var(--muted);margin:8px 0 4px}\n\
.breadcrumbs ol{list-style:none;display:flex;gap:8px;padding:8px 16px;margin:0;font-size:13px}\n\
.breadcrumbs li+li:before{content:\"/\";margin-right:8px;color:var(--muted)}\n\
.product{display:grid;grid-template-columns:1fr 1fr;gap:32px;padding:16px}\n\
.product-title{font-size:28px;margin:0 0 8px}.price-box{font-size:24px;margin:12px 0}\n\
.product-price,.sale-price{font-weight:700;color:var(--accent)}.old-price,del,s{color:var(--muted);margin-right:8px}\n\
.instalments{font-size:14px;color:var(--muted)}.perks{font-size:14px;padding-left:18px}\n\
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:16px;list-style:none;padding:0}\n\
.card{border:1px solid #eee;border-radius:var(--radius);padding:8px}.card-title{display:block;font-size:14px}\n\
.card-price{font-weight:600}.stars{font-size:12px;color:#c90}.quick-add{float:right}\n\
.specs{border-collapse:collapse}.specs th,.specs td{border:1px solid #ddd;padding:4px 8px;text-align:left}\n\
.review{border-top:1px solid #eee;padding:12px 0}.review .meta{font-size:12px;color:var(--muted)}\n\
.site-footer{background:#f6f6f6;padding:24px 16px;font-size:14px;display:grid;grid-template-columns:repeat(4,1fr)}\n\
@media (max-width:700px){.product{grid-template-columns:1fr}.mega{display:none}}\n\
</style>\n";

/// Top bar, header with search, and a mega menu with a few hundred links.
pub(super) fn nav() -> &'static str {
    static NAV: OnceLock<String> = OnceLock::new();
    NAV.get_or_init(|| {
        let mut s = String::with_capacity(24 * 1024);
        s.push_str(
            "<div class=\"topbar\"><span>Free shipping over $50 &middot; Save 20% on your first order \
             with code WELCOME20</span><span><a href=\"/help\">Help</a> &middot; \
             <a href=\"/stores\">Find a store (120+ locations)</a></span></div>\n\
             <header class=\"site-header\"><a class=\"logo\" href=\"/\">Example Outfitters</a>\
             <form class=\"search\" action=\"/search\" role=\"search\"><input type=\"search\" name=\"q\" \
             placeholder=\"Search 25,000 products\"></form><nav class=\"account\"><a href=\"/account\">\
             Sign in</a> <a href=\"/wishlist\">Wishlist (0)</a> <a href=\"/cart\">Cart (0)</a></nav>\
             </header>\n<nav class=\"mega\" aria-label=\"Main\">\n",
        );
        for (c, cat) in CATEGORIES.iter().enumerate() {
            let _ = write!(
                s,
                "<div><h3><a href=\"/c/{c}\">{cat}</a></h3><ul>",
                cat = cat.to_ascii_lowercase()
            );
            for i in 0..14 {
                let noun = NOUNS[(c * 5 + i) % NOUNS.len()];
                let _ = write!(
                    s,
                    "<li><a href=\"/c/{c}/{i}?sort=popular&amp;page=1\">{noun}</a></li>"
                );
            }
            s.push_str("<li><a class=\"all\" href=\"/c/all\">Shop all</a></li></ul></div>\n");
        }
        s.push_str("</nav>\n");
        s
    })
}

/// Footer with shipping and instalment promises (more amounts that are not the price).
pub(super) fn footer() -> &'static str {
    static FOOTER: OnceLock<String> = OnceLock::new();
    FOOTER.get_or_init(|| {
        let mut s = String::with_capacity(8 * 1024);
        s.push_str(
            "<footer class=\"site-footer\">\n<div><h4>Shipping</h4><p>Free shipping over $50. \
             Standard delivery $4.99 (3-5 business days), express $12.95.</p><p>Pay later: \
             4 payments of $12.50 on a $50 order, 0% interest.</p></div>\n\
             <div><h4>Customer service</h4><ul>",
        );
        for (i, item) in [
            "Contact us",
            "Order status",
            "Returns (30 days)",
            "Size guide",
            "Gift cards from $10",
            "Price match",
            "Student discount 15%",
            "Track parcel",
        ]
        .iter()
        .enumerate()
        {
            let _ = write!(s, "<li><a href=\"/help/{i}\">{item}</a></li>");
        }
        s.push_str("</ul></div>\n<div><h4>About</h4><ul>");
        for (i, item) in [
            "Our story",
            "Careers",
            "Press",
            "Sustainability",
            "Affiliates",
            "Investors",
        ]
        .iter()
        .enumerate()
        {
            let _ = write!(s, "<li><a href=\"/about/{i}\">{item}</a></li>");
        }
        s.push_str(
            "</ul></div>\n<div><h4>Newsletter</h4><p>Get 10% off your next order.</p>\
             <form action=\"/newsletter\" method=\"post\"><input type=\"email\" name=\"email\">\
             <button>Subscribe</button></form></div>\n<p class=\"legal\">&copy; 1998-2026 Example \
             Outfitters Ltd. Company no. 04123456. VAT GB 123 4567 89. Prices include VAT where \
             applicable.</p>\n</footer>\n<script>window.dataLayer=window.dataLayer||[];\
             function gtag(){dataLayer.push(arguments)}gtag('js',new Date());gtag('config',\
             'G-XXXX1234',{send_page_view:true,cookie_expires:63072000});</script>\n",
        );
        s
    })
}

/// Review blocks; pages append them, starting at different offsets, until
/// they reach their size.
pub(super) fn reviews() -> &'static [String] {
    static REVIEWS: OnceLock<Vec<String>> = OnceLock::new();
    REVIEWS.get_or_init(|| {
        const OPENERS: [&str; 6] = [
            "Bought this for my partner and",
            "After 3 months of daily use",
            "Compared it with two cheaper models and",
            "Arrived in 2 days, well packed, and",
            "Second one I have owned;",
            "Took it on a 10 day trip and",
        ];
        const BODIES: [&str; 6] = [
            "it still works like new. The finish is excellent and the size is exactly as described.",
            "I would buy it again at full price. Only complaint: the manual is 40 pages of legalese.",
            "the quality is clearly better. Customer service replied within 24 hours to my question.",
            "it exceeded expectations. Battery easily lasts a full weekend, about 30 hours of use.",
            "zero issues so far. Worth every penny, even though I paid before the 20% sale started.",
            "the colour is slightly darker than the photos, but that is a matter of taste really.",
        ];
        (0..96u64)
            .map(|i| {
                let h = mix(i ^ 0xEE);
                format!(
                    "<article class=\"review\"><p class=\"meta\"><span class=\"stars\">{stars} out of 5 \
                     stars</span> by <b>customer{i}</b> on 2026-{mo:02}-{d:02} &middot; Verified purchase \
                     &middot; {helpful} people found this helpful</p><h3>{head}</h3><p>{o} {b}</p>\
                     <p>{o2} {b2}</p><button class=\"helpful\" data-review=\"{id}\">Helpful</button> \
                     <a href=\"/report/{id}\">Report</a></article>\n",
                    stars = 1 + h % 5,
                    mo = 1 + (h >> 4) % 12,
                    d = 1 + (h >> 8) % 28,
                    helpful = (h >> 12) % 200,
                    head = ["Great value", "Does the job", "Solid", "Love it", "Not bad", "Perfect gift"]
                        [((h >> 20) % 6) as usize],
                    o = OPENERS[((h >> 24) % 6) as usize],
                    b = BODIES[((h >> 28) % 6) as usize],
                    o2 = OPENERS[((h >> 32) % 6) as usize],
                    b2 = BODIES[((h >> 36) % 6) as usize],
                    id = 500_000 + h % 400_000,
                )
            })
            .collect()
    })
}
