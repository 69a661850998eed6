// The Audit Trail spec's Express receiver ("Verification (Node.js)" + "Best Practices" 2 and 3
// of audit-trail-webhooks.md), corrected to verify the raw body, for bench/load.sh.
//
//   PORT=3000 AUDIT_TRAIL_SECRET=whsec_abc123def456 node bench/express/server.js
//
// Corrections to the spec's sample, nothing more:
// - the HMAC covers `${timestamp}.` + the raw body as received (`express.raw()`: `req.body` is
//   a Buffer), not `JSON.stringify(req.body)` (which re-encodes the parsed JSON and fails on
//   any body not byte-for-byte what JSON.stringify produces);
// - `timingSafeEqual` only after a length check (it throws on a length mismatch: a 500);
// - missing headers answer 401 instead of throwing.
// Kept as in the spec: the 5-minute age check (400), dedup by `X-Audit-Trail-Delivery-Id` in
// an unbounded `Set` (a duplicate gets 200 'Already processed'), the JSON body read for its
// `type`. No logging per request (the spec's console.log would dominate the cost).
'use strict';

const crypto = require('crypto');
const express = require('express');

const PORT = Number(process.env.PORT || 3000);
const WEBHOOK_SECRET = process.env.AUDIT_TRAIL_SECRET || 'whsec_abc123def456';
const MAX_AGE = 5 * 60 * 1000; // 5 minutes

function verifyWebhookSignature(rawBody, signature, timestamp, secret) {
  if (typeof signature !== 'string' || typeof timestamp !== 'string') return false;
  const expected = 'sha256=' + crypto
    .createHmac('sha256', secret)
    .update(`${timestamp}.`)
    .update(rawBody)
    .digest('hex');
  const given = Buffer.from(signature);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && crypto.timingSafeEqual(given, wanted);
}

const processedDeliveries = new Set();
const app = express();

app.post('/webhooks/audit-trail', express.raw({ type: '*/*', limit: '1mb' }), (req, res) => {
  const signature = req.headers['x-audit-trail-signature'];
  const timestamp = req.headers['x-audit-trail-timestamp'];
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);

  if (!verifyWebhookSignature(raw, signature, timestamp, WEBHOOK_SECRET)) {
    return res.status(401).send('Invalid signature');
  }

  if (Date.now() - parseInt(timestamp, 10) * 1000 > MAX_AGE) {
    return res.status(400).send('Webhook too old');
  }

  const deliveryId = req.headers['x-audit-trail-delivery-id'];
  if (processedDeliveries.has(deliveryId)) {
    return res.status(200).send('Already processed');
  }
  processedDeliveries.add(deliveryId);

  let payload;
  try {
    payload = JSON.parse(raw);
  } catch (err) {
    return res.status(400).send('Invalid JSON');
  }
  // Traiter le webhook (the spec logs payload.type here).
  if (typeof payload.type !== 'string') return res.status(400).send('Missing type');
  res.status(200).send('OK');
});

app.listen(PORT, '127.0.0.1', () => {
  console.error(`express receiver listening on http://127.0.0.1:${PORT}/webhooks/audit-trail`);
});
