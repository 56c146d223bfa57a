/**
 * The parts of a `pg` pool this package calls, as our own structural types. The public API names
 * these instead of `pg.Pool`: `pg` ships no types of its own and `@types/pg` is not a dependency,
 * so a consumer compiling our declarations (skipLibCheck off) would otherwise fail to resolve
 * them. A `pg.Pool` fits (test/package/public-types.test.ts checks it), as does any pool that
 * answers the same calls.
 */

/** What a query answers: the rows, as `pg` gives them (untyped unless the caller names a shape). */
export interface PgQueryResultLike<R> {
  rows: R[];
}

/** Anything that runs a parameterized query: a pool or one of its clients. */
export interface PgQueryable {
  // `any` by default as in `pg` itself: rows are read by our own row decoders.
  query<R = any>(text: string, values?: unknown[]): Promise<PgQueryResultLike<R>>;
}

/** A client checked out of a pool: held for a transaction or a session lock, then released. */
export interface PgPoolClientLike extends PgQueryable {
  release(): void;
}

/** A connection pool: queries, checks out a client, and ends when we created it. */
export interface PgPoolLike extends PgQueryable {
  connect(): Promise<PgPoolClientLike>;
  end(): Promise<void>;
}
