import { describeOneTrace } from './one-trace.ts';

// AsyncLocalStorage carries the active span: the same trace, with library spans nested in it.
describeOneTrace({ context: 'async-local-storage', stack: 'full' });
