import type { DeviceResponse } from '../../device-gateway/index.ts';
import type { CommandHandler, LedgerCommandInput } from '../../ledger-core/index.ts';
import { formatMoney, ledgerCommandSchema } from '../../ledger-core/index.ts';
import type { Asked, Fleet } from './fleet.ts';
import {
  type ExpectedAnswer,
  expectBillPayment,
  expectCharge,
  expectRefund,
  expectTopUp,
  newStudentModel,
  refundOfLastCharge,
  replaceCard,
  type StudentModel,
} from './oracle.ts';
import { runTimeMs } from './rush-curve.ts';
import type { StudentScript, StudentStep } from './student-scripts.ts';

// Plays one student's script in order against the real terminals, and checks each answer against the
// reference model: status, refusal code and the balance the ledger reports.

export type RequestRecord = {
  accountId: string;
  deviceId: string;
  kind: StudentStep['kind'];
  offline: boolean;
  asked: Asked;
  expected: ExpectedAnswer;
  duplicatesInjected: number;
};

export type ActorContext = {
  fleet: Fleet;
  handler: CommandHandler;
  runStart: number;
  runDurationMs: number;
  record: (record: RequestRecord) => void;
  violation: (text: string) => void;
};

const adminContext = {
  correlationId: 'lunch-rush',
  causationId: 'lunch-rush',
  actor: { type: 'admin' as const, id: 'lunch-rush' },
};

const sameAnswer = (expected: ExpectedAnswer, actual: DeviceResponse | undefined): boolean =>
  actual !== undefined &&
  actual.status === expected.status &&
  (expected.code === undefined || actual.code === expected.code) &&
  (expected.balance === undefined || actual.balance === expected.balance);

export const playStudent = async (script: StudentScript, context: ActorContext): Promise<StudentModel> => {
  const { fleet } = context;
  const { student } = script;
  const model = newStudentModel(student.cardNo, student.openingTopUp);
  let billCount = 0;

  const check = (
    deviceId: string,
    step: StudentStep,
    asked: Asked,
    expected: ExpectedAnswer,
    offline: boolean,
    copies = 1,
  ) => {
    context.record({
      accountId: student.accountId,
      deviceId,
      kind: step.kind,
      offline,
      asked,
      expected,
      duplicatesInjected: copies - 1,
    });
    if (!asked.response) {
      context.violation(`${student.accountId} ${step.kind} at ${deviceId} seq ${asked.seq}: no response`);
    } else if (!sameAnswer(expected, asked.response)) {
      context.violation(
        `${student.accountId} ${step.kind} at ${deviceId} seq ${asked.seq}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(asked.response)}`,
      );
    }
  };

  for (const step of script.steps) {
    const plannedAt = runTimeMs(step.atMinute, context.runDurationMs);
    const wait = context.runStart + plannedAt - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const occurredAt = new Date().toISOString();
    switch (step.kind) {
      case 'charge': {
        const cardNo = step.useOldCard ? student.cardNo : model.currentCardNo;
        const offline = !step.useOldCard && fleet.plannedOffline(step.deviceId, plannedAt);
        if (!offline) await fleet.waitUntilOnline(step.deviceId);
        const request = { type: 'charge' as const, cardNo, amount: step.amount, occurredAt };
        const asked = offline
          ? await fleet.askOffline(step.deviceId, request)
          : await fleet.ask(step.deviceId, request, step.copies);
        const expected = expectCharge(model, {
          cardNo,
          amount: step.amount,
          offline,
          deviceId: step.deviceId,
          seq: asked.seq,
        });
        check(step.deviceId, step, asked, expected, offline, offline ? 1 : step.copies);
        break;
      }
      case 'refund-last-charge': {
        const refund = refundOfLastCharge(model);
        if (!refund) break;
        await fleet.waitUntilOnline(refund.charge.deviceId);
        const asked = await fleet.ask(
          refund.charge.deviceId,
          {
            type: 'refund',
            cardNo: model.currentCardNo,
            amount: refund.amount,
            chargeSeq: refund.charge.seq,
            occurredAt,
          },
          1,
        );
        check(refund.charge.deviceId, step, asked, expectRefund(model, refund), false);
        break;
      }
      case 'top-up': {
        const asked = await fleet.ask(
          step.deviceId,
          { type: 'top-up', cardNo: model.currentCardNo, amount: step.amount, occurredAt },
          1,
        );
        check(step.deviceId, step, asked, expectTopUp(model, step.amount), false);
        break;
      }
      case 'bill-payment': {
        billCount += 1;
        const cardNo = model.currentCardNo;
        const asked = await fleet.ask(
          step.deviceId,
          {
            type: 'bill-payment',
            cardNo,
            amount: step.amount,
            payee: step.payee,
            billRef: `${student.accountId}-bill-${billCount}`,
            occurredAt,
          },
          1,
        );
        check(step.deviceId, step, asked, expectBillPayment(model, cardNo, step.amount), false);
        break;
      }
      case 'balance': {
        await fleet.waitUntilOnline(step.deviceId);
        const asked = await fleet.ask(
          step.deviceId,
          { type: 'balance', cardNo: model.currentCardNo, occurredAt },
          1,
        );
        check(step.deviceId, step, asked, { status: 'accepted', balance: formatMoney(model.balance) }, false);
        break;
      }
      case 'report-lost-and-replace': {
        const at = new Date().toISOString();
        const run = (command: LedgerCommandInput) =>
          context.handler.handle(ledgerCommandSchema.parse(command), adminContext);
        await run({ type: 'ReportCardLost', accountId: student.accountId, occurredAt: at });
        await run({
          type: 'ReplaceCard',
          accountId: student.accountId,
          newCardNo: step.newCardNo,
          occurredAt: at,
        });
        replaceCard(model, step.newCardNo);
        break;
      }
    }
  }
  return model;
};
