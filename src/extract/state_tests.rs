//! Inline platform state on real page fragments: each fixture below is markup
//! as a public repository recorded it from a live shop (source in the comment),
//! cut to the price-relevant part.

use reqwest::Url;
use rust_decimal::Decimal;
use std::str::FromStr;

use super::{candidates, state_currency};
use crate::extract::PriceSource;

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Shopify analytics block from troublebrewing.com (Singapore), as quoted in
/// the burplist scraper's Trouble Brewing spider docstring; prices in cents.
const SHOPIFY_META: &str = r#"<script>
window.ShopifyAnalytics = window.ShopifyAnalytics || {};
window.ShopifyAnalytics.meta = window.ShopifyAnalytics.meta || {};
window.ShopifyAnalytics.meta.currency = 'SGD';
var meta = {"product":{"id":4468579795059,"gid":"gid://shopify/Product/4468579795059","vendor":"Trouble Brewing Store","type":"Beer","variants":[{"id":31829208989811,"price":7700,"name":"Middle Child Wheat Beer - 24 pack","public_title":"24 pack","sku":"TCWB24B"},{"id":32061886857331,"price":4200,"name":"Middle Child Wheat Beer - 12 pack","public_title":"12 pack","sku":"TCWB12B"},{"id":31829224194163,"price":2200,"name":"Middle Child Wheat Beer - 6 pack","public_title":"6 pack","sku":"TCWB6B"}]},"page":{"pageType":"product","resourceType":"product","resourceId":4468579795059}};
for (var attr in meta) { window.ShopifyAnalytics.meta[attr] = meta[attr]; }
</script>"#;

#[test]
fn shopify_meta_first_variant_in_cents() {
    let u = url("https://troublebrewing.com/products/middle-child");
    let c = candidates(SHOPIFY_META, &u, false);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].source, PriceSource::InlineState);
    assert_eq!(c[0].amount, Some(dec("77.00")));
    assert_eq!(state_currency(SHOPIFY_META), Some("SGD"));
}

#[test]
fn shopify_meta_variant_named_by_url() {
    let u = url("https://troublebrewing.com/products/middle-child?variant=31829224194163");
    let c = candidates(SHOPIFY_META, &u, false);
    assert_eq!(c[0].amount, Some(dec("22.00")));
}

#[test]
fn shopify_meta_of_a_collection_page_is_not_a_price() {
    let page = SHOPIFY_META.replace(r#""pageType":"product""#, r#""pageType":"collection""#);
    let c = candidates(
        &page,
        &url("https://troublebrewing.com/collections/beer"),
        false,
    );
    assert!(c.is_empty());
}

#[test]
fn shopify_currency_object_is_state() {
    let page = r#"<script>Shopify.currency = {"active":"JPY","rate":"1.0"};</script>"#;
    assert_eq!(state_currency(page), Some("JPY"));
    let cfg = r#"<script>window.shopConfig = {"locale":"ja","currency": "JPY"};</script>"#;
    assert_eq!(state_currency(cfg), Some("JPY"));
    assert_eq!(state_currency(r#"{"currency":"yen"}"#), None);
}

/// WooCommerce variation form from fiddes.co.uk (teak oil), as saved in a
/// public scraper's test fixture; attribute JSON is entity-escaped.
const WOO: &str = r#"<form class="variations_form cart" action="https://fiddes.co.uk/product/teak-oil/" method="post" enctype="multipart/form-data" data-product_id="1040" data-product_variations="[{&quot;attributes&quot;:{&quot;attribute_pa_size&quot;:&quot;5lt&quot;},&quot;availability_html&quot;:&quot;&quot;,&quot;backorders_allowed&quot;:false,&quot;display_price&quot;:43.42,&quot;display_regular_price&quot;:43.42,&quot;price_html&quot;:&quot;&lt;span class=\&quot;price\&quot;&gt;&lt;span class=\&quot;woocommerce-Price-amount amount\&quot;&gt;&lt;bdi&gt;&lt;span class=\&quot;woocommerce-Price-currencySymbol\&quot;&gt;&amp;pound;&lt;\/span&gt;43.42&lt;\/bdi&gt;&lt;\/span&gt;&lt;\/span&gt;&quot;,&quot;variation_id&quot;:1041},{&quot;attributes&quot;:{&quot;attribute_pa_size&quot;:&quot;500ml&quot;},&quot;display_price&quot;:16.21,&quot;display_regular_price&quot;:16.21,&quot;price_html&quot;:&quot;&quot;,&quot;variation_id&quot;:1042}]"></form>"#;

#[test]
fn woocommerce_variation_by_url_attribute() {
    let first = candidates(WOO, &url("https://fiddes.co.uk/product/teak-oil/"), false);
    assert_eq!(first[0].amount, Some(dec("43.42")));
    let named = url("https://fiddes.co.uk/product/teak-oil/?attribute_pa_size=500ml");
    let c = candidates(WOO, &named, false);
    assert_eq!(c[0].amount, Some(dec("16.21")));
}

/// Magento 2 price box config as a public Magento scraper's docs quote it
/// (`{"oldPrice":{"amount":"52"},"basePrice":…,"finalPrice":{"amount":"52"}}`),
/// inside the usual `x-magento-init` wrapper with the store's price format.
const MAGENTO: &str = r#"<script type="text/x-magento-init">{"[data-role=priceBox][data-price-box=product-id-7]":{"priceBox":{"priceConfig":{"productId":"7","priceFormat":{"pattern":"$%s","precision":2,"decimalSymbol":".","groupSymbol":","},"prices":{"oldPrice":{"amount":"52"},"basePrice":{"amount":"48.036950501155"},"finalPrice":{"amount":"52"}}}}}}</script>"#;

#[test]
fn magento_final_price_with_pattern_mark() {
    let c = candidates(MAGENTO, &url("https://shop.example/p.html"), false);
    assert_eq!(c[0].amount, Some(dec("52")));
    assert!(c[0].currency.is_none(), "`$` alone is ambiguous");
    assert!(c[0].mark.is_some());
}

#[test]
fn next_data_offer_under_product() {
    let page = r#"<script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{"related":[{"price":1,"currency":"EUR"}],"product":{"name":"Lamp","offer":{"price":"89.90","currency":"EUR"}}}},"page":"/p/[slug]"}</script>"#;
    let c = candidates(page, &url("https://shop.example/p/lamp"), false);
    assert_eq!(c[0].amount, Some(dec("89.90")));
    assert_eq!(c[0].currency, Some("EUR"));
}

#[test]
fn pages_without_markers_yield_nothing() {
    let page = "<html><body><p>Price: 12</p><script>var x = {\"a\":1};</script></body></html>";
    assert!(candidates(page, &url("https://shop.example/"), false).is_empty());
    assert_eq!(state_currency(page), None);
}

#[test]
fn multibyte_text_after_a_marker_does_not_split_a_char() {
    let page = format!("<script>Shopify.currency = {}</script>", "¥".repeat(120));
    assert_eq!(state_currency(&page), None);
    let page = format!("ShopifyAnalytics.meta.currency = '{}'", "円".repeat(20));
    assert_eq!(state_currency(&page), None);
}
