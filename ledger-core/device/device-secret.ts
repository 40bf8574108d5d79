import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../hash-chain.ts';

// Device secrets are derived, never stored: HMAC-SHA256(masterKey, "deviceId:keyId"). Registering a
// device with a new keyId rotates its secret. The gateway derives the same secret to verify requests.

export const deriveDeviceSecret = (masterKey: string, deviceId: string, keyId: string): string =>
  createHmac('sha256', masterKey).update(`${deviceId}:${keyId}`).digest('hex');

/** Hex HMAC-SHA256 with the device secret over the canonical JSON of the payload without `sig`. */
export const signDevicePayload = (secret: string, payload: Record<string, unknown>): string => {
  const { sig: _ignored, ...unsigned } = payload;
  return createHmac('sha256', secret).update(canonicalJson(unsigned)).digest('hex');
};

export const verifyDevicePayload = (secret: string, payload: Record<string, unknown>): boolean => {
  const claimed = payload.sig;
  if (typeof claimed !== 'string' || !/^[0-9a-f]{64}$/.test(claimed)) return false;
  const expected = signDevicePayload(secret, payload);
  return timingSafeEqual(Buffer.from(claimed, 'hex'), Buffer.from(expected, 'hex'));
};
