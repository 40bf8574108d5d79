import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { maskCardNumbersInText } from '../ledger-core/index.ts';

// Our own span attributes never hold a card number, but instrumentations record free text: a URL with
// its query string, an exception's message and stack, a SQL statement. Those attributes have card
// numbers masked before any exporter sees the span. Ids and positions of our own attributes are left
// alone: they may be long digit runs that are not card numbers.

const freeTextPrefixes = ['url.', 'http.', 'exception.', 'db.'];

const isFreeText = (key: string): boolean => freeTextPrefixes.some((prefix) => key.startsWith(prefix));

const maskAttributes = (attributes: Attributes): void => {
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === 'string' && isFreeText(key)) attributes[key] = maskCardNumbersInText(value);
  }
};

/**
 * Must come before the exporting processors: span processors run in order on a span's end, and this
 * one rewrites the ended span's attributes, event attributes and status message in place (the SDK has
 * no earlier hook that still sees the attributes an instrumentation sets last).
 */
export const cardMaskingSpanProcessor: SpanProcessor = {
  onStart: () => undefined,
  onEnd: (span: ReadableSpan) => {
    maskAttributes(span.attributes);
    for (const event of span.events) if (event.attributes) maskAttributes(event.attributes);
    if (span.status.message) span.status.message = maskCardNumbersInText(span.status.message);
  },
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};
