// The Audit Trail spec's Express receiver (audit-trail-webhooks.md, "Verification (Node.js)"
// and "Best Practices"), ported to run behind `webhook-guard serve`: its signature check
// (`verifyWebhookSignature`), its timestamp check (3. "Validation du timestamp") and its
// dedup `Set` (2. "Idempotence") are removed, because the guard in front does each of them,
// on the raw body and in constant time, and keeps every acknowledged delivery in its durable
// inbox (1. "Repondre rapidement" and 4. "File d'attente" too). What remains is the
// business: one handler per event type.
//
//   PORT=8080 node examples/express_app/server.js
//   AUDIT_TRAIL_SECRET=whsec_abc123def456 webhook-guard serve --config examples/express_app/webhook-guard.toml
//   webhook-guard send audit-trail alert.triggered
//
// The guard forwards each verified delivery with its original body and headers, plus
// `Webhook-Guard-Id` (the delivery id), `Webhook-Guard-Scheme` and `Idempotency-Key`, and
// sends it again until this app answers 2xx: answer only once the work is done. A forward
// can arrive twice if the guard is killed between the app's answer and its own record of it;
// key effects outside this process on `Idempotency-Key` to make them exactly once.
//
// Each delivery handled prints one JSON line on stdout: {"id","type","key"}.
'use strict';

const express = require('express');

const PORT = Number(process.env.PORT || 8080);

// The business handlers, by event type (the spec's table of event types).
const handlers = {
  'event.created': (data) => `audit event ${data.event && data.event.id}`,
  'event.batch.created': (data) => `${(data.events || []).length} audit events`,
  'alert.triggered': (data) => `alert ${data.alert && data.alert.ruleName}`,
  'alert.resolved': (data) => `alert resolved by ${data.resolvedBy}`,
  'report.completed': (data) => `report ${data.report && data.report.id} ready`,
  'report.failed': (data) => `report failed: ${data.error}`,
};

async function processWebhook(payload) {
  const handler = handlers[payload.type];
  // An unknown type is acknowledged and ignored (a newer event than this app knows).
  return handler ? handler(payload.data || {}) : `ignored ${payload.type}`;
}

const app = express();
app.use(express.json({ limit: '1mb' }));

app.post('/webhooks/audit-trail', async (req, res) => {
  try {
    const summary = await processWebhook(req.body);
    console.log(JSON.stringify({
      id: req.get('webhook-guard-id'),
      type: req.body.type,
      key: req.get('idempotency-key'),
      summary,
    }));
    res.status(200).send('OK');
  } catch (err) {
    // Not acknowledged: the guard sends it again later.
    console.error('Webhook processing failed:', err);
    res.status(500).send('processing failed');
  }
});

app.get('/healthz', (req, res) => res.send('ok'));

app.listen(PORT, '127.0.0.1', () => {
  console.error(`express app listening on http://127.0.0.1:${PORT}`);
});
