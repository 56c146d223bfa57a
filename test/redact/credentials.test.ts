// Credentials no vendor prefix gives away: what gitleaks-style rule sets miss in agent traffic.
import { describe, expect, it } from "vitest";
import { createRedactor } from "../../src/redact/index.js";

const redactor = createRedactor();
const redact = (text: string) => redactor.redactText(text);

describe("credentials in text", () => {
  it.each([
    ["Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz", "Authorization: Basic [HTTP_AUTH]"],
    // Decodes to user:password, so it is one even without a header name before it.
    ["sent basic YWRtaW46aHVudGVyMg== upstream", "YWRtaW46aHVudGVyMg==", "sent basic [HTTP_AUTH] upstream"],
    ["curl -u user:pass https://x", "user:pass", "curl -u [PASSWORD] https://x"],
    ["curl --user admin:s3cr3t https://x", "admin:s3cr3t", "curl --user [PASSWORD] https://x"],
    ["curl -uadmin:pw https://x", "admin:pw", "curl -u[PASSWORD] https://x"],
    ["mysql -h db -u root -pS3cretPass mydb", "S3cretPass", "mysql -h db -u root -p[PASSWORD] mydb"],
    ["sshpass -p 'hunter2' ssh host", "hunter2", "sshpass -p '[PASSWORD]' ssh host"],
    ["./run --password=hunter2 --verbose", "hunter2", "./run --password=[PASSWORD] --verbose"],
    ["./run --db-password hunter3 --api-key abcdef123", "hunter3", "./run --db-password [PASSWORD] --api-key [SECRET]"],
    ["redis://:s3cret@cache:6379/0", "s3cret", "redis://[URL_CREDENTIALS]@cache:6379/0"],
    ["mongodb+srv://user:pa55@cluster0.mongodb.net/x", "pa55", "mongodb+srv://[URL_CREDENTIALS]@cluster0.mongodb.net/x"],
    ["amqp://guest:gu@st@rabbit:5672/", "gu@st", "amqp://[URL_CREDENTIALS]@rabbit:5672/"],
    ["//registry.npmjs.org/:_authToken=abcdef0123456789", "abcdef0123456789", "//registry.npmjs.org/:_authToken=[SECRET]"],
    ["_auth=dXNlcjpwYXNz", "dXNlcjpwYXNz", "_auth=[SECRET]"],
    ["password: correct horse battery staple", "battery staple", "password: [PASSWORD]"],
    ["[pypi]\npassword = my pass phrase\nusername = __token__", "pass phrase", "[pypi]\npassword = [PASSWORD]\nusername = __token__"],
    ["DB_PASSWORD: $NAW9cv", "$NAW9cv", "DB_PASSWORD: [PASSWORD]"],
    ['{\\"token\\": \\"abc123def456\\"}', "abc123def456", '{\\"token\\": \\"[SECRET]\\"}'],
  ])("%s", (input, secret, expected) => {
    const out = redact(input);
    expect(out).not.toContain(secret);
    expect(out).toBe(expected);
  });

  it("takes a Digest header's whole parameter list", () => {
    const header = 'Authorization: Digest username="Mufasa", realm="x", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/", response="6629fae49393a05397450978507c4ef1"';
    expect(redact(header)).toBe("Authorization: Digest [HTTP_AUTH]");
  });

  it("takes every PEM private key kind, and a service-account key inside JSON text", () => {
    for (const kind of ["RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "DSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "PGP PRIVATE KEY BLOCK"])
      expect(redact(`-----BEGIN ${kind}-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END ${kind}-----`)).toBe("[PRIVATE_KEY]");
    const account = JSON.stringify({ type: "service_account", private_key: "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN\n-----END PRIVATE KEY-----\n", client_email: "svc@proj.iam.gserviceaccount.com" });
    const out = redactor.redact(account).value as string;
    expect(out).not.toContain("MIIEvQIBADAN");
    expect(out).not.toContain("svc@proj");
  });

  it.each([
    "token count: 1234",
    "max_tokens: 2048",
    "token: 114",
    "password reset link sent",
    "api_base: https://api.openai.com/v1",
    "key: value",
    "password: ${DB_PASSWORD}",
    "api_key=<your-api-key>",
    "token: xxxxxxxx",
    "curl -u alice https://x",
    "docker run -p 8080:80 nginx",
    "mysql -p mydb",
    "basic usage of the API",
    "auth: true",
    "monkey: banana",
  ])("leaves %s alone", (text) => {
    expect(redact(text)).toBe(text);
  });
});
