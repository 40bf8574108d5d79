// autocannon's request setup for `npm run bench -- http`. It runs inside autocannon's worker thread,
// which can only load a file, so the run parameters come through the environment: every request is a
// 0.01 charge with a txId never used before, on a random one of the seeded accounts.
const { threadId } = require('node:worker_threads');

const accounts = Number(process.env.HTTP_BENCH_ACCOUNTS);
const runId = process.env.HTTP_BENCH_RUN_ID;
const merchantId = process.env.HTTP_BENCH_MERCHANT_ID;
let sequence = 0;

module.exports = (request) => {
  sequence += 1;
  request.path = `/v1/accounts/bench-${Math.floor(Math.random() * accounts)}/charges`;
  request.body = JSON.stringify({ txId: `${runId}-w${threadId}-${sequence}`, amount: '0.01', merchantId });
  return request;
};
