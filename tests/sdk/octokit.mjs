// GitHub's side of the cross-SDK tests, with @octokit/webhooks-methods (GitHub's own
// JavaScript library). Reads a JSON array of requests on stdin and prints a JSON array of
// answers, one per request:
//   {"op": "sign", "secret": "...", "payload": "..."}                    -> "sha256=<hex>"
//   {"op": "verify", "secret": "...", "payload": "...", "signature": "..."} -> true | false
import { sign, verify } from "@octokit/webhooks-methods";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const answers = [];
for (const request of JSON.parse(input)) {
  if (request.op === "sign") {
    answers.push(await sign(request.secret, request.payload));
  } else if (request.op === "verify") {
    answers.push(await verify(request.secret, request.payload, request.signature));
  } else {
    throw new Error(`unknown op ${request.op}`);
  }
}
process.stdout.write(JSON.stringify({ version: sign.VERSION, answers }));
