// Running a network securely: a Redis user that reaches this network's keys only, and worker
// configurations signed with RUSHNET_SECRET (see SECURITY.md; add TLS with rediss:// or `tls`).
// Run: npm run build && RUSHNET_SECRET=$(openssl rand -hex 32) node examples/secure.mjs
//   (REDIS_URL, or ADMIN_REDIS_URL when it differs: a login that may create users)
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { networkAclRules, rsh } from 'rushnet';

const networkId = 'secure-example';
const user = `rush_${networkId}`;
const password = randomBytes(24).toString('hex');

// Once, as an administrator: a Redis user for this network alone.
const adminUrl = process.env.ADMIN_REDIS_URL ?? process.env.REDIS_URL;
if (!adminUrl) {
  console.error('secure.mjs: set REDIS_URL (or ADMIN_REDIS_URL) to a login that may create users');
  process.exit(1);
}
// One try, no reconnecting: a server that cannot be reached is one line, not a retry loop.
const admin = new Redis(adminUrl, { lazyConnect: true, retryStrategy: () => null });
let failure;
admin.on('error', (error) => {
  failure ??= error; // reported once, by connect() below
});
await admin.connect().catch((error) => {
  console.error(`secure.mjs: cannot reach the admin Redis: ${(failure ?? error).message}`);
  process.exit(1);
});
await admin.call(
  'ACL',
  'SETUSER',
  user,
  'reset',
  'on',
  `>${password}`,
  ...networkAclRules(networkId),
);

// The manager and its workers log in as that user. The workers receive the Redis settings and
// the signing key in their environment, never on a command line.
const url = new URL(adminUrl);
[url.username, url.password] = [user, password];
const rush = await rsh({ networkId, config: url.href });
const ids = await rush.startLocalWorkers(
  async (rush) => {
    await rush.processTasks(async (task) => ({ y: task.xs.x * 2 }));
  },
  { nWorkers: 2 },
);
await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
await rush.waitForTasks(keys, { timeout: 60 });
console.log((await rush.fetchFinishedTasks()).map((row) => row.y).sort());

await rush.reset();
await rush.close();
await admin.call('ACL', 'DELUSER', user);
admin.disconnect();
