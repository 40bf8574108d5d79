import { createServer, type Server } from 'node:http';

// The http benchmark's third baseline: Node's own HTTP server, no framework, reading each charge's JSON
// body and answering it at once with the charge response's shape. Driven by the same client as the
// others, its cost per request is the floor any Node HTTP server pays on this machine (the sockets, the
// parser, the load generator), so the difference to the HTTP layer alone is what the framework and its
// plugins (auth, rate limit, zod, metrics, problem+json) cost.

const answer = (txId: unknown) =>
  JSON.stringify({ txId, status: 'accepted', balance: '1000000.00', position: '0' });

export const startNodeHttpFloor = async (): Promise<{ url: string; close: () => Promise<void> }> => {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body: { txId?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        response.writeHead(400).end();
        return;
      }
      const payload = answer(body.txId);
      response.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(payload),
      });
      response.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the floor server is not on TCP');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
};
