/** The step erase and purge share: show what will change, then decide whether to change it. */
import { confirmChange } from "../confirm.js";
import type { CommandContext } from "../context.js";

/**
 * Shows a change's plan and decides whether to make it (confirm.ts). The plan goes to stdout, or
 * to stderr with --json (stdout is then the result's JSON; --dry-run prints the plan as JSON).
 * `before` runs once the plan is shown and before asking (a check that can still refuse, such as
 * a missing key); its value is handed back. An empty plan needs no confirmation: nothing changes.
 * Returns an exit code when the command must stop there.
 */
export async function gate<T>({ values, io }: CommandContext, what: string, lines: string[], plan: unknown, empty: boolean, before: () => T): Promise<T | number> {
  if (values.json && values["dry-run"]) io.out(JSON.stringify({ dry_run: true, plan }, null, 2));
  else for (const line of lines) (values.json ? io.err : io.out)(line);
  if (values["dry-run"]) {
    if (!values.json) io.out("--dry-run: nothing was changed.");
    return 0;
  }
  const checked = before();
  if (empty) return checked;
  const decision = await confirmChange(what, { yes: values.yes }, { input: io.input ?? process.stdin, prompt: process.stderr });
  if (decision.go) return checked;
  io.err(`agent-audit: ${decision.message}`);
  return decision.code;
}
