/** The Redis key of a network's optimization hash (where the start time is), for the benchmark. */
import { RushKeys } from '../../dist/redis/keys.js';

export class OptimizationStoreKey {
  readonly key: string;
  constructor(networkId: string) {
    this.key = new RushKeys(networkId).task('optimize:state');
  }
}
