/** Go RE2 → JavaScript regex source and flags (see go-regex.mjs). */
export function translateGoRegex(go: string): { source: string; flags: string };
