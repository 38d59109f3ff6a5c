// graphql-codegen configuration for the tooling check (run-tooling.sh).
// The schema is the LIVE endpoint: codegen's url loader introspects it with the
// standard introspection query, as a client project pointed at Rapport would.
const url = process.env.RAPPORT_GRAPHQL_URL;
const token = process.env.RAPPORT_TOKEN;
const out = process.env.RAPPORT_CODEGEN_OUT;
if (!url || !token || !out) {
  throw new Error('codegen.cjs needs RAPPORT_GRAPHQL_URL, RAPPORT_TOKEN and RAPPORT_CODEGEN_OUT');
}

module.exports = {
  overwrite: true,
  schema: [{ [url]: { headers: { Authorization: `Bearer ${token}` } } }],
  documents: [`${__dirname}/operations/*.graphql`],
  generates: {
    [out]: {
      plugins: ['typescript', 'typescript-operations'],
      config: {
        scalars: {
          Date: 'string',
          DateTime: 'string',
          Decimal: 'string',
          EmailAddress: 'string',
        },
      },
    },
  },
};
