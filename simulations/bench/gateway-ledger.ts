import type { Knex } from 'knex';
import knex from 'knex';
import { migrateDeviceStatus } from '../../device-gateway/index.ts';
import { createPgClient, createSqlEventStore, migrateEventStoreSchema } from '../../event-store/index.ts';
import {
  type CommandContext,
  type CommandHandler,
  createCommandHandler,
  deriveDeviceSecret,
  type EventStore,
  formatMoney,
  fromFen,
  type LedgerCommandInput,
  ledgerCommandSchema,
} from '../../ledger-core/index.ts';
import type { TerminalCredentials } from '../terminals/index.ts';
import { type LoadFigures, runClosedLoop } from './load-loop.ts';

// The ledger the gateway benchmark runs on: real Postgres in a schema of its own (dropped afterwards),
// one canteen, its POS terminals, and cards with enough money and headroom for every phase.

export const benchMerchantId = 'bench-canteen';
const benchContext: CommandContext = {
  correlationId: 'bench-gateway',
  causationId: 'bench-gateway',
  actor: { type: 'system', id: 'bench-gateway' },
};
const seedConcurrency = 256;
/**
 * Enough for every charge of a long run of rounds (about 95,000 meals a card), and a daily limit as
 * high: a card that ran dry would turn the later rounds into a measure of refusals, not of charges.
 */
const openingBalance = '1000000.00';
const dailyLimit = '1000000.00';
/** Charges of 1.00 to 20.00: a canteen meal, and far below the per-transaction and daily limits. */
export const benchAmountFen = { min: 100, max: 2_000 } as const;

export type BenchLedger = {
  store: EventStore;
  handler: CommandHandler;
  db: Knex;
  terminals: TerminalCredentials[];
  cards: string[];
  close: () => Promise<void>;
};

export const cardNoOfBench = (index: number) => `6280${String(index).padStart(8, '0')}`;
export const accountOfBenchCard = (cardNo: string) => `bench-${cardNo}`;

const inChunks = async <Item>(items: Item[], work: (item: Item) => Promise<void>) => {
  for (let start = 0; start < items.length; start += seedConcurrency) {
    await Promise.all(items.slice(start, start + seedConcurrency).map(work));
  }
};

export const openBenchLedger = async (options: {
  databaseUrl: string;
  schema: string;
  deviceMasterKey: string;
  terminals: number;
  cards: number;
  timeZone: string;
}): Promise<BenchLedger> => {
  const sql = createPgClient({ connectionString: options.databaseUrl, schema: options.schema });
  await migrateEventStoreSchema(sql, options.schema);
  const store = createSqlEventStore(sql);
  const handler = createCommandHandler({ store, timeZone: options.timeZone });
  const db = knex({
    client: 'pg',
    connection: options.databaseUrl,
    searchPath: [options.schema],
    pool: { min: 0, max: 4 },
  });
  await migrateDeviceStatus(db);
  const occurredAt = new Date().toISOString();
  const run = async (command: LedgerCommandInput) => {
    await handler.handle(ledgerCommandSchema.parse(command), benchContext);
  };

  await run({
    type: 'RegisterMerchant',
    occurredAt,
    merchantId: benchMerchantId,
    name: 'Bench Canteen',
    category: 'canteen',
  });
  const deviceIds = Array.from({ length: options.terminals }, (_, index) => `bench-pos-${index + 1}`);
  await inChunks(deviceIds, (deviceId) =>
    run({
      type: 'RegisterDevice',
      occurredAt,
      deviceId,
      merchantId: benchMerchantId,
      kind: 'pos',
      keyId: 'k1',
    }),
  );
  const cards = Array.from({ length: options.cards }, (_, index) => cardNoOfBench(index));
  await inChunks(cards, async (cardNo) => {
    const accountId = accountOfBenchCard(cardNo);
    await run({
      type: 'OpenAccount',
      occurredAt,
      accountId,
      holderName: accountId,
      holderType: 'student',
      cardNo,
      limits: { perTransaction: '500.00', daily: dailyLimit },
    });
    await run({
      type: 'TopUp',
      occurredAt,
      accountId,
      txId: `bench-open-${cardNo}`,
      amount: openingBalance,
      channel: 'bank',
    });
  });

  return {
    store,
    handler,
    db,
    terminals: deviceIds.map((deviceId) => ({
      deviceId,
      secret: deriveDeviceSecret(options.deviceMasterKey, deviceId, 'k1'),
    })),
    cards,
    close: async () => {
      await handler.close();
      await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [options.schema]);
      await db.destroy();
      await store.close();
    },
  };
};

/**
 * The command handler's own rate, measured the way the gateway uses it: the same charges (with device
 * and card, so the same reference checks), from `concurrency` callers that each wait for their answer.
 */
export const measureHandlerRate = (
  ledger: BenchLedger,
  options: { seconds: number; concurrency: number; random: () => number },
): Promise<LoadFigures> =>
  runClosedLoop({
    concurrency: options.concurrency,
    seconds: options.seconds,
    operation: async (caller, sequence) => {
      const cardNo = ledger.cards[Math.floor(options.random() * ledger.cards.length)] as string;
      const span = benchAmountFen.max - benchAmountFen.min + 1;
      const fen = benchAmountFen.min + Math.floor(options.random() * span);
      await ledger.handler.handle(
        {
          type: 'Charge',
          accountId: accountOfBenchCard(cardNo),
          txId: `bench-direct-${caller}-${sequence}`,
          amount: formatMoney(fromFen(BigInt(fen))),
          merchantId: benchMerchantId,
          deviceId: ledger.terminals[caller % ledger.terminals.length]?.deviceId as string,
          cardNo,
          offline: false,
          occurredAt: new Date().toISOString(),
        },
        benchContext,
      );
    },
  });
