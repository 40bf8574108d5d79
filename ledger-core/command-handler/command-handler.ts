import { trace } from '@opentelemetry/api';
import { isMoneyCommand, type LedgerCommand, type MoneyCommand, streamOfCommand } from '../commands.ts';
import type { Dated } from '../decider.ts';
import type {
  AppendOutcome,
  AppendRequest,
  EventStore,
  NewEvent,
  RecordedEvent,
} from '../event-store/port.ts';
import { currentEventSchemaVersion } from '../events.ts';
import type { CommandContext, NewEventMetadata } from '../metadata.ts';
import { isLedgerRejection, LedgerRejection } from '../rejection.ts';
import { inSpan, recordChildSpan, type Span, traceparentOfSpan } from '../tracing.ts';
import { type AggregateState, type AnyDecider, createAggregates, toDatedEvent } from './aggregates.ts';
import { answerFromHistory, mayBeLateDuplicate, stateToDecide } from './older-moves.ts';
import { createReferenceChecks } from './reference-checks.ts';
import { type CachedStream, createStateCache, defaultStateCacheMaxStreams } from './state-cache.ts';
import { type CommandOutcome, unchangedOutcome, withBalance } from './unchanged-outcome.ts';

export type { CommandOutcome } from './unchanged-outcome.ts';

/** Hooks for metrics; the handler itself does no I/O beyond the store. */
export type CommandHandlerObserver = {
  onAppend?: (info: { commands: number; events: number; durationMs: number }) => void;
  /** Every command's end: `accepted`, `replayed`, or the rejection code (`error` for a failure). */
  onCommand?: (info: { type: LedgerCommand['type']; outcome: string; durationMs: number }) => void;
};

export type CommandHandlerOptions = {
  store: EventStore;
  timeZone: string;
  maxBatchSize?: number;
  /** Appends in flight at once: the next batch is decided while the last one commits. */
  maxAppendsInFlight?: number;
  maxQueuedCommands?: number;
  maxConflictRetries?: number;
  stateCacheMaxStreams?: number;
  /** Money moves each cached account state keeps (see account/state.ts); older ones are read back. */
  recentMovesKept?: number;
  observer?: CommandHandlerObserver;
};

export type CommandHandler = {
  handle: (command: LedgerCommand, context: CommandContext) => Promise<CommandOutcome>;
  /** A stream's current state, read through the cache and brought up to date from the store. */
  load: (streamId: string) => Promise<CachedStream>;
  queueLength: () => number;
  /** Waits for the commands already queued, then refuses new ones. */
  close: () => Promise<void>;
};

export const defaultMaxBatchSize = 256;
export const defaultMaxAppendsInFlight = 2;
/** Below this many queued commands a lone batch takes them all rather than half (see takeBatch). */
const minSplitBatch = 8;
export const defaultMaxQueuedCommands = 20_000;
export const defaultMaxConflictRetries = 8;
const streamReadPageSize = 5_000;

type Job = {
  command: LedgerCommand;
  context: CommandContext;
  streamId: string;
  attempts: number;
  span: Span;
  resolve: (outcome: CommandOutcome) => void;
  reject: (error: unknown) => void;
};

export const createCommandHandler = (options: CommandHandlerOptions): CommandHandler => {
  const { store } = options;
  const maxBatchSize = options.maxBatchSize ?? defaultMaxBatchSize;
  const maxQueuedCommands = options.maxQueuedCommands ?? defaultMaxQueuedCommands;
  const maxConflictRetries = options.maxConflictRetries ?? defaultMaxConflictRetries;
  const aggregates = createAggregates(options.timeZone, options.recentMovesKept);
  const cache = createStateCache(options.stateCacheMaxStreams ?? defaultStateCacheMaxStreams);
  const references = createReferenceChecks(store);
  const maxAppendsInFlight = options.maxAppendsInFlight ?? defaultMaxAppendsInFlight;
  const queue: Job[] = [];
  /** Streams of the batches being decided or appended: their next commands wait for the outcome. */
  const busyStreams = new Set<string>();
  let batchesInFlight = 0;
  let pumpScheduled = false;
  let closed = false;
  let idle: Promise<void> = Promise.resolve();
  let markIdle: (() => void) | undefined;

  /** Brings a stream's state up to date from `from` (or from scratch), reading only what it lacks. */
  const catchUp = async (streamId: string, from?: CachedStream): Promise<CachedStream> => {
    const decider = aggregates.deciderOf(streamId);
    let state: AggregateState = from?.state ?? decider.initialState();
    let lastPosition = from?.lastPosition ?? 0n;
    for (;;) {
      const events = await store.readStream(streamId, {
        fromRevision: state.revision + 1,
        maxCount: streamReadPageSize,
      });
      for (const event of events) {
        state = decider.evolve(state, toDatedEvent(event));
        lastPosition = event.position;
      }
      if (events.length < streamReadPageSize) break;
    }
    const entry = { state, lastPosition };
    cache.set(streamId, entry);
    return entry;
  };

  const load = async (streamId: string) => catchUp(streamId, cache.get(streamId));

  /**
   * The next decision for the stream reads what the store has beyond the cached state first. The state
   * itself stays: it is a fold of events that never change, so catching up from it is enough (reading
   * the whole stream again would make every refusal cost as much as the account's history).
   */
  const markStale = (streamId: string) => {
    const cached = cache.get(streamId);
    if (cached) cache.set(streamId, { ...cached, stale: true });
  };

  /**
   * One command per stream, in arrival order, none for a stream still in flight. With no batch in flight
   * it takes half of a long queue, so that the other half is decided while the first commits: a closed
   * loop of callers (every terminal waiting for its answer) would otherwise send everything in one batch
   * and leave Node idle during the commit and Postgres idle during the decisions.
   */
  const takeBatch = (): Job[] => {
    const limit =
      batchesInFlight === 0 && maxAppendsInFlight > 1 && queue.length >= 2 * minSplitBatch
        ? Math.min(maxBatchSize, Math.ceil(queue.length / 2))
        : maxBatchSize;
    const batch: Job[] = [];
    const rest: Job[] = [];
    for (const job of queue) {
      if (batch.length < limit && !busyStreams.has(job.streamId)) {
        busyStreams.add(job.streamId);
        batch.push(job);
      } else {
        rest.push(job);
      }
    }
    queue.splice(0, queue.length, ...rest);
    return batch;
  };

  const retry = (job: Job, retries: Job[], reason: string) => {
    markStale(job.streamId);
    if (job.attempts >= maxConflictRetries) {
      job.reject(new LedgerRejection('concurrency_conflict', `${reason} after ${job.attempts} attempts`));
      return;
    }
    retries.push({ ...job, attempts: job.attempts + 1 });
  };

  const newEventsOf = (job: Job, decided: Dated<{ type: string; data: unknown }>[]): NewEvent[] =>
    decided.map(({ occurredAt, ...event }) => {
      const metadata: NewEventMetadata = {
        schemaVersion: currentEventSchemaVersion,
        correlationId: job.context.correlationId,
        causationId: job.context.causationId,
        actor: job.context.actor,
        occurredAt,
        ...(isMoneyCommand(job.command) ? { txId: job.command.txId } : {}),
        ...(job.context.traceparent ? { traceparent: job.context.traceparent } : {}),
      };
      return { type: event.type, data: event.data, metadata };
    });

  /** Reads what a batch's commands need: stream states not cached, older charges that refunds name. */
  const prepare = (batch: Job[]) =>
    Promise.all(
      batch.map(async (job) => {
        const cached = cache.get(job.streamId);
        const fresh = cached === undefined || cached.stale === true;
        const entry = fresh ? await catchUp(job.streamId, cached) : cached;
        const state = await stateToDecide(store, job.streamId, job.command, entry.state);
        return { job, entry, state, fresh };
      }),
    );

  /** Answers a late duplicate from the store, off the batch's critical path; retries join `retries`. */
  const answerLate = async (job: Job, entry: CachedStream, retries: Job[], refusal?: unknown) => {
    try {
      const decider = aggregates.deciderOf(job.streamId);
      const command = job.command as MoneyCommand;
      const answer = await answerFromHistory(store, decider, job.streamId, command, entry, refusal);
      if (answer.kind === 'outcome') job.resolve(answer.outcome);
      else if (answer.kind === 'refused') job.reject(answer.error);
      else retry(job, retries, answer.reason);
    } catch (error) {
      job.reject(error);
    }
  };

  const processBatch = async (batch: Job[]): Promise<Job[]> => {
    const retries: Job[] = [];
    const lateAnswers: Promise<void>[] = [];
    await decideAndAppend(await prepare(batch), retries, lateAnswers);
    await Promise.all(lateAnswers);
    return retries;
  };

  const decideAndAppend = async (
    prepared: Awaited<ReturnType<typeof prepare>>,
    retries: Job[],
    lateAnswers: Promise<void>[],
  ): Promise<void> => {
    const appending: Array<{
      job: Job;
      decided: Dated<{ type: string; data: unknown }>[];
      entry: CachedStream;
    }> = [];
    for (const { job, entry, state, fresh } of prepared) {
      const decider: AnyDecider = aggregates.deciderOf(job.streamId);
      let decided: Dated<{ type: string; data: unknown }>[];
      try {
        decided = decider.decide(job.command, state);
      } catch (error) {
        // A refusal decided on a cached state may be stale (another process may have written since);
        // it is only final when decided on a state just read from the store, and not a late duplicate.
        if (!isLedgerRejection(error)) job.reject(error);
        else if (!fresh) retry(job, retries, 'stale refusal');
        else if (mayBeLateDuplicate(job.command, state))
          lateAnswers.push(answerLate(job, entry, retries, error));
        else job.reject(error);
        continue;
      }
      if (decided.length === 0) {
        // "Nothing to do" (unfreezing an open account) is, like a refusal, only final on a fresh state:
        // with nothing to append, no expected revision would notice the other process's freeze. A
        // replayed txId needs no re-read: its original outcome never changes.
        if (!isMoneyCommand(job.command) && !fresh) {
          retry(job, retries, 'stale no-op');
          continue;
        }
        unchangedOutcome(store, job.streamId, job.command, { ...entry, state }).then(job.resolve, job.reject);
        continue;
      }
      appending.push({ job, decided, entry });
    }
    if (appending.length === 0) return;

    const requests: AppendRequest[] = appending.map(({ job, decided, entry }) => ({
      streamId: job.streamId,
      expectedRevision: entry.state.revision < 0 ? 'no_stream' : entry.state.revision,
      events: newEventsOf(job, decided),
    }));
    const startedAt = performance.now();
    let outcomes: AppendOutcome[];
    try {
      outcomes = await store.appendBatch(requests);
    } catch (error) {
      // The commit may or may not have happened: the next command on these streams reads what the store
      // has first; a retry of the same txId finds out which.
      for (const { job } of appending) {
        markStale(job.streamId);
        job.reject(error);
      }
      return;
    }
    const endedAt = performance.now();
    options.observer?.onAppend?.({
      commands: requests.length,
      events: requests.reduce((sum, request) => sum + request.events.length, 0),
      durationMs: endedAt - startedAt,
    });
    for (const { job } of appending) {
      recordChildSpan('ledger.append', job.span, startedAt, endedAt, {
        'ledger.stream': job.streamId,
        'ledger.batch_commands': requests.length,
      });
    }

    appending.forEach(({ job, decided, entry }, index) => {
      const outcome = outcomes[index] as AppendOutcome;
      if (outcome.ok) {
        const decider = aggregates.deciderOf(job.streamId);
        let state = entry.state;
        for (const event of decided) state = decider.evolve(state, event);
        const last = outcome.events[outcome.events.length - 1] as RecordedEvent;
        cache.set(job.streamId, { state, lastPosition: last.position });
        job.resolve({
          status: 'accepted',
          streamId: job.streamId,
          ...(isMoneyCommand(job.command) ? { txId: job.command.txId } : {}),
          ...withBalance(state),
          position: last.position,
          revision: outcome.nextRevision,
          replayed: false,
          events: outcome.events,
          state,
        });
      } else if (outcome.reason === 'wrong_expected_revision') {
        retry(job, retries, 'concurrent writers');
      } else if (outcome.existingStreamId === job.streamId) {
        // A txId older than the state's recent moves, or one another process recorded meanwhile.
        lateAnswers.push(answerLate(job, entry, retries));
      } else {
        job.reject(
          new LedgerRejection(
            'idempotency_conflict',
            `txId ${outcome.txId} is already used on another stream`,
          ),
        );
      }
    });
  };

  const settle = (batch: Job[], retries: Job[]) => {
    for (const job of batch) busyStreams.delete(job.streamId);
    batchesInFlight -= 1;
    // Retries go first, so commands for one stream keep their arrival order.
    queue.unshift(...retries);
    schedulePump();
  };

  const pump = () => {
    pumpScheduled = false;
    while (batchesInFlight < maxAppendsInFlight) {
      const batch = takeBatch();
      if (batch.length === 0) break;
      batchesInFlight += 1;
      processBatch(batch).then(
        (retries) => settle(batch, retries),
        (error: unknown) => {
          for (const job of batch) job.reject(error);
          settle(batch, []);
        },
      );
    }
    if (batchesInFlight === 0 && queue.length === 0) {
      markIdle?.();
      markIdle = undefined;
    }
  };

  // On the next turn, not at once: callers just answered send their next commands first and join the
  // batch, and commands arriving in the same tick as the first one join it too.
  const schedulePump = () => {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(pump);
  };

  const enqueue = (job: Job) => {
    queue.push(job);
    if (!markIdle) {
      idle = new Promise((resolve) => {
        markIdle = resolve;
      });
    }
    schedulePump();
  };

  return {
    handle: async (command, context) => {
      if (closed) throw new LedgerRejection('unavailable', 'the command handler is shutting down');
      if (queue.length >= maxQueuedCommands) {
        throw new LedgerRejection('rate_limited', 'too many commands in flight; retry shortly');
      }
      const streamId = streamOfCommand(command);
      const startedAt = performance.now();
      const finish = (outcome: string) =>
        options.observer?.onCommand?.({
          type: command.type,
          outcome,
          durationMs: performance.now() - startedAt,
        });
      // An active span (HTTP, MQTT) is the parent; otherwise the caller's traceparent, if any.
      const parent = trace.getActiveSpan() ? undefined : context.traceparent;
      return inSpan(
        'ledger.command',
        { 'ledger.command': command.type, 'ledger.stream': streamId },
        async (span) => {
          try {
            await references.check(command);
            // The events carry the command span's context, so relay and projections join its trace.
            // Taken from the span itself, not the active context: it holds without a context manager.
            const traceparent = traceparentOfSpan(span) ?? context.traceparent;
            const traced = traceparent ? { ...context, traceparent } : context;
            const outcome = await new Promise<CommandOutcome>((resolve, reject) =>
              enqueue({ command, context: traced, streamId, attempts: 0, span, resolve, reject }),
            );
            span.setAttribute('ledger.position', outcome.position.toString());
            finish(outcome.replayed ? 'replayed' : 'accepted');
            return outcome;
          } catch (error) {
            finish(isLedgerRejection(error) ? error.code : 'error');
            throw error;
          }
        },
        parent,
      );
    },
    load,
    queueLength: () => queue.length,
    close: async () => {
      closed = true;
      await idle;
    },
  };
};
