// Every place an event can hold text, filled with the same probes. Each placement sits under its
// own `p_<place>` key, so a leak found anywhere names the placement it came from. The child plants
// this bag through every channel a user's data travels (tool args, tool results, record(),
// metadata, custom events...), under `via_<channel>` keys for the same reason.

const b64 = (s) => Buffer.from(s).toString("base64");

/** `{"token": …}` stringified `depth` times: JSON inside a string inside a string. */
function nested(depth, inner) {
  let value = inner;
  for (let i = 0; i < depth; i++) value = JSON.stringify(i === 0 ? value : { note: value });
  return value;
}

export function plant({ secret, stripe, password, email }) {
  const url = `https://api.example.com/x?email=${encodeURIComponent(email)}&token=${secret}`;
  const credentials = { token: secret, email, password };
  const bag = {
    p_prose: `Contact ${email}; token ${secret}; key ${stripe}; password=${password}`,
    p_json_depth_1: nested(1, credentials),
    p_json_depth_2: nested(2, credentials),
    p_json_depth_3: nested(3, credentials),
    // JSON that escapes characters as \uXXXX, as some serializers do: "g" of ghp_, and the @.
    p_json_unicode_escapes: `{"token":"\\u0067hp_${secret.slice(4)}","email":"${email.replace("@", "\\u0040")}"}`,
    p_keys: { [email]: "contact", [secret]: "token", [stripe]: { by: email } },
    p_url: url,
    p_url_in_text: `see ${url} for the export`,
    p_form_body: `email=${encodeURIComponent(email)}&password=${encodeURIComponent(password)}&key=${stripe}`,
    p_header_list: [
      ["Authorization", `Bearer ${secret}`],
      ["X-Api-Key", stripe],
      ["Cookie", `sid=${secret}; user=${encodeURIComponent(email)}`],
      ["Password", password],
    ],
    p_header_list_basic: [["Authorization", `Basic ${b64(`${email}:${password}`)}`]],
    // HAR / fetch-style header objects: the name is one field, the value another.
    p_header_objects: [
      { name: "password", value: password },
      { name: "Authorization", value: `Basic ${b64(`api:${secret}`)}` },
      { name: "X-User", value: email },
    ],
    p_base64: b64(email),
    p_base64_json: b64(JSON.stringify(credentials)),
    p_password_field: { password, db_password: password },
  };
  const prose = bag.p_prose;
  return { bag, url, prose };
}

/** An Error as an HTTP client throws it: the message, a cause, a code and a stack naming the URL. */
export function failure({ secret, stripe, email }, url) {
  const cause = new Error(`upstream rejected token ${secret} for ${email}`);
  const err = new Error(`payment for ${email} failed with key ${stripe}`, { cause });
  err.name = "PaymentError";
  err.code = `DECLINED_${email}`;
  err.stack = `${err.name}: ${err.message}\n    at charge (${url})\n    at Object.<anonymous> (/srv/app/pay.js:1:1)`;
  return err;
}
