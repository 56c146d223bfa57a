/** Naming an error for a message or a record, whatever was thrown (an Error, a string, anything). */

/** The most specific name of an error: a subclass that did not set `name` still has its class name. */
export function errorType(err: unknown): string {
  if (err instanceof Error) {
    if (err.name && err.name !== "Error") return err.name;
    return err.constructor?.name || "Error";
  }
  if (err && typeof err === "object" && typeof (err as { name?: unknown }).name === "string") return (err as { name: string }).name;
  return typeof err;
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return `${errorType(err)}: ${err.message}`;
  try {
    return String(err);
  } catch {
    return "unknown error";
  }
}
