//! The schema explains itself: every type, field, argument, input field and enum value has a
//! description; standard scalars carry `@specifiedBy`; closed sets are enums. Read through
//! introspection, as GraphiQL's docs pane and codegen read it.

use serde_json::Value;

use super::build_schema;
use crate::config::GraphqlSettings;

const QUERY: &str = r#"{
  __schema {
    types {
      name kind description specifiedByURL
      fields(includeDeprecated: true) {
        name description
        args { name description }
        type { kind name ofType { kind name ofType { kind name } } }
      }
      inputFields { name description }
      enumValues(includeDeprecated: true) { name description }
    }
  }
}"#;

async fn types() -> Vec<Value> {
    let schema = build_schema(&GraphqlSettings::default());
    let response = schema.execute(QUERY).await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let data = response.data.into_json().expect("JSON data");
    data["__schema"]["types"]
        .as_array()
        .expect("a list of types")
        .iter()
        .filter(|t| !t["name"].as_str().unwrap_or("__").starts_with("__"))
        .cloned()
        .collect()
}

fn described(item: &Value) -> bool {
    item["description"]
        .as_str()
        .is_some_and(|d| !d.trim().is_empty())
}

fn name(item: &Value) -> &str {
    item["name"].as_str().unwrap_or_default()
}

fn items<'a>(t: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    t[key].as_array().into_iter().flatten()
}

#[tokio::test]
async fn every_type_field_argument_input_field_and_enum_value_is_described() {
    let builtin = ["String", "Int", "Float", "Boolean", "ID"];
    let mut missing = Vec::new();
    for t in types().await {
        let name = t["name"].as_str().unwrap_or_default().to_owned();
        if builtin.contains(&name.as_str()) {
            continue;
        }
        if !described(&t) {
            missing.push(name.clone());
        }
        for f in items(&t, "fields") {
            if !described(f) {
                missing.push(format!("{name}.{}", self::name(f)));
            }
            for a in items(f, "args") {
                if !described(a) {
                    missing.push(format!("{name}.{}({})", self::name(f), self::name(a)));
                }
            }
        }
        for f in items(&t, "inputFields").chain(items(&t, "enumValues")) {
            if !described(f) {
                missing.push(format!("{name}.{}", self::name(f)));
            }
        }
    }
    assert!(missing.is_empty(), "no description: {missing:#?}");
}

#[tokio::test]
async fn scalars_that_follow_a_standard_name_it() {
    let types = types().await;
    let url = |name: &str| {
        types
            .iter()
            .find(|t| t["name"] == name)
            .and_then(|t| t["specifiedByURL"].as_str())
            .map(str::to_owned)
    };
    let expected = [
        ("DateTime", "rfc3339"),
        ("Date", "iso-8601"),
        ("PhoneNumber", "E.164"),
        ("EmailAddress", "rfc5322"),
    ];
    for (scalar, standard) in expected {
        let found = url(scalar);
        assert!(
            found.as_deref().is_some_and(|u| u.contains(standard)),
            "{scalar}: specifiedByURL {found:?} does not name {standard}"
        );
    }
    assert!(
        super::sdl().contains(
            "scalar DateTime @specifiedBy(url: \"https://datatracker.ietf.org/doc/html/rfc3339\")"
        ),
        "the SDL leaves out @specifiedBy"
    );
}

#[tokio::test]
async fn closed_sets_are_enums() {
    let types = types().await;
    let field_type = |ty: &str, field: &str| {
        let t = types.iter().find(|t| t["name"] == ty).expect(ty);
        let f = items(t, "fields")
            .find(|f| f["name"] == field)
            .unwrap_or_else(|| panic!("{ty}.{field}"));
        let mut of = &f["type"];
        while of["kind"] == "NON_NULL" {
            of = &of["ofType"];
        }
        (of["kind"].clone(), of["name"].clone())
    };
    for (ty, field, enum_name) in [
        ("SyncJob", "kind", "SyncJobKind"),
        ("Interaction", "kind", "InteractionKind"),
        ("Interaction", "direction", "InteractionDirection"),
    ] {
        assert_eq!(
            field_type(ty, field),
            (Value::from("ENUM"), Value::from(enum_name)),
            "{ty}.{field}"
        );
    }
}
