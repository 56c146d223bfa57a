/**
 * Secrets with a shape of their own (a vendor prefix and a length), found anywhere and also used
 * to name what a `key=value` assignment holds. gitleaks' rules (provider-secrets.ts) know far
 * more vendors; these few are kept because their entity names (OPENAI_KEY, GITHUB_TOKEN…) are
 * what users configure operators and `disable` by.
 */
export const SECRET_SHAPES: ReadonlyArray<{ entity: string; source: string }> = [
  { entity: "ANTHROPIC_KEY", source: "sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{20,}" },
  { entity: "OPENAI_KEY", source: "sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9]{20,}" },
  { entity: "AWS_ACCESS_KEY", source: "(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}" },
  { entity: "GITHUB_TOKEN", source: "gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255}" },
  { entity: "GITLAB_TOKEN", source: "gl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,}" },
  { entity: "SLACK_TOKEN", source: "xox[abposre]-[A-Za-z0-9-]{10,}|xapp-[0-9]-[A-Za-z0-9-]{10,}|https://hooks\\.slack\\.com/services/[A-Za-z0-9/_-]{20,}" },
  { entity: "STRIPE_KEY", source: "(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,247}|whsec_[A-Za-z0-9]{20,}" },
  { entity: "GOOGLE_API_KEY", source: "AIza[0-9A-Za-z_-]{35}" },
  { entity: "HUGGINGFACE_TOKEN", source: "hf_[A-Za-z0-9]{30,}" },
  { entity: "JWT", source: "eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*" },
  // Formats gitleaks only knows beside their provider's name; bare, they are as recognisable.
  { entity: "SECRET", source: "https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/[0-9]{5,30}/[A-Za-z0-9_-]{20,}" },
  { entity: "SECRET", source: "key-[0-9a-f]{32}" },
  { entity: "SECRET", source: "NRAK-[A-Z0-9]{27}" },
  { entity: "SECRET", source: "lsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}" },
];

/** The literal each shape starts with, lower case: every match begins where one of them begins. */
export const SECRET_SHAPE_WORDS: readonly string[] = [
  "sk-", "akia", "asia", "abia", "acca", "agpa", "aida", "aroa", "anpa", "anva", "aipa", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
  "github_pat_", "glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "gloas-", "xox", "xapp-", "https://hooks.slack.com", "sk_live_", "sk_test_",
  "rk_live_", "rk_test_", "pk_live_", "pk_test_", "whsec_", "aiza", "hf_", "eyj", "https://discord", "https://ptb.discord", "https://canary.discord", "key-", "nrak-", "lsv2_",
];

const EXACT = SECRET_SHAPES.map((s) => ({ entity: s.entity, re: new RegExp(`^(?:${s.source})`) }));

/** The entity of the shape `value` starts with, if any. */
export function shapeEntity(value: string): string | undefined {
  for (const s of EXACT) if (s.re.test(value)) return s.entity;
  return undefined;
}

/** Telegram bot tokens (`123456789:AA…`) start with the bot's id, so no keyword can begin them. */
export const TELEGRAM_BOT_TOKEN = "[0-9]{8,10}:AA[A-Za-z0-9_-]{32,34}";
