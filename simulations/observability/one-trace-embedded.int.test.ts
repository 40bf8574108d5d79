import { describeOneTrace } from './one-trace.ts';

// `npm start`'s embedded stack: the in-process projector takes the command's traceparent from the event.
describeOneTrace({ context: 'explicit', stack: 'embedded' });
