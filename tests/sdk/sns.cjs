// Validates SNS messages with `sns-validator` (npm), the validator AWS's own JavaScript SDK
// team published, offline: its `https.get` of `SigningCertURL` is answered with the
// certificate given here (and the URL it asked for is reported), everything else is the
// library's own code: the URL check against its default host pattern, the canonical string
// of each message type, RSA-SHA1 / RSA-SHA256 verification.
//
// stdin: {"certificate": "<PEM>", "messages": ["<SNS message JSON>", ...]}
// stdout: {"version": "...", "answers": [{"ok": true} | {"ok": false, "error": "..."}], "fetched": [url...]}

const https = require("https");
const { PassThrough } = require("stream");
const path = require("path");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const { certificate, messages } = JSON.parse(input);
  const fetched = [];
  https.get = (url, callback) => {
    fetched.push(String(url));
    const response = new PassThrough();
    response.statusCode = 200;
    callback(response);
    response.end(certificate);
    return new PassThrough();
  };
  const MessageValidator = require("sns-validator");
  const version = require(path.join(__dirname, "node_modules", "sns-validator", "package.json")).version;
  const validator = new MessageValidator();
  const answers = [];
  for (const message of messages) {
    answers.push(
      await new Promise((resolve) =>
        validator.validate(message, (error) =>
          resolve(error ? { ok: false, error: String(error.message || error) } : { ok: true })
        )
      )
    );
  }
  process.stdout.write(JSON.stringify({ version, answers, fetched }));
});
