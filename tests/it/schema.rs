//! `schema/scrape.schema.json` against real outputs of the binary: the
//! `json` document, `jsonl` records and (from `bench.rs`) the bench JSON,
//! validated with the `jsonschema` crate (draft 2020-12).

use std::time::Duration;

use scrape::demo::{BackgroundShop, ShopConfig};
use serde_json::{json, Value};

use crate::support::{list, scrape};

fn schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/scrape.schema.json");
    let text = std::fs::read_to_string(path).expect("schema in the repo");
    serde_json::from_str(&text).expect("schema is JSON")
}

/// A validator for one entry point (`document`, `record`, `summary`, `bench`).
fn validator(entry: &str) -> jsonschema::Validator {
    let full = schema();
    let wrapper = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/$defs/{entry}"),
        "$defs": full["$defs"],
    });
    jsonschema::draft202012::new(&wrapper).expect("schema compiles")
}

/// Fails with every violation listed.
pub fn assert_valid(entry: &str, value: &Value) {
    let errors: Vec<String> = validator(entry)
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{entry} does not match the schema:\n{}\n{value}",
        errors.join("\n")
    );
}

#[test]
fn the_schema_is_draft_2020_12_and_versioned_like_the_outputs() {
    let s = schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert!(jsonschema::draft202012::new(&s).is_ok());
    let version = Value::from(scrape::record::SCHEMA_VERSION);
    assert_eq!(
        s["$defs"]["document"]["properties"]["schema_version"]["const"],
        version
    );
    assert_eq!(
        s["$defs"]["bench"]["properties"]["schema_version"]["const"],
        version
    );
}

#[test]
fn json_document_and_jsonl_records_match_the_schema() {
    let shop = BackgroundShop::start(ShopConfig {
        latency: Duration::from_millis(1),
        ..ShopConfig::default()
    })
    .expect("start shop");
    // Priced pages, a failing status, a non-HTML body and an invalid line:
    // records with and without price and error.
    let mut lines: Vec<String> = (1..=12).map(|n| shop.product_url(n)).collect();
    lines.push(shop.url("/status/404"));
    lines.push(shop.url("/not-html"));
    lines.push("not a url".into());
    let l = list(&lines);
    let doc = scrape(&["-q", "--retries", "0", "-f", "json", l.path()], None);
    doc.code(1);
    let value: Value = serde_json::from_str(&doc.stdout).expect("json");
    assert_eq!(
        value["schema_version"],
        Value::from(scrape::record::SCHEMA_VERSION)
    );
    assert_valid("document", &value);
    assert_valid("summary", &value["summary"]);
    let jsonl = scrape(&["-q", "--retries", "0", "-f", "jsonl", l.path()], None);
    jsonl.code(1);
    let mut kinds = 0;
    for line in jsonl.stdout.lines() {
        let record: Value = serde_json::from_str(line).expect("json line");
        kinds += usize::from(!record["error"].is_null());
        assert_valid("record", &record);
    }
    assert_eq!(kinds, 3, "{jsonl}");
    // The schema can fail: an unknown error kind and a missing field are caught.
    let mut bad =
        serde_json::from_str::<Value>(jsonl.stdout.lines().next().expect("a line")).expect("json");
    bad["error"] = json!({"kind": "gremlins", "message": "x"});
    assert!(!validator("record").is_valid(&bad));
    let mut bad = value["summary"].clone();
    bad.as_object_mut().expect("object").remove("urls");
    assert!(!validator("summary").is_valid(&bad));
}
