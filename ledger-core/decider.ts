/**
 * A decider in the Emmett sense: pure functions, no I/O, no clock. `decide` throws a LedgerRejection
 * to refuse a command; it returns no events when the command changes nothing (a duplicate or a no-op).
 */
export type Decider<State, Command, Event> = {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: () => State;
};

/** Events as deciders produce and consume them: the catalogue shape plus when the fact happened. */
export type Dated<Event> = Event & { occurredAt: string };

export const foldEvents = <State, Event>(
  decider: Pick<Decider<State, unknown, Event>, 'evolve' | 'initialState'>,
  events: Iterable<Event>,
  from: State = decider.initialState(),
): State => {
  let state = from;
  for (const event of events) state = decider.evolve(state, event);
  return state;
};
