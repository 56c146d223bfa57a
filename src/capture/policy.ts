/**
 * Tool-use policy for the agent middleware: rules by tool name and by argument predicate, first
 * match wins. `allow` lets the call run; `flag` lets it run and records a `policy` event at warn;
 * `block` refuses it (the model gets an error ToolMessage saying why) and records one at error.
 */
import * as z from "zod";

export const POLICY_ACTIONS = ["allow", "flag", "block"] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export interface PolicyRule {
  /** A tool name, a regex over tool names, or "*" for every tool. */
  tool: string | RegExp;
  /** Matches only when this returns true for the call's arguments. */
  when?: (args: Record<string, unknown>) => boolean;
  action: PolicyAction;
  /** Why; shown to the model on a block and recorded in the policy event. */
  reason?: string;
  /** A name for the rule in policy events (default: its position, "rule 1"). */
  name?: string;
}

export const policyRuleSchema = z
  .object({
    tool: z.union([z.string().min(1), z.instanceof(RegExp)], { message: 'every rule needs tool: a name, a RegExp, or "*"' }),
    when: z.custom<(args: Record<string, unknown>) => boolean>((v) => typeof v === "function", { message: "when must be a function (args) => boolean" }).optional(),
    action: z.enum(POLICY_ACTIONS, { message: 'action must be "allow", "flag" or "block"' }),
    reason: z.string().optional(),
    name: z.string().min(1).optional(),
  })
  .strict();

export interface PolicyVerdict {
  action: PolicyAction;
  rule: string;
  reason: string | undefined;
}

/** The first rule that matches the call, or undefined (allowed by default). A throwing predicate is reported and skipped. */
export function evaluatePolicy(rules: readonly PolicyRule[], tool: string, args: Record<string, unknown>, onPredicateError: (rule: string, err: unknown) => void): PolicyVerdict | undefined {
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i]!;
    const name = r.name ?? `rule ${i + 1}`;
    const matchesTool = r.tool instanceof RegExp ? r.tool.test(tool) : r.tool === "*" || r.tool === tool;
    if (!matchesTool) continue;
    if (r.when) {
      let hit = false;
      try {
        hit = r.when(args) === true;
      } catch (err) {
        onPredicateError(name, err);
        continue;
      }
      if (!hit) continue;
    }
    return { action: r.action, rule: name, reason: r.reason };
  }
  return undefined;
}
