// Compares the SDL the server serves with the committed baseline (api/schema.graphql) using
// graphql-js's findBreakingChanges and findDangerousChanges.
//
//   node breaking.mjs BASELINE SERVED
//
// Exit 1 when a change would break a client written against the baseline (a type, field,
// argument or enum value removed, a type changed, an argument made required, ...), listing
// each one. Dangerous changes (an enum value or an optional argument added, ...) are listed
// but pass. Any other difference passes too, with a reminder to refresh the baseline.
// Exit 2 when either file cannot be read or parsed.
import { readFileSync } from 'node:fs';
import {
  buildSchema,
  findBreakingChanges,
  findDangerousChanges,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';

const [baselinePath, servedPath] = process.argv.slice(2);
if (!baselinePath || !servedPath) {
  console.error('usage: node breaking.mjs BASELINE SERVED');
  process.exit(2);
}

function load(path, what) {
  try {
    return buildSchema(readFileSync(path, 'utf8'));
  } catch (err) {
    console.error(`breaking: cannot read the ${what} schema ${path}: ${err.message}`);
    process.exit(2);
  }
}

const baseline = load(baselinePath, 'baseline');
const served = load(servedPath, 'served');

const show = (c) => `  - ${c.type}: ${c.description}`;
const breaking = findBreakingChanges(baseline, served);
const dangerous = findDangerousChanges(baseline, served);

if (dangerous.length > 0) {
  console.log(`breaking: ${dangerous.length} dangerous change(s) (they pass; clients may need care):`);
  dangerous.forEach((c) => console.log(show(c)));
}
if (breaking.length > 0) {
  console.log(`breaking: ${breaking.length} BREAKING change(s) against ${baselinePath}:`);
  breaking.forEach((c) => console.log(show(c)));
  process.exit(1);
}

const same =
  printSchema(lexicographicSortSchema(baseline)) === printSchema(lexicographicSortSchema(served));
if (same) {
  console.log('breaking: the served schema is the baseline');
} else {
  console.log(
    'breaking: no breaking change, but the served schema differs from the baseline: refresh it\n' +
      '  with `bash tests/conformance/run-schema.sh --accept` and commit api/schema.graphql',
  );
}
