/**
 * The little SQL surface the event store needs, so the same SQL runs on Postgres (`pg`) and on PGlite.
 * Results come back as plain rows; bigint columns are selected as text so both drivers agree.
 */
export type SqlQueryable = {
  query: <Row = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<Row[]>;
};

export type SqlClient = SqlQueryable & {
  readonly dialect: 'postgres' | 'pglite';
  transaction: <T>(work: (tx: SqlQueryable) => Promise<T>) => Promise<T>;
  close: () => Promise<void>;
};
