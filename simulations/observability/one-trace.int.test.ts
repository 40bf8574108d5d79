import { describeOneTrace } from './one-trace.ts';

// The default: each hop names its parent explicitly, no context manager.
describeOneTrace({ context: 'explicit', stack: 'full' });
