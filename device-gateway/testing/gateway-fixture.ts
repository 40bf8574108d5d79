import type { Knex } from 'knex';
import { pino } from 'pino';
import { createPgClient, createSqlEventStore, migrateEventStoreSchema } from '../../event-store/index.ts';
import {
  type AccountState,
  type CommandContext,
  type CommandHandler,
  createCommandHandler,
  deriveDeviceSecret,
  type EventStore,
  formatMoney,
  type LedgerCommandInput,
  ledgerCommandSchema,
  type RecordedEvent,
  startPosition,
} from '../../ledger-core/index.ts';
import { createIsolatedSchema } from '../../testing/postgres-schema.ts';
import { serviceUrls, uniqueName } from '../../testing/services.ts';
import {
  type DeviceGateway,
  type DeviceGatewayOptions,
  migrateDeviceStatus,
  startDeviceGateway,
} from '../index.ts';

// A ledger on real Postgres in a schema of its own, a small campus in it, and a gateway on a topic
// prefix of its own: what every gateway integration test starts from.

export const testMasterKey = 'device-gateway-test-master-key';
export const timeZone = 'Asia/Shanghai';
const adminContext: CommandContext = {
  correlationId: 'test-setup',
  causationId: 'test-setup',
  actor: { type: 'admin', id: 'test' },
};

export type GatewayFixture = {
  prefix: string;
  store: EventStore;
  handler: CommandHandler;
  db: Knex;
  gateway: DeviceGateway;
  run: (command: LedgerCommandInput) => Promise<void>;
  openAccount: (accountId: string, cardNo: string, topUp?: string) => Promise<void>;
  registerDevice: (deviceId: string, merchantId: string, kind: 'pos' | 'kiosk') => Promise<void>;
  credentialsOf: (deviceId: string) => { deviceId: string; secret: string };
  balanceOf: (accountId: string) => Promise<string>;
  headPosition: () => Promise<bigint>;
  allEvents: () => Promise<RecordedEvent[]>;
  restartGateway: (overrides?: Partial<DeviceGatewayOptions>) => Promise<DeviceGateway>;
  stop: () => Promise<void>;
};

export const startGatewayFixture = async (
  overrides: Partial<DeviceGatewayOptions> = {},
): Promise<GatewayFixture> => {
  const isolated = await createIsolatedSchema('gw');
  const sql = createPgClient({ connectionString: serviceUrls.postgres, schema: isolated.schema });
  await migrateEventStoreSchema(sql, isolated.schema);
  const store = createSqlEventStore(sql);
  const handler = createCommandHandler({ store, timeZone });
  await migrateDeviceStatus(isolated.db);
  const prefix = `${uniqueName('test')}/campus/v1`;
  const occurredAt = new Date().toISOString();

  const run = async (command: LedgerCommandInput) => {
    await handler.handle(ledgerCommandSchema.parse(command), adminContext);
  };
  const registerDevice = (deviceId: string, merchantId: string, kind: 'pos' | 'kiosk') =>
    run({ type: 'RegisterDevice', occurredAt, deviceId, merchantId, kind, keyId: 'k1' });
  const openAccount = async (accountId: string, cardNo: string, topUp?: string) => {
    await run({
      type: 'OpenAccount',
      occurredAt,
      accountId,
      holderName: accountId,
      holderType: 'student',
      cardNo,
    });
    if (topUp) {
      await run({
        type: 'TopUp',
        occurredAt,
        accountId,
        txId: `open-${accountId}`,
        amount: topUp,
        channel: 'bank',
      });
    }
  };

  await run({
    type: 'RegisterMerchant',
    occurredAt,
    merchantId: 'canteen-1',
    name: 'Canteen',
    category: 'canteen',
  });
  await run({ type: 'RegisterMerchant', occurredAt, merchantId: 'shop-1', name: 'Shop', category: 'shop' });
  await run({
    type: 'RegisterMerchant',
    occurredAt,
    merchantId: 'utility',
    name: 'Utility',
    category: 'utility',
  });
  await registerDevice('pos-1', 'canteen-1', 'pos');
  await registerDevice('pos-2', 'shop-1', 'pos');
  await registerDevice('kiosk-1', 'utility', 'kiosk');
  await registerDevice('pos-old', 'canteen-1', 'pos');
  await run({ type: 'DecommissionDevice', occurredAt, deviceId: 'pos-old' });

  const start = (extra: Partial<DeviceGatewayOptions> = {}) =>
    startDeviceGateway({
      mqttUrl: serviceUrls.mqtt,
      handler,
      store,
      db: isolated.db,
      deviceMasterKey: testMasterKey,
      timeZone,
      logger: pino({ level: process.env.GATEWAY_TEST_LOG ?? 'silent' }),
      topicPrefix: prefix,
      statusFlushIntervalMs: 50,
      ...overrides,
      ...extra,
    });
  let gateway = await start();

  return {
    prefix,
    store,
    handler,
    db: isolated.db,
    get gateway() {
      return gateway;
    },
    run,
    openAccount,
    registerDevice,
    credentialsOf: (deviceId) => ({ deviceId, secret: deriveDeviceSecret(testMasterKey, deviceId, 'k1') }),
    balanceOf: async (accountId) => {
      const { state } = await handler.load(`account-${accountId}`);
      return formatMoney((state as AccountState).balance);
    },
    headPosition: () => store.headPosition(),
    allEvents: async () => {
      const events: RecordedEvent[] = [];
      for (;;) {
        const from = events[events.length - 1]?.position ?? startPosition;
        const batch = await store.readAll({ fromPosition: from, maxCount: 5_000 });
        if (batch.length === 0) return events;
        events.push(...batch);
      }
    },
    restartGateway: async (extra) => {
      await gateway.stop();
      gateway = await start(extra);
      return gateway;
    },
    stop: async () => {
      await gateway.stop();
      await handler.close();
      await isolated.drop();
      await store.close();
    },
  };
};
