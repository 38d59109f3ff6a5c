//! `eventTypes`: the event catalogue, as the caller may receive it.

use async_graphql::{Context, Json, Object};
use rapport_domain::events::{
    CATALOGUE, EventTypeInfo, FieldInfo, FieldType, may_read, may_receive,
};

use super::context::state;
use crate::events::schema::type_schema;

/// One event type Rapport writes, with its payload fields.
#[derive(Debug, Clone)]
pub struct EventTypeNode {
    info: &'static EventTypeInfo,
    /// The fields the caller may read.
    readable: Vec<&'static FieldInfo>,
}

/// One event type of the catalogue: what happened, what it is about, and its `data` fields
/// (those the caller may read).
#[Object(name = "EventType")]
impl EventTypeNode {
    /// The type name (`agreement.metric_breached`).
    async fn name(&self) -> &str {
        self.info.name
    }
    /// The payload's version: additive changes keep it, others bump it.
    async fn version(&self) -> i32 {
        i32::try_from(self.info.version).unwrap_or(i32::MAX)
    }
    /// The GraphQL type of the aggregate the event is about (`Agreement`).
    async fn aggregate(&self) -> &str {
        self.info.aggregate
    }
    /// What happened.
    async fn description(&self) -> &str {
        self.info.description
    }
    /// The fields of the event's `data` the caller receives.
    async fn fields(&self) -> Vec<EventFieldNode> {
        self.readable.iter().map(|f| EventFieldNode(f)).collect()
    }
    /// The JSON Schema (draft 2020-12) of the whole envelope with its `data` (the fields the
    /// caller receives).
    async fn json_schema(&self) -> Json<serde_json::Value> {
        let mut schema = type_schema(self.info);
        if let Some(props) = schema["properties"]["data"]["properties"].as_object_mut() {
            props.retain(|name, _| self.readable.iter().any(|f| f.name == name));
        }
        Json(schema)
    }
}

/// One field of an event's `data`.
#[derive(Debug, Clone, Copy)]
pub struct EventFieldNode(&'static FieldInfo);

/// One field of an event's `data`.
#[Object(name = "EventField")]
impl EventFieldNode {
    /// The field's name in `data` (camelCase).
    async fn name(&self) -> &str {
        self.0.name
    }
    /// Its type: `String`, `Integer`, `Boolean`, `Decimal` (a string), `Date`, `DateTime`,
    /// `ID` (a global id), `Money` (`{amount, currency}`), `[String]`, or the allowed values
    /// of an enum joined by `|`.
    #[graphql(name = "type")]
    async fn ty(&self) -> String {
        match self.0.ty {
            FieldType::Enum(values) => values.join("|"),
            ty => ty.display().to_owned(),
        }
    }
    /// Whether the field may be `null`.
    async fn nullable(&self) -> bool {
        self.0.nullable
    }
    /// What the field holds.
    async fn description(&self) -> &str {
        self.0.description
    }
}

/// The event catalogue.
#[derive(Default, Debug)]
pub struct EventTypeQueries;

#[Object]
impl EventTypeQueries {
    /// Every event type the caller may receive (a partner: those about its accounts, without
    /// credits, team, tokens or webhooks), each with the `data` fields the caller may read.
    async fn event_types(&self, ctx: &Context<'_>) -> Vec<EventTypeNode> {
        let reader = state(ctx).caller.principal;
        CATALOGUE
            .iter()
            .filter(|t| may_receive(&reader, t))
            .map(|info| EventTypeNode {
                info,
                readable: info
                    .fields
                    .iter()
                    .filter(|f| may_read(&reader, f.visibility))
                    .collect(),
            })
            .collect()
    }
}
