import type { Knex } from 'knex';
import { authorize, noQuerySchema, problemResponses, type ZodFastify } from '../http-kit/index.ts';
import { LedgerRejection } from '../ledger-core/index.ts';
import { queryAccess } from './access.ts';
import type { QueryRouteDeps } from './query-deps.ts';
import { instantText } from './rows.ts';
import { deviceIdParamsSchema, deviceSchema, readYourWritesHeadersSchema } from './schemas.ts';

// A terminal: its registration (devices read model) and what the device gateway last saw of it
// (device_status, written by the gateway). A deployment without a gateway has no device_status table;
// the device then has presence `unknown`.

type DeviceRow = {
  device_id: string;
  merchant_id: string;
  kind: 'pos' | 'kiosk';
  key_id: string;
  status: 'active' | 'decommissioned';
  position: string;
};
type StatusRow = {
  presence: 'online' | 'offline';
  last_seen_at: Date | null;
  last_seq: string;
  highest_contiguous_seq: string;
  gaps: Array<{ from: number; to: number }> | string;
};

const undefinedTableCode = '42P01';

const readStatus = async (db: Knex, deviceId: string): Promise<StatusRow | undefined> => {
  try {
    return await db('device_status')
      .select(
        'presence',
        'last_seen_at',
        db.raw('last_seq::text AS last_seq'),
        db.raw('highest_contiguous_seq::text AS highest_contiguous_seq'),
        'gaps',
      )
      .where('device_id', deviceId)
      .first();
  } catch (error) {
    if ((error as { code?: string }).code === undefinedTableCode) return undefined;
    throw error;
  }
};

export const registerDeviceRoute = (app: ZodFastify, { db, readYourWrites }: QueryRouteDeps): void => {
  app.get(
    '/v1/devices/:id',
    {
      schema: {
        summary: 'A terminal: registration, presence, last seen, last seq and gaps',
        tags: ['devices'],
        security: [{ bearerAuth: [] }],
        headers: readYourWritesHeadersSchema,
        params: deviceIdParamsSchema,
        querystring: noQuerySchema,
        response: { 200: deviceSchema, ...problemResponses },
      },
      onRequest: authorize(queryAccess.device),
      preHandler: readYourWrites,
    },
    async (request) => {
      const { id } = request.params;
      const device: DeviceRow | undefined = await db('devices')
        .select('device_id', 'merchant_id', 'kind', 'key_id', 'status', db.raw('position::text AS position'))
        .where('device_id', id)
        .first();
      if (!device) throw new LedgerRejection('device_not_found', `no device ${id}`);
      const status = await readStatus(db, id);
      const gaps: Array<{ from: number; to: number }> =
        typeof status?.gaps === 'string' ? JSON.parse(status.gaps) : (status?.gaps ?? []);
      return {
        deviceId: device.device_id,
        merchantId: device.merchant_id,
        kind: device.kind,
        keyId: device.key_id,
        status: device.status,
        position: device.position,
        presence: status?.presence ?? ('unknown' as const),
        lastSeenAt: status?.last_seen_at ? instantText(status.last_seen_at) : null,
        lastSeq: status ? Number(status.last_seq) : null,
        highestContiguousSeq: status ? Number(status.highest_contiguous_seq) : null,
        gaps,
      };
    },
  );
};
