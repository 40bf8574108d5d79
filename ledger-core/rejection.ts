// The catalogue of stable rejection codes. Every component answers with these codes (problem+json
// `code`, MQTT response `code`, CLI summaries); the HTTP status lives here too so it is defined once.

export const rejectionCatalog = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  forbidden: { status: 403, title: 'This role may not do that' },
  account_not_found: { status: 404, title: 'No such account' },
  charge_not_found: { status: 404, title: 'No such charge on this account' },
  device_not_found: { status: 404, title: 'No such device' },
  not_found: { status: 404, title: 'No such resource' },
  idempotency_conflict: { status: 409, title: 'This txId was already used with different content' },
  account_exists: { status: 409, title: 'The account already exists' },
  merchant_exists: { status: 409, title: 'The merchant already exists' },
  device_exists: { status: 409, title: 'The device already exists' },
  concurrency_conflict: { status: 409, title: 'The stream changed concurrently; retry' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'Send application/json' },
  insufficient_funds: { status: 422, title: 'Insufficient funds' },
  limit_exceeded_per_transaction: { status: 422, title: 'Per-transaction limit exceeded' },
  limit_exceeded_daily: { status: 422, title: 'Daily limit exceeded' },
  offline_limit_exceeded: { status: 422, title: 'Offline limit exceeded' },
  account_frozen: { status: 422, title: 'The account is frozen' },
  card_lost: { status: 422, title: 'The card was reported lost or replaced' },
  account_closed: { status: 422, title: 'The account is closed' },
  refund_exceeds_charge: { status: 422, title: 'Refunds would exceed the charge' },
  merchant_not_found: { status: 422, title: 'No such merchant' },
  unknown_device: { status: 422, title: 'Unknown or decommissioned device' },
  device_merchant_mismatch: { status: 422, title: 'The device belongs to another merchant' },
  device_decommissioned: { status: 422, title: 'The device is decommissioned' },
  already_settled: { status: 422, title: 'This business day is already settled for the merchant' },
  bad_signature: { status: 401, title: 'The request signature does not verify' },
  rate_limited: { status: 429, title: 'Too many requests' },
  projection_lagging: { status: 503, title: 'Read models have not reached the requested position' },
  unavailable: { status: 503, title: 'A dependency is unavailable' },
  internal_error: { status: 500, title: 'Internal error' },
} as const;

export type RejectionCode = keyof typeof rejectionCatalog;

/** A command the ledger refuses. Nothing was written when this is thrown. */
export class LedgerRejection extends Error {
  readonly code: RejectionCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: RejectionCode, detail?: string, details?: Record<string, unknown>) {
    super(detail ?? rejectionCatalog[code].title);
    this.name = 'LedgerRejection';
    this.code = code;
    this.details = details;
  }
}

export const isLedgerRejection = (error: unknown): error is LedgerRejection =>
  error instanceof LedgerRejection;
