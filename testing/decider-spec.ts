import { expect } from 'vitest';
import { type Decider, foldEvents, isLedgerRejection, type RejectionCode } from '../ledger-core/index.ts';

// Given/when/then for deciders, after Emmett's DeciderSpecification:
//   spec.given(pastEvents).when(command).then(expectedEvents)
//   spec.given(pastEvents).when(command).thenThrows('insufficient_funds')
//   spec.given(pastEvents).when(command).thenNothing()
// The past events are folded with the decider's own evolve, so a test states history as facts.

export type DeciderThen<State, Event> = {
  /** The command produced exactly these events; returns the state after them for further checks. */
  then: (expected: Event[]) => State;
  /** The command was refused with this stable code (a LedgerRejection), optionally matching a message. */
  thenThrows: (code: RejectionCode, message?: RegExp) => void;
  /** The command was accepted and changed nothing (a replayed txId or a lifecycle no-op). */
  thenNothing: () => State;
};

export type DeciderSpec<State, Command, Event> = {
  given: (pastEvents: Event[]) => { when: (command: Command) => DeciderThen<State, Event> };
};

export const deciderSpec = <State, Command, Event>(
  decider: Decider<State, Command, Event>,
): DeciderSpec<State, Command, Event> => ({
  given: (pastEvents) => ({
    when: (command) => {
      const state = foldEvents(decider, pastEvents);
      const decide = () => decider.decide(command, state);
      return {
        // biome-ignore lint/suspicious/noThenProperty: Emmett's given/when/then words; never awaited.
        then: (expected) => {
          const events = decide();
          expect(events).toEqual(expected);
          return foldEvents(decider, events, state);
        },
        thenThrows: (code, message) => {
          let thrown: unknown;
          let events: Event[] | undefined;
          try {
            events = decide();
          } catch (error) {
            thrown = error;
          }
          if (events) expect.fail(`expected rejection ${code}, got events ${JSON.stringify(events)}`);
          expect(isLedgerRejection(thrown), String(thrown)).toBe(true);
          expect((thrown as { code: string }).code).toBe(code);
          if (message) expect((thrown as Error).message).toMatch(message);
        },
        thenNothing: () => {
          expect(decide()).toEqual([]);
          return state;
        },
      };
    },
  }),
});
