// Go RE2 → JavaScript regex translation for gitleaks' rules (used by refresh-gitleaks-rules.mjs and
// its test). Handles what the rule file uses: a leading (?i) (kept as the i flag when nothing else
// changes case), inline (?i) / (?i:…) / (?-i:…) / (?s:…), (?P<name>…), \z and \A, POSIX classes.
const POSIX = { alnum: "A-Za-z0-9", alpha: "A-Za-z", digit: "0-9", xdigit: "0-9A-Fa-f", upper: "A-Z", lower: "a-z", space: "\\s", word: "\\w", punct: "!-\\/:-@\\[-`{-~", blank: " \\t" };

const other = (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());
const isLetter = (c) => /^[A-Za-z]$/.test(c);

export function translateGoRegex(go) {
  let s = go.replace(/\(\?P</g, "(?<").replace(/\[:([a-z]+):\]/g, (m, name) => {
    if (!POSIX[name]) throw new Error(`POSIX class ${m} is not known`);
    return POSIX[name];
  });
  let leadingI = false;
  if (s.startsWith("(?i)")) {
    leadingI = true;
    s = s.slice(4);
  }
  const simple = !/\(\?-?[is]+[:)]/.test(s);
  if (simple) return { source: fixAnchors(s), flags: leadingI ? "i" : "" };
  // Spell the case-insensitive parts out, so one regex without flags means what RE2 meant.
  let out = "";
  const stack = [];
  let ci = leadingI;
  let dotall = false;
  for (let i = 0; i < s.length; ) {
    const c = s[i];
    if (c === "\\") {
      const hex = /^\\x[0-9A-Fa-f]{2}|^\\x\{[0-9A-Fa-f]+\}|^\\u[0-9A-Fa-f]{4}/.exec(s.slice(i));
      const esc = hex ? hex[0] : s.slice(i, i + 2);
      out += esc;
      i += esc.length;
      continue;
    }
    if (c === "[") {
      let j = i + 1;
      if (s[j] === "^") j++;
      if (s[j] === "]") j++;
      let body = "";
      for (; j < s.length && s[j] !== "]"; j++) {
        if (s[j] === "\\") {
          body += s.slice(j, j + 2);
          j++;
          continue;
        }
        body += s[j];
      }
      const head = s.slice(i, i + 1 + (s[i + 1] === "^" ? 1 : 0));
      const inner = body.slice(s[i + 1] === "^" ? 1 : 0);
      out += head + (ci ? caseFoldClass(inner) : inner) + "]";
      i = j + 1;
      continue;
    }
    const flag = /^\(\?(-?)([is]+)(:|\))/.exec(s.slice(i));
    if (flag) {
      const on = flag[1] !== "-";
      const setI = flag[2].includes("i");
      const setS = flag[2].includes("s");
      if (flag[3] === ":") {
        stack.push({ ci, dotall });
        out += "(?:";
      }
      if (setI) ci = on;
      if (setS) dotall = on;
      i += flag[0].length;
      continue;
    }
    if (c === "(") {
      stack.push({ ci, dotall });
      const named = /^\(\?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(s.slice(i));
      const head = named ? named[0] : /^\(\?(?:[:=!]|<[=!])/.exec(s.slice(i))?.[0] ?? "(";
      out += head;
      i += head.length;
      continue;
    }
    if (c === ")") {
      ({ ci, dotall } = stack.pop() ?? { ci: leadingI, dotall: false });
      out += c;
      i++;
      continue;
    }
    if (c === "{") {
      // A quantifier: copied as is.
      const q = /^\{\d+(?:,\d*)?\}/.exec(s.slice(i));
      if (q) {
        out += q[0];
        i += q[0].length;
        continue;
      }
    }
    if (c === "." && dotall) out += "[\\s\\S]";
    else out += ci && isLetter(c) ? `[${c}${other(c)}]` : c;
    i++;
  }
  return { source: fixAnchors(out), flags: "" };
}

/** Letters and letter ranges of a class body with their other case added. */
function caseFoldClass(body) {
  let extra = "";
  for (let k = 0; k < body.length; k++) {
    if (body[k] === "\\") {
      if (body[k + 1] === "x") {
        // \xHH: its hex digits are not letters to fold, but the character it names may be.
        const ch = String.fromCharCode(parseInt(body.slice(k + 2, k + 4), 16));
        if (isLetter(ch)) extra += other(ch);
        k += 3;
      } else k++;
      continue;
    }
    const range = /^([A-Za-z])-([A-Za-z])/.exec(body.slice(k));
    if (range) {
      extra += `${other(range[1])}-${other(range[2])}`;
      k += 2;
    } else if (isLetter(body[k])) extra += other(body[k]);
  }
  return body + extra;
}

function fixAnchors(s) {
  // RE2's \z (end of text) and \A (start of text) are $ and ^ without the m flag.
  return s.replace(/(?<!\\)((?:\\\\)*)\\z/g, "$1$").replace(/(?<!\\)((?:\\\\)*)\\A/g, "$1^");
}
