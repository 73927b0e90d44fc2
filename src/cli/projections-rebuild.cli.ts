import { OutboxRelay } from '../outbox/outbox-relay.js';
import { withAppContext } from './cli-context.js';

/**
 * npm run projections:rebuild — rebuilds every read model from the write model (each in one transaction: readers see
 * the old model until the new one commits). Safe while servers run: their projectors wait, then carry on from their
 * checkpoints, which re-applies recent events on top without effect. Server-side caches expire on their own.
 */
async function main(): Promise<void> {
  await withAppContext(async (app) => {
    const rebuilt = await app.get(OutboxRelay).rebuild();
    console.log(`Rebuilt: ${rebuilt.join(', ') || 'nothing'}`);
  });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
