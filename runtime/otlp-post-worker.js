import { parentPort, workerData } from 'node:worker_threads';

// The HTTP side of the OTLP span exporter, on a thread of its own (see otlp-worker-exporter.ts): it
// posts the bytes the main thread serialized and says how it went. Plain JavaScript, because a worker
// thread starts without the TypeScript loader of the process that made it.

/** @type {{ url: string, headers: Record<string, string>, timeoutMs: number }} */
const { url, headers, timeoutMs } = workerData;

parentPort?.on('message', async (/** @type {{ id: number, body: Uint8Array }} */ { id, body }) => {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Read to the end, so the connection goes back to the pool.
    await response.arrayBuffer();
    parentPort?.postMessage({
      id,
      ok: response.ok,
      error: response.ok ? undefined : `HTTP ${response.status}`,
    });
  } catch (error) {
    parentPort?.postMessage({ id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
