// Schema names reach SQL text (search_path cannot be a bind parameter), so they are kept to a safe
// alphabet and quoted.
const schemaNamePattern = /^[a-z_][a-z0-9_]{0,62}$/;

export const assertSchemaName = (schema: string): string => {
  if (!schemaNamePattern.test(schema)) throw new Error(`unsafe schema name: ${schema}`);
  return schema;
};

export const quoteIdentifier = (schema: string): string => `"${assertSchemaName(schema)}"`;
