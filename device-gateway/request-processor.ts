import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import {
  type CommandContext,
  type CommandHandler,
  deriveDeviceSecret,
  isLedgerRejection,
  logFieldsOfTraceparent,
  type RejectionCode,
  txIdSchema,
  verifyDevicePayload,
} from '../ledger-core/index.ts';
import { answerBalance } from './balance.ts';
import type { DeviceStatusWriter } from './device-status.ts';
import type { Directory } from './directory.ts';
import type { DirectoryDevice } from './directory-state.ts';
import type { GarbageReason } from './metrics.ts';
import { defaultMaxRequestBytes, parseDeviceRequest } from './parse-request.ts';
import {
  type DeviceRequest,
  type DeviceResponse,
  mayDeviceKindSend,
  rejectedResponse,
  txIdOfDeviceRequest,
} from './request-schema.ts';
import { commandOfRequest } from './to-command.ts';

// One request from bytes to exactly one response. The order of the checks is cheapest first, and
// nothing reaches the ledger before the device is known, active and the signature verifies.

/** An offline charge may be this old when it is uploaded (a terminal cut off over a long holiday). */
export const defaultMaxOfflineAgeMs = 30 * 24 * 60 * 60 * 1_000;
/** A device clock may run this far ahead of the gateway's. */
export const defaultMaxClockSkewMs = 5 * 60 * 1_000;
const maxRememberedSecrets = 100_000;

/** Refusals that are not the ledger's final word: the device should send the same request again. */
const transientCodes: ReadonlySet<RejectionCode> = new Set([
  'unavailable',
  'rate_limited',
  'concurrency_conflict',
  'internal_error',
]);

export type ProcessedRequest = {
  response: DeviceResponse;
  requestType: DeviceRequest['type'] | 'unknown';
  garbage?: GarbageReason;
};

export type RequestProcessorOptions = {
  handler: Pick<CommandHandler, 'handle' | 'load'>;
  directory: Pick<Directory, 'findDevice' | 'findCard'>;
  statusWriter: Pick<DeviceStatusWriter, 'recordApplied' | 'recordSeen'>;
  deviceMasterKey: string;
  clock: () => Date;
  logger: Logger;
  maxRequestBytes?: number;
  maxOfflineAgeMs?: number;
  maxClockSkewMs?: number;
};

export const createRequestProcessor = (options: RequestProcessorOptions) => {
  const { handler, directory, statusWriter, logger } = options;
  const maxOfflineAgeMs = options.maxOfflineAgeMs ?? defaultMaxOfflineAgeMs;
  const maxClockSkewMs = options.maxClockSkewMs ?? defaultMaxClockSkewMs;
  const secrets = new LRUCache<string, string>({ max: maxRememberedSecrets });

  const secretOf = (device: DirectoryDevice): string => {
    const key = `${device.deviceId}:${device.keyId}`;
    let secret = secrets.get(key);
    if (secret === undefined) {
      secret = deriveDeviceSecret(options.deviceMasterKey, device.deviceId, device.keyId);
      secrets.set(key, secret);
    }
    return secret;
  };

  const offlineTimeIsPlausible = (request: DeviceRequest, now: Date): boolean => {
    if (request.type !== 'charge' || request.offline !== true) return true;
    const age = now.getTime() - new Date(request.occurredAt).getTime();
    return age <= maxOfflineAgeMs && age >= -maxClockSkewMs;
  };

  const decide = async (
    request: DeviceRequest,
    device: DirectoryDevice,
    txId: string,
    traceparent: string | undefined,
  ): Promise<DeviceResponse> => {
    const card = await directory.findCard(request.cardNo);
    if (!card) return rejectedResponse(request.seq, 'account_not_found', txId);
    if (request.type === 'balance') return answerBalance(handler, request, card, txId);
    const context: CommandContext = {
      correlationId: txId,
      causationId: txId,
      actor: { type: device.kind, id: device.deviceId },
      ...(traceparent ? { traceparent } : {}),
    };
    const command = commandOfRequest({
      request,
      device,
      accountId: card.accountId,
      txId,
      now: options.clock(),
    });
    const outcome = await handler.handle(command, context);
    return {
      seq: request.seq,
      status: 'accepted',
      txId,
      ...(outcome.balance === undefined ? {} : { balance: outcome.balance }),
      position: outcome.position.toString(),
      replayed: outcome.replayed,
    };
  };

  const process = async (
    deviceId: string,
    payload: Buffer,
    traceparent?: string,
  ): Promise<ProcessedRequest> => {
    const parsed = parseDeviceRequest(payload, options.maxRequestBytes ?? defaultMaxRequestBytes);
    if (!parsed.ok) {
      const txId = parsed.seq === null ? undefined : txIdOfDeviceRequest(deviceId, parsed.seq);
      return {
        response: rejectedResponse(parsed.seq, 'validation_failed', txId),
        requestType: 'unknown',
        garbage: parsed.reason,
      };
    }
    const { request, raw } = parsed;
    const txId = txIdOfDeviceRequest(deviceId, request.seq);
    const refuse = (code: RejectionCode, garbage?: GarbageReason): ProcessedRequest => ({
      response: rejectedResponse(request.seq, code, txId),
      requestType: request.type,
      ...(garbage ? { garbage } : {}),
    });
    if (!txIdSchema.safeParse(txId).success) return refuse('validation_failed', 'invalid');
    const device = await directory.findDevice(deviceId);
    if (!device?.active) return refuse('unknown_device', 'unknown_device');
    if (!verifyDevicePayload(secretOf(device), raw)) return refuse('bad_signature', 'bad_signature');

    // From here the seq is the device's own (the signature verified): every final answer counts it as
    // applied for gap tracking; only a transient refusal leaves it open for the device's resend.
    const now = options.clock();
    statusWriter.recordSeen(deviceId, now);
    const settle = (code: RejectionCode, garbage?: GarbageReason) => {
      statusWriter.recordApplied(deviceId, request.seq);
      return refuse(code, garbage);
    };
    if (!mayDeviceKindSend(device.kind, request.type)) return settle('forbidden');
    if (!offlineTimeIsPlausible(request, now)) return settle('validation_failed', 'invalid');

    try {
      const response = await decide(request, device, txId, traceparent);
      statusWriter.recordApplied(deviceId, request.seq);
      return { response, requestType: request.type };
    } catch (error) {
      if (isLedgerRejection(error)) {
        return transientCodes.has(error.code) ? refuse(error.code) : settle(error.code);
      }
      logger.error(
        { err: error, txId, ...logFieldsOfTraceparent(traceparent) },
        'device request failed; the device will send it again',
      );
      return refuse('unavailable');
    }
  };

  return { process };
};

export type RequestProcessor = ReturnType<typeof createRequestProcessor>;
