// graphql-schema-linter's rules for Rapport's schema, chosen one by one. The check runs on the
// SDL the server serves (GET /graphql/schema.graphql) and must report 0 warnings.
//
// On:
//   - every description rule: a frontend developer reads the schema in GraphiQL's docs pane
//     or in generated types, so every type, field, argument, input field and enum value
//     says what it is;
//   - deprecations-have-a-reason: a deprecated field says what to use instead;
//   - descriptions-are-capitalized: descriptions are sentences;
//   - the naming rules that are our conventions (DESIGN.md section 3): PascalCase types,
//     camelCase fields and input fields, SCREAMING_SNAKE_CASE enum values;
//   - defined-types-are-used: no type left behind by a refactoring;
//   - the Relay rules: connections, their arguments and PageInfo follow the Relay cursor
//     connections specification, which relay-compiler and Apollo's pagination rely on.
//
// Off, on purpose:
//   - type-fields-sorted-alphabetically, input-object-fields-sorted-alphabetically,
//     interface-fields-sorted-alphabetically, enum-values-sorted-alphabetically: fields are
//     in reading order (`id` first, then what identifies the object, then details, then
//     timestamps) and enum values in their natural order (DRAFT before ACTIVE before
//     EXPIRED; MONTHLY before QUARTERLY). Alphabetical order would make the docs pane
//     harder to read, and it is the order async-graphql declares them in.
module.exports = {
  rules: [
    'types-have-descriptions',
    'fields-have-descriptions',
    'arguments-have-descriptions',
    'enum-values-have-descriptions',
    'input-object-values-have-descriptions',
    'deprecations-have-a-reason',
    'descriptions-are-capitalized',
    'types-are-capitalized',
    'fields-are-camel-cased',
    'input-object-values-are-camel-cased',
    'enum-values-all-caps',
    'defined-types-are-used',
    'relay-connection-types-spec',
    'relay-connection-arguments-spec',
    'relay-page-info-spec',
  ],
};
