import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AuditLedger, openAuditLedger } from '../../audit/testing.ts';
import { applyEventsInTransaction, decodeRecordedEvent, migrateReadModels } from '../../projections/index.ts';
import { createIsolatedSchema, type IsolatedSchema } from '../../testing/postgres-schema.ts';
import { serviceAvailable } from '../../testing/services.ts';
import type { CliDeps } from './cli-deps.ts';
import type { CliIo } from './cli-io.ts';
import { registerReconcileCommand } from './reconcile.ts';
import { registerReplayCommand } from './replay.ts';
import { registerSettleCommand } from './settle.ts';
import { registerVerifyChainCommand } from './verify-chain.ts';

const postgresUp = await serviceAvailable('postgres');
const timeZone = 'Asia/Shanghai';
const fixtures = new URL('../../audit/fixtures/', import.meta.url);

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

describe.skipIf(!postgresUp)('the audit and finance verbs, run through commander', () => {
  let ledger: AuditLedger;
  let readModels: IsolatedSchema;
  let directory: string;
  let depsOpened = 0;

  /** Runs `ledger <args>` and returns what it printed and its exit code. */
  const ledgerCli = async (...args: string[]) => {
    const output = { out: '', err: '', code: 0 };
    const io: CliIo = {
      out: (text) => {
        output.out += `${text}\n`;
      },
      err: (text) => {
        output.err += `${text}\n`;
      },
      progressStream: undefined,
      setExitCode: (code) => {
        output.code = code;
      },
      exit: (code) => {
        throw new Exited(code);
      },
      now: () => new Date('2024-05-10T00:00:00Z'),
    };
    const loadDeps = async (): Promise<CliDeps> => {
      depsOpened += 1;
      return {
        store: ledger.store,
        db: readModels.db,
        handler: ledger.handler,
        timeZone,
        logger: pino({ level: 'silent' }),
        close: async () => undefined,
      };
    };
    const program = new Command('ledger');
    for (const register of [
      registerVerifyChainCommand,
      registerReplayCommand,
      registerReconcileCommand,
      registerSettleCommand,
    ]) {
      register(program, loadDeps, io);
    }
    try {
      await program.parseAsync(args, { from: 'user' });
    } catch (error) {
      if (!(error instanceof Exited)) throw error;
      output.code = error.code;
    }
    return output;
  };

  beforeAll(async () => {
    ledger = await openAuditLedger(timeZone);
    readModels = await createIsolatedSchema('cli');
    await migrateReadModels(readModels.db);
    directory = mkdtempSync(path.join(tmpdir(), 'ledger-cli-'));
    ledger.setClock('2024-04-30T15:00:00Z');
    await ledger.run({
      type: 'RegisterMerchant',
      merchantId: 'canteen',
      name: 'Canteen',
      category: 'canteen',
    });
    await ledger.run({
      type: 'OpenAccount',
      accountId: 'w1',
      holderName: 'W',
      holderType: 'student',
      cardNo: '6222000000001',
    });
    // 2024-05-01 00:30 in Shanghai: the business day that is reconciled and settled below.
    ledger.setClock('2024-04-30T16:30:00Z');
    await ledger.run({
      type: 'TopUp',
      accountId: 'w1',
      txId: 'wx-1',
      amount: '100.00',
      channel: 'wechat',
      externalRef: 'WX-ORD-1',
    });
    await ledger.run({
      type: 'Charge',
      accountId: 'w1',
      txId: 'chg-w1',
      amount: '20.00',
      merchantId: 'canteen',
    });
    await ledger.run({
      type: 'Refund',
      accountId: 'w1',
      txId: 'WX-REF-1',
      chargeTxId: 'chg-w1',
      amount: '5.00',
    });
    const events = await ledger.store.readAll({ fromPosition: 0n, maxCount: 1_000 });
    await applyEventsInTransaction(
      readModels.db,
      events.flatMap((event) => {
        const decoded = decodeRecordedEvent(event);
        return decoded.ok ? [decoded.event] : [];
      }),
      { timeZone },
    );
  });
  afterAll(async () => {
    rmSync(directory, { recursive: true, force: true });
    await readModels?.drop();
    await ledger?.cleanup();
  });
  beforeEach(() => {
    depsOpened = 0;
  });

  it('prints help for each verb and exits 0 without opening anything', async () => {
    for (const verb of ['verify-chain', 'replay', 'reconcile', 'settle']) {
      const result = await ledgerCli(verb, '--help');
      expect(result.code).toBe(0);
      expect(result.out).toContain(`Usage: ledger ${verb}`);
      expect(result.out).toContain('Exit code:');
    }
    expect(depsOpened).toBe(0);
  });

  it('verify-chain: 0 and a summary on an intact ledger; --json for machines', async () => {
    const plain = await ledgerCli('verify-chain');
    expect(plain).toMatchObject({ code: 0, err: '' });
    expect(plain.out).toContain('verified 5 events in 2 streams through position 5');
    const json = await ledgerCli('verify-chain', '--stream', 'account-w1', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, eventsChecked: 4, breaks: [] });
  });

  it('replay --verify: 0 when equal; refuses bad points with 2', async () => {
    const verified = await ledgerCli('replay', '--verify', '--json');
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.out)).toMatchObject({
      ok: true,
      targetPosition: '5',
      events: 5,
      verification: { equal: true },
    });
    expect((await ledgerCli('replay', '--to', 'five')).code).toBe(2);
    expect((await ledgerCli('replay', '--to', '3', '--as-of', '2024-05-01T00:00:00Z')).code).toBe(2);
    const elsewhere = await ledgerCli('replay', '--to', '3', '--verify');
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.err).toContain('the live read models stand at position 5, not 3');
    const asOf = await ledgerCli('replay', '--as-of', '2024-05-01T00:00:00+08:00');
    expect(asOf.code).toBe(0);
    expect(asOf.out).toContain('replayed 2 events to position 2 (as of 2024-04-30T16:00:00.000Z)');
  });

  it('reconcile: writes the report, exits 1 on unmatched lines; a malformed statement writes nothing and exits 2', async () => {
    const out = path.join(directory, 'wechat.csv');
    const result = await ledgerCli(
      'reconcile',
      '--channel',
      'wechat',
      '--date',
      '2024-05-01',
      '--statement',
      new URL('wechat-2024-05-01.csv', fixtures).pathname,
      '--out',
      out,
      '--json',
    );
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.out);
    expect(summary.totals.matched).toEqual({ count: 2, statementAmount: '105.00', ledgerAmount: '105.00' });
    expect(summary.report).toBe(out);
    const report = readFileSync(out, 'utf8').split('\n');
    expect(report[0]).toBe(
      'record,class,kind,reference,count,statement_line,statement_amount,ledger_amount,channel_tx_id,ledger_tx_id,account_id,ledger_position',
    );
    expect(report).toContain(
      'item,matched,top-up,WX-ORD-1,1,2,100.00,100.00,4200000001202405010000000001,wx-1,w1,3',
    );
    expect(report).toContain('total,duplicate_in_statement,,,1,,100.00,0.00');

    const broken = path.join(directory, 'broken.csv');
    writeFileSync(
      broken,
      readFileSync(new URL('wechat-2024-05-01.csv', fixtures), 'utf8').replace('`55.00', '`55.0.0'),
    );
    const brokenOut = path.join(directory, 'broken-report.json');
    const refused = await ledgerCli(
      'reconcile',
      '--channel',
      'wechat',
      '--date',
      '2024-05-01',
      '--statement',
      broken,
      '--out',
      brokenOut,
    );
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('statement line 3: 应结订单金额');
    expect(existsSync(brokenOut)).toBe(false);

    expect(
      (await ledgerCli('reconcile', '--channel', 'paypal', '--date', '2024-05-01', '--statement', broken))
        .code,
    ).toBe(2);
    expect(
      (
        await ledgerCli(
          'reconcile',
          '--channel',
          'wechat',
          '--date',
          '2024-05-01',
          '--statement',
          broken,
          '--out',
          'x.txt',
        )
      ).code,
    ).toBe(2);
    expect((await ledgerCli('reconcile', '--channel', 'wechat', '--date', '2024-05-01')).code).toBe(2);
    expect(
      (
        await ledgerCli(
          'reconcile',
          '--channel',
          'wechat',
          '--date',
          '2024-05-01',
          '--statement',
          path.join(directory, 'none.csv'),
        )
      ).code,
    ).toBe(2);
  });

  it('settle: settles once, the second run settles nothing and still exits 0', async () => {
    const first = await ledgerCli('settle', '--date', '2024-05-01');
    expect(first.code).toBe(0);
    expect(first.out).toContain('settled 1 merchants for 2024-05-01, payout 15.00');
    const second = await ledgerCli('settle', '--date', '2024-05-01', '--json');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.out)).toMatchObject({
      settled: 0,
      alreadySettled: 1,
      lines: [{ merchantId: 'canteen', status: 'already_settled', payout: '15.00' }],
    });
    const again = await ledgerCli('settle', '--date', '2024-05-01');
    expect(again.out).toContain('nothing settled: 2024-05-01 was already settled for all 1 merchants');
    expect((await ledgerCli('settle', '--date', '2024-13-01')).code).toBe(2);
    expect((await ledgerCli('settle', '--date', '2024-05-10')).code).toBe(2);
  });

  it('verify-chain: exits 1 and names the edited event', async () => {
    await ledger.sql.query(
      `UPDATE ledger_events SET data = jsonb_set(data, '{amount}', '"1000.00"') WHERE position = 3`,
    );
    const result = await ledgerCli('verify-chain');
    expect(result.code).toBe(1);
    expect(result.out).toContain('BROKEN  account-w1  revision 1  position 3  hash_mismatch');
  });
});
