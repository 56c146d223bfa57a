/**
 * The request line's target, split without URL resolution: `new URL("//", base)` throws and
 * `new URL("//host/x", base)` changes host, so the path is taken as sent and decoded only where
 * a route needs a segment, with malformed escapes reported instead of thrown.
 */
export interface RequestTarget {
  /** The path as sent, still percent-encoded. */
  path: string;
  query: URLSearchParams;
}

/** undefined for anything but origin-form (`/path?query`): absolute-form and `*` are not ours. */
export function parseTarget(raw: string | undefined): RequestTarget | undefined {
  if (!raw || !raw.startsWith("/")) return undefined;
  const mark = raw.indexOf("?");
  // URLSearchParams never throws: a malformed escape in the query stays as text or becomes U+FFFD,
  // and each parameter's own check decides whether the value makes sense.
  return mark < 0 ? { path: raw, query: new URLSearchParams() } : { path: raw.slice(0, mark), query: new URLSearchParams(raw.slice(mark + 1)) };
}

/** A percent-encoded segment decoded, or undefined when its escapes are not valid UTF-8. */
export function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
